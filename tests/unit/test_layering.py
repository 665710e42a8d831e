"""Layering: the results layer reads a replication without importing the model."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[2] / "sim"


def _sim_imports(module: str) -> set[str]:
    """Modules of ``sim`` that ``module`` imports at top level (the package itself aside)."""
    parts = module.split(".")[1:]
    path = SIM.joinpath(*parts)
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("sim.")}
    return found


def test_results_and_invariants_do_not_import_the_model() -> None:
    """Transitively, through every module they import, never ``sim.model``."""
    seen: set[str] = set()
    todo = ["sim.results", "sim.invariants", "sim.records"]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(_sim_imports(m))
    assert "sim.model" not in seen
    assert "sim.records" in seen


def test_model_reexports_the_output_types() -> None:
    from sim import model, records

    assert model.RepOutput is records.RepOutput
    assert model.Layout is records.Layout


def test_model_functions_are_short() -> None:
    """No function of the model is longer than about 80 lines (issue: readable house)."""
    tree = ast.parse((SIM / "model.py").read_text(encoding="utf-8"))
    long = [
        (n.name, n.end_lineno - n.lineno + 1)
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef) and n.end_lineno is not None
        if n.end_lineno - n.lineno + 1 > 90
    ]
    assert long == []
