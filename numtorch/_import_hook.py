"""Running PyTorch programs: ``import torch`` / ``import torchvision`` resolve to numtorch.

``install_as_torch()`` puts an import hook (a meta-path finder) first on ``sys.meta_path``. It
maps every module name under ``torch`` to the same name under ``numtorch`` and every name under
``torchvision`` to ``numtorch.vision``, and hands the import system the numtorch module object
itself: ``torch.nn is numtorch.nn``, nothing is copied and nothing is imported twice. A real
``torch`` installed beside numtorch is never imported (the hook answers first).

- A submodule numtorch lacks raises ``ModuleNotFoundError`` naming PyTorch's module
  (``torch.fx``); an attribute it lacks, read through a module imported under the alias, raises
  ``AttributeError`` naming ``torch.xyz`` (``from torch import fx``: an ``ImportError`` naming
  ``torch.fx``, not numtorch). A submodule not yet imported is imported on first
  attribute access, as ``torch.distributions`` is available after a bare ``import torch``.
- Classes keep their numtorch names (``numtorch.nn.modules.linear.Linear``), so pickles made
  under the alias load with plain numtorch, and relative imports inside numtorch work as usual.
- Child processes started with the ``spawn`` or ``forkserver`` methods of ``multiprocessing``
  install the same hook before they import the parent's ``__main__``.

``install_numtorch_as_torch()`` is the reverse direction (``NUMTORCH_BACKEND=torch``): ``import
numtorch`` resolves to the real ``torch``, so numtorch programs run on PyTorch unchanged. The
pure-Python parts numtorch has and torch lacks (``numtorch.vision``, ``numtorch.metrics``,
``numtorch.classic``) are loaded from numtorch's sources on top of torch.
"""

import dis
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys

import numpy as np

from numtorch import _dtype

__all__ = ["install_as_torch", "uninstall_as_torch", "install_numtorch_as_torch",
           "is_installed", "backend"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

# (alias, real) pairs, longest alias first so that "torchvision" is not read as "torch".
_FORWARD = (("torchvision", "numtorch.vision"), ("torch", "numtorch"))
# numtorch's own pure-Python packages that run on top of real torch in reverse mode.
_OWN = ("numtorch.vision", "numtorch.metrics", "numtorch.classic")
# numtorch's private modules that those packages import, replaced by shims in reverse mode.
_SHIMS = ("numtorch._tensor", "numtorch._random")

_state = {"mode": None, "finder": None, "saved": None}


def _rename(name, pairs):
    """``name`` with its leading alias replaced by the real name (None if no pair matches)."""
    for alias, real in pairs:
        if name == alias or name.startswith(alias + "."):
            return real + name[len(alias):]
    return None


def _torch_name(real):
    """The PyTorch name of a numtorch module (``numtorch.vision.x`` -> ``torchvision.x``)."""
    return _rename(real, [(r, a) for a, r in _FORWARD]) or real


class _AliasLoader(importlib.abc.Loader):
    """Hands the import system an existing module object under another name."""

    def __init__(self, real, on_load=None):
        self.real = real
        self.on_load = on_load
        self._spec = None

    def create_module(self, spec):
        module = importlib.import_module(self.real)
        self._spec = module.__dict__.get("__spec__")
        return module

    def exec_module(self, module):
        # The import system wrote the alias's spec onto the module: give it back its own, so the
        # module stays exactly what it was (importlib.reload, pickle and tools read __spec__).
        if self._spec is not None:
            module.__spec__ = self._spec
        if self.on_load is not None:
            self.on_load(module)


def _missing_module(alias, real):
    return ModuleNotFoundError(
        f"No module named '{alias}': numtorch does not provide {alias} yet (it looked for "
        f"{real}).", name=alias)


class _TorchFinder(importlib.abc.MetaPathFinder):
    """``torch[.x]`` -> ``numtorch[.x]``, ``torchvision[.x]`` -> ``numtorch.vision[.x]``."""

    def find_spec(self, fullname, path=None, target=None):
        real = _rename(fullname, _FORWARD)
        if real is None:
            return None
        module = sys.modules.get(real)
        if module is None:
            try:
                found = importlib.util.find_spec(real)
            except ModuleNotFoundError:
                found = None
            if found is None:
                raise _missing_module(fullname, real)
            is_package = found.submodule_search_locations is not None
        else:
            is_package = hasattr(module, "__path__")
        loader = _AliasLoader(real, on_load=_attach_getattr)
        return importlib.util.spec_from_loader(fullname, loader, is_package=is_package)


def _attach_getattr(module):
    """Give ``module`` a module-level ``__getattr__`` that imports a submodule on first access
    and otherwise raises an AttributeError naming the PyTorch attribute."""
    previous = module.__dict__.get("__getattr__")
    if getattr(previous, "_numtorch_alias", False):
        return
    real = module.__name__
    alias = _torch_name(real)
    is_package = hasattr(module, "__path__")

    def __getattr__(name):
        if previous is not None:
            try:
                return previous(name)
            except AttributeError:
                pass
        if is_package and not name.startswith("__"):
            try:
                found = importlib.util.find_spec(f"{real}.{name}")
            except (ImportError, ValueError):
                found = None
            if found is not None:
                return importlib.import_module(f"{real}.{name}")
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module '{alias}' has no attribute '{name}'")
        if _called_by_import_from(sys._getframe(1)):
            # ``from torch import fx``: the interpreter would turn an AttributeError into its
            # own "cannot import name 'fx' from 'numtorch'", naming numtorch instead of PyTorch.
            raise ImportError(f"cannot import name '{name}' from '{alias}': numtorch does not "
                              f"provide {alias}.{name} yet", name=alias)
        raise AttributeError(f"module '{alias}' has no attribute '{name}': numtorch does not "
                             f"provide {alias}.{name} yet")

    __getattr__._numtorch_alias = True
    module.__getattr__ = __getattr__


_IMPORT_FROM = dis.opmap["IMPORT_FROM"]


def _called_by_import_from(frame):
    """True when ``frame`` is executing a ``from module import name`` statement's name lookup
    (``hasattr``/``getattr`` calls, including the import system's own, are not)."""
    code = frame.f_code.co_code
    return 0 <= frame.f_lasti < len(code) and code[frame.f_lasti] == _IMPORT_FROM


def is_installed():
    """True while ``import torch`` resolves to numtorch in this interpreter."""
    return _state["mode"] == "numtorch"


def backend():
    """``"numtorch"`` (torch is numtorch), ``"torch"`` (numtorch is torch) or None."""
    return _state["mode"]


def install_as_torch():
    """Make ``import torch`` and ``import torchvision`` (and all their submodules) resolve to
    numtorch and numtorch.vision in this interpreter, e.g. at the top of a notebook.

    Raises RuntimeError if a real ``torch`` is already imported (mixing the two would give
    tensors of two libraries). Calling it twice is harmless."""
    if _state["mode"] == "numtorch":
        return
    if _state["mode"] is not None:
        raise RuntimeError("numtorch is running as torch's alias already (reverse mode); "
                           "install_as_torch() cannot be combined with it.")
    for name in ("torch", "torchvision"):
        module = sys.modules.get(name)
        if module is not None and not module.__name__.startswith("numtorch"):
            raise RuntimeError(
                f"the real {name} is already imported in this interpreter; call "
                f"numtorch.install_as_torch() before any `import {name}` (restart the kernel).")
    import numtorch

    finder = _TorchFinder()
    sys.meta_path.insert(0, finder)
    _state.update(mode="numtorch", finder=finder)
    _dtype.REPR_NAMESPACE[0] = "torch"  # dtypes and sizes print as torch.float32, torch.Size
    # Modules numtorch has already loaded answer to their PyTorch names at once.
    for real, module in list(sys.modules.items()):
        if module is not None and (real == "numtorch" or real.startswith("numtorch.")):
            _attach_getattr(module)
            alias = _torch_name(real)
            if alias != real and not real.startswith("numtorch.cli"):
                sys.modules.setdefault(alias, module)
    del numtorch
    _patch_multiprocessing()


def uninstall_as_torch():
    """Undo ``install_as_torch()``: ``torch`` names leave ``sys.modules`` and the hook is
    removed (numtorch's modules keep their friendlier attribute errors)."""
    if _state["mode"] != "numtorch":
        return
    sys.meta_path.remove(_state["finder"])
    for name in list(sys.modules):
        if _rename(name, _FORWARD) is not None and name.split(".")[0] in ("torch", "torchvision"):
            module = sys.modules[name]
            if module is None or getattr(module, "__name__", "").startswith("numtorch"):
                del sys.modules[name]
    _state.update(mode=None, finder=None)
    _dtype.REPR_NAMESPACE[0] = "numtorch"
    _unpatch_multiprocessing()


# ---------------------------------------------------------------------- reverse: numtorch -> torch
class _ShimLoader(importlib.abc.Loader):
    """Builds, on real torch, the few private numtorch names numtorch.vision uses."""

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        import torch

        if module.__name__ == "numtorch._tensor":
            module.Tensor = torch.Tensor
            module._wrap = _wrap_numpy
        else:
            module.default_generator = _TorchSeededNumpy()
            for name in ("get_rng_state", "set_rng_state", "manual_seed", "randn", "randint"):
                setattr(module, name, getattr(torch, name))


def _wrap_numpy(arr):
    import torch

    arr = np.asarray(arr)
    if not arr.flags.writeable or not arr.flags.c_contiguous and not arr.flags.f_contiguous:
        arr = arr.copy()
    return torch.from_numpy(arr)


class _TorchSeededNumpy:
    """numtorch.vision's random transforms draw from ``default_generator.rng`` (a NumPy
    generator); on torch it is reseeded whenever ``torch.manual_seed`` changes the seed."""

    def __init__(self):
        self._seed = None
        self._rng = None

    @property
    def rng(self):
        import torch

        seed = torch.initial_seed()
        if seed != self._seed:
            self._seed = seed
            self._rng = np.random.default_rng(seed)
        return self._rng


class _NumtorchFinder(importlib.abc.MetaPathFinder):
    """``numtorch[.x]`` -> ``torch[.x]``; numtorch's own packages load from numtorch's sources."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "numtorch" and not fullname.startswith("numtorch."):
            return None
        if fullname in _SHIMS:
            return importlib.util.spec_from_loader(fullname, _ShimLoader())
        for own in _OWN:
            if fullname == own:
                rel = own.split(".", 1)[1]
                pkg_dir = os.path.join(_PACKAGE_DIR, rel)
                if os.path.isdir(pkg_dir):
                    return importlib.util.spec_from_file_location(
                        fullname, os.path.join(pkg_dir, "__init__.py"),
                        submodule_search_locations=[pkg_dir])
                return importlib.util.spec_from_file_location(fullname, pkg_dir + ".py")
            if fullname.startswith(own + "."):
                return None  # the path finder finds it in the package's __path__
        real = "torch" + fullname[len("numtorch"):]
        try:
            found = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise ModuleNotFoundError(
                f"No module named '{fullname}' with NUMTORCH_BACKEND=torch: PyTorch has no "
                f"{real} and numtorch's own modules available on it are {', '.join(_OWN)}.",
                name=fullname)
        return importlib.util.spec_from_loader(
            fullname, _AliasLoader(real), is_package=found.submodule_search_locations is not None)


def install_numtorch_as_torch():
    """Make ``import numtorch`` (and its submodules) resolve to the real ``torch`` in this
    interpreter: numtorch programs then run on PyTorch, unchanged.

    numtorch's own modules already imported leave ``sys.modules`` (the objects stay alive for
    whoever holds them); ``numtorch.vision`` / ``metrics`` / ``classic`` are re-imported from
    numtorch's sources on top of torch. Raises ImportError if torch is not installed."""
    if _state["mode"] == "torch":
        return
    if _state["mode"] is not None:
        raise RuntimeError("torch is aliased to numtorch in this interpreter already; "
                           "NUMTORCH_BACKEND=torch cannot be combined with it.")
    try:
        import torch
    except ImportError as exc:
        raise ImportError("NUMTORCH_BACKEND=torch needs PyTorch: pip install torch") from exc
    if not hasattr(torch.Tensor, "_data"):
        # numtorch.vision reads a tensor's array as ``t._data``; on torch that is t's NumPy view.
        torch.Tensor._data = property(lambda t: t.detach().numpy())
    saved = {name: sys.modules.pop(name) for name in list(sys.modules)
             if name == "numtorch" or name.startswith("numtorch.")}
    finder = _NumtorchFinder()
    sys.meta_path.insert(0, finder)
    _state.update(mode="torch", finder=finder, saved=saved)
    _patch_multiprocessing()


# ---------------------------------------------------------------------- child processes
_original_spawnv = []


def _install_in_child(mode):
    """Run by a spawned / forkserver child before it imports the parent's ``__main__``."""
    if mode == "numtorch":
        install_as_torch()
    else:
        install_numtorch_as_torch()


def _patch_multiprocessing():
    """Children started by ``spawn`` and ``forkserver`` run a fresh interpreter that imports
    the parent's ``__main__``; their ``-c`` program gets the hook installed first (both start
    methods launch through ``multiprocessing.util.spawnv_passfds``)."""
    from multiprocessing import util

    if _original_spawnv:
        return
    original = util.spawnv_passfds
    _original_spawnv.append(original)
    mode = _state["mode"]
    parent = os.path.dirname(_PACKAGE_DIR)

    def spawnv_passfds(path, args, passfds):
        args = list(args)
        if "-c" in args:
            i = args.index("-c") + 1
            if i < len(args) and ("multiprocessing.spawn" in args[i]
                                  or "multiprocessing.forkserver" in args[i]):
                args[i] = (f"import sys; sys.path.append({parent!r}); "
                           f"from numtorch._import_hook import _install_in_child; "
                           f"_install_in_child({mode!r}); " + args[i])
        return original(path, args, passfds)

    util.spawnv_passfds = spawnv_passfds


def _unpatch_multiprocessing():
    from multiprocessing import util

    if _original_spawnv:
        util.spawnv_passfds = _original_spawnv.pop()
