"""The tutorial notebooks in docs/tutorials run top to bottom: each is executed with nbclient
in a fresh kernel, with small settings injected after its ``parameters`` cell, and fails on
any error. The stored notebooks are checked too: executed, without errors, under 1 MB, and
listed in the index."""

import os
import re

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TUTORIALS = os.path.join(ROOT, "docs", "tutorials")
NOTEBOOKS = sorted(f for f in os.listdir(TUTORIALS) if f.endswith(".ipynb"))

# Small settings per notebook: a few steps each, so that all of them run in about a minute.
SMALL = {
    "01_perceptron_xor": {"n_points": 60, "max_epochs": 5, "mlp_steps": 30},
    "02_logistic_regression": {"epochs": 2},
    "03_backprop": {"gradcheck_size": 3},
    "04_mlp_decision_boundaries": {"n_points": 150, "steps": 30, "grid_size": 30},
    "05_optimizers": {"steps": 20, "epochs": 2},
    "06_initialization": {"depth": 4, "width": 32, "batch": 64},
    "07_cnn": {"epochs": 1},
    "08_resnet_vs_plain": {"blocks": 2, "channels": 4, "steps": 12, "batch_size": 16},
    "09_overfitting_regularization": {"n_train": 64, "epochs": 3, "hidden": 32},
    "10_rnn_lstm": {"epochs": 1, "memory_length": 8, "memory_steps": 12, "hidden": 8},
    "11_attention_transformer": {"epochs": 1, "d_model": 8},
    "12_generative_models": {"gan_steps": 10, "vae_epochs": 1, "diffusion_steps": 10,
                             "timesteps": 10},
    "13_adversarial_saliency": {"epochs": 1, "pgd_steps": 2, "smoothgrad_samples": 2},
}


def _read(name):
    nbformat = pytest.importorskip("nbformat", reason="reading notebooks needs nbformat "
                                   "(pip install nbformat)")
    return nbformat, nbformat.read(os.path.join(TUTORIALS, name), as_version=4)


def _parameters_cell(nb):
    cells = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one code cell must be tagged 'parameters'"
    return cells[0]


def test_every_notebook_has_small_settings_and_an_index_entry():
    assert len(NOTEBOOKS) >= 13
    assert sorted(SMALL) == [n[:-len(".ipynb")] for n in NOTEBOOKS]
    index = open(os.path.join(TUTORIALS, "README.md"), encoding="utf-8").read()
    for name in NOTEBOOKS:
        assert f"({name})" in index, f"{name} is not linked from docs/tutorials/README.md"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_stored_notebook_is_executed_and_small(name):
    _, nb = _read(name)
    assert os.path.getsize(os.path.join(TUTORIALS, name)) < 1_000_000
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "store the notebook executed"
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no picture stored"
    assert any("import numtorch as torch" in c.source for c in code)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name, monkeypatch):
    pytest.importorskip("ipykernel", reason="running notebooks needs ipykernel")
    nbclient = pytest.importorskip("nbclient", reason="running notebooks needs nbclient")
    pytest.importorskip("matplotlib", reason="the tutorials draw with matplotlib")
    pytest.importorskip("sklearn", reason="the Digits data ship with scikit-learn")
    nbformat, nb = _read(name)
    at = _parameters_cell(nb)
    small = SMALL[name[:-len(".ipynb")]]
    for key in small:  # overriding a name the notebook does not define would test nothing
        assert re.search(rf"^{key} = ", nb.cells[at].source, re.M), f"{key} not in parameters"
    injected = "\n".join(f"{k} = {v!r}" for k, v in small.items())
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(injected))
    # the kernel must import this tree's numtorch; one BLAS thread keeps small runs fast
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", ROOT + (os.pathsep + path if path else ""))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": TUTORIALS}})
    client.execute()  # raises CellExecutionError on the first failing cell
