"""Bad-input corpus: every broken file in tests/corpus/ is rejected cleanly.

``tests/corpus/scenarios/EXPECTED.yaml`` lists each case with the field path its message must
name and a fragment of the message. Every case goes through the command line's ``validate``
in-process (``sim.cli.main``: exit code 2, exactly one stderr line, no traceback) and through
``load_scenario`` (the exact field path); the cases marked ``cli: true`` also go through the
real ``tthc-sim validate`` in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.cli import main
from sim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus" / "scenarios"
INDEX_FILE = CORPUS / "EXPECTED.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(INDEX_FILE.read_text(encoding="utf-8"))["cases"]


def case_id(case: dict[str, Any]) -> str:
    if "set" in case:
        return f"{Path(case['file']).stem}--set-{case['set'][0].split('=')[0]}"
    return Path(case["file"]).stem


def case_path(case: dict[str, Any], tmp_path: Path) -> Path:
    """Where the case lives; 'make' cases are created (or checked absent) in tmp_path."""
    make = case.get("make")
    if make == "directory":
        path = tmp_path / case["file"]
        path.mkdir()
        return path
    if make == "missing":
        path = tmp_path / case["file"]
        assert not path.exists()
        return path
    path = CORPUS / case["file"]
    assert path.is_file(), f"corpus file {path} is missing"
    return path


def cli_args(case: dict[str, Any], path: Path) -> list[str]:
    args = ["validate", str(path)]
    for s in case.get("set", []):
        args += ["--set", s]
    return args


def expected_source(case: dict[str, Any]) -> str:
    """File name the message must name: the case itself, or the broken parent."""
    return Path(case.get("source", case["file"])).name


def check_error_line(stderr: str, case: dict[str, Any]) -> None:
    """One line: ``error: FILE: FIELD: MESSAGE`` naming the file, the field and the problem."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {lines!r}"
    line = lines[0]
    assert line.startswith("error: "), line
    name = expected_source(case)
    assert name in line, f"{line!r} does not name the file {name}"
    tail = line[line.index(name) + len(name) :]
    field = str(case["field"])
    if field:
        assert f": {field}: " in tail, f"{line!r} does not name the field {field!r}"
    assert case["message"] in tail, f"{line!r} lacks {case['message']!r}"


# ----------------------------------------------------------------------------- the index


def test_corpus_is_large_and_every_file_is_indexed() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.name != INDEX_FILE.name}
    indexed = {c["file"] for c in CASES if "make" not in c and "set" not in c}
    assert files == indexed, (
        f"not in EXPECTED.yaml: {sorted(files - indexed)}; no file: {sorted(indexed - files)}"
    )
    assert len(CASES) >= 40
    assert sum(1 for c in CASES if c.get("cli")) >= 10
    for c in CASES:
        assert {"file", "field", "message"} <= set(c), c
        assert c["message"], c


# ----------------------------------------------------------------------------- every case


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_case_is_rejected_with_the_field_named(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case_path(case, tmp_path)
    # the library: a ScenarioError with exactly the expected field path
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, case.get("set", []))
    err = info.value
    assert err.path == str(case["field"]), f"field {err.path!r} (message {err.message!r})"
    assert case["message"] in err.message, err.message
    assert Path(err.source.split(" (")[0]).name == expected_source(case), err.source
    # the command line's validate, in-process: exit code 2 and one clean line
    code = main(cli_args(case, path))
    out = capsys.readouterr()
    assert code == 2, f"exit code {code}; stderr {out.err!r}"
    assert out.out == ""
    check_error_line(out.err, case)


# ----------------------------------------------------------------------------- real command

CLI_CASES = [c for c in CASES if c.get("cli")]


def _run_cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_sample_through_the_real_command(tmp_path: Path) -> None:
    """The cases marked ``cli: true`` through ``python -m sim validate`` (two at a time)."""
    jobs = [(c, cli_args(c, case_path(c, tmp_path))) for c in CLI_CASES]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda job: _run_cli(job[1]), jobs))
    problems = []
    for (case, _), proc in zip(jobs, done, strict=True):
        try:
            assert proc.returncode == 2, f"exit code {proc.returncode}"
            assert proc.stdout == "", f"stdout {proc.stdout!r}"
            check_error_line(proc.stderr, case)
        except AssertionError as exc:
            problems.append(f"{case_id(case)}: {exc}")
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------- sweeps

# PLACEHOLDER: broken SWEEP files. `tthc-sim sweep` and its sweep-file schema (sim/sweep.py)
# are being written; once they exist, add tests/corpus/sweeps/ with an EXPECTED.yaml like the
# scenarios' one and run each case through the sweep loader and the command. Cases to cover:
SWEEP_CASES_TODO = [
    "factor on a field path that does not exist (staffing.multiplier.recepton)",
    "factor on a path that is a section, not a value (staffing)",
    "factor with an empty list of levels",
    "factor levels of the wrong type (text for a number) and out of range (availability 1.5)",
    "NaN / infinity among the levels",
    "the same factor listed twice",
    "base scenario missing, or itself broken (the message names the scenario file)",
    "unknown top-level key / misspelt 'factors'",
    "reps / seed negative or absurd",
    "a design with more points than allowed",
    "empty sweep file; non-UTF-8 bytes; a directory instead of a file",
]


def test_sweep_corpus_placeholder() -> None:
    sweeps = ROOT / "tests" / "corpus" / "sweeps"
    if not (sweeps / "EXPECTED.yaml").exists():
        pytest.skip(f"sweep corpus not written yet ({len(SWEEP_CASES_TODO)} cases planned)")
    pytest.fail("tests/corpus/sweeps exists: replace this placeholder with the real sweep test")
