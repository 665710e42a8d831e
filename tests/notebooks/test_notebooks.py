"""The notebooks in notebooks/ run top to bottom without an error, and are committed clean.

Each notebook is executed with nbclient in a kernel that runs *this* interpreter (a temporary
kernelspec pointing at ``sys.executable``), so it sees the installed package whatever other
kernels are registered on the machine. The working directory is notebooks/, as in Jupyter.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
EXPECTED = (
    "01_quickstart.ipynb",
    "02_calibration_and_validation.ipynb",
    "03_what_if.ipynb",
)
NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))
KERNEL_NAME = "tthc-sim-test"
CELL_TIMEOUT = 600  # seconds per cell: generous, for a busy two-core machine


def test_expected_notebooks_exist() -> None:
    missing = [n for n in EXPECTED if n not in NOTEBOOKS]
    assert not missing, f"missing notebooks in {NOTEBOOKS_DIR}: {missing}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_without_outputs(name: str) -> None:
    nb = json.loads((NOTEBOOKS_DIR / name).read_text(encoding="utf-8"))
    dirty = [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{name}: code cells {dirty} have outputs or execution counts; clear them before "
        "committing (e.g. jupyter nbconvert --clear-output --inplace notebooks/*.ipynb)"
    )


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A kernelspec that starts ipykernel on the interpreter running the tests."""
    root = tmp_path_factory.mktemp("jupyter")
    spec_dir = root / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        previous = os.environ.get("JUPYTER_PATH")
        mp.setenv("JUPYTER_PATH", os.pathsep.join(p for p in (str(root), previous) if p))
        yield KERNEL_NAME


#: Notebooks run only with ``pytest -m slow``; empty: all three run in the default session.
SLOW: frozenset[str] = frozenset()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, id=n.removesuffix(".ipynb"), marks=[pytest.mark.slow] if n in SLOW else [])
        for n in NOTEBOOKS
    ],
)
def test_notebook_runs(name: str, kernel_name: str) -> None:
    import nbformat
    from nbclient import NotebookClient

    path = NOTEBOOKS_DIR / name
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=kernel_name,
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    t0 = time.perf_counter()
    client.execute()  # raises CellExecutionError (with the cell's traceback) on any error
    elapsed = time.perf_counter() - t0
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors, f"{name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    print(f"{name}: executed in {elapsed:.0f} s")
