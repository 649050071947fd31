"""``python -m numtorch`` is the ``numtorch`` command."""

from numtorch.cli import run

run()
