"""The README's Python examples run as written: as a plain script, and in a Jupyter kernel.

Each example runs in a temporary folder holding a link to the repository's ``scenarios/``, so
the README's relative paths work and the results it writes (``results/...``) land there.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def _workers_at_top_level(tree: ast.Module) -> list[int]:
    """Lines of calls with ``workers=`` > 1 that are not under ``if __name__ == "__main__":``."""
    guarded: set[int] = set()
    for node in tree.body:
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name)
            and node.test.left.id == "__name__"
        ):
            guarded |= {n.lineno for n in ast.walk(node) if hasattr(n, "lineno")}
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if (
                    kw.arg == "workers"
                    and not (isinstance(kw.value, ast.Constant) and kw.value.value == 1)
                    and node.lineno not in guarded
                ):
                    bad.append(node.lineno)
    return bad


def test_readme_has_python_examples_that_parse_and_guard_their_workers():
    assert len(BLOCKS) >= 2
    for block in BLOCKS:
        tree = ast.parse(block)
        assert not _workers_at_top_level(tree), (
            "a README example starts worker processes outside "
            f'`if __name__ == "__main__":`:\n{block}'
        )


def test_the_guard_check_can_fail():
    tree = ast.parse("import sim\nsim.run(scn, reps=5, workers=2)\n")
    assert _workers_at_top_level(tree) == [2]


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs_as_a_script(index: int, tmp_path: Path):
    """About 30 s and 2 minutes on two busy cores (the second runs a sweep)."""
    cwd = _folder(tmp_path)
    script = cwd / f"example_{index}.py"
    script.write_text(BLOCKS[index], encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    p = subprocess.run(
        [sys.executable, str(script)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    if "write_comparison" in BLOCKS[index]:
        assert (cwd / "results" / "cut" / "manifest.json").is_file()


@pytest.mark.slow
def test_readme_first_example_runs_in_jupyter(tmp_path: Path):
    import nbformat
    from nbclient import NotebookClient

    cwd = _folder(tmp_path)
    spec_root = tmp_path / "jupyter"
    spec_dir = spec_root / "kernels" / "tthc-readme"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "tthc-readme",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(BLOCKS[0])]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(spec_root))
        NotebookClient(
            nb,
            kernel_name="tthc-readme",
            timeout=600,
            startup_timeout=120,
            resources={"metadata": {"path": str(cwd)}},
        ).execute()
    outputs = [o for o in nb.cells[0].get("outputs", []) if o.get("output_type") == "stream"]
    assert any("(" in o.get("text", "") for o in outputs)  # the printed rate and interval
