"""Bad-input corpus: every broken file in tests/corpus/ is rejected cleanly.

``tests/corpus/scenarios/EXPECTED.yaml`` lists each case with the field path its message must
name and a fragment of the message. Every case goes through the command line's ``validate``
in-process (``sim.cli.main``: exit code 2, exactly one stderr line, no traceback) and through
``load_scenario`` (the exact field path); the cases marked ``cli: true`` also go through the
real ``tthc-sim validate`` in a subprocess. ``tests/corpus/sweeps/EXPECTED.yaml`` does the same
for sweep files (``load_sweep`` and ``tthc-sim sweep``), and the last section feeds bad
command-line arguments to ``run``, ``compare``, ``calibrate``, ``sweep`` and ``plot``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from clitools import tthc

from sim.cli import main
from sim.scenario import ScenarioError, load_scenario
from sim.sweep import load_sweep

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


def test_sample_through_the_real_command(tmp_path: Path) -> None:
    """The cases marked ``cli: true`` through ``python -m sim validate`` (two at a time)."""
    jobs = [(c, cli_args(c, case_path(c, tmp_path))) for c in CLI_CASES]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda job: tthc(*job[1], timeout=120), jobs))
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

SWEEP_CORPUS = ROOT / "tests" / "corpus" / "sweeps"
SWEEP_INDEX = SWEEP_CORPUS / "EXPECTED.yaml"
SWEEP_CASES: list[dict[str, Any]] = yaml.safe_load(SWEEP_INDEX.read_text(encoding="utf-8"))["cases"]

#: What the sweep corpus must cover, and the cases that do.
SWEEP_TOPICS: dict[str, list[str]] = {
    "factor on a field path that does not exist": [
        "factor_path_misspelt.yaml",
        "factor_path_unknown_section.yaml",
        "factor_path_unknown_leaf.yaml",
        "factor_path_list_index.yaml",
        "paths_misspelt_target.yaml",
    ],
    "factor on a section, not a value": [
        "factor_path_is_section.yaml",
        "factor_path_through_value.yaml",
    ],
    "empty list of levels": [
        "factor_levels_empty.yaml",
        "factor_levels_null.yaml",
        "factors_empty.yaml",
    ],
    "levels of the wrong type or out of range": [
        "factor_level_text_for_number.yaml",
        "factor_level_bool_for_number.yaml",
        "factor_level_out_of_range.yaml",
        "factor_level_negative.yaml",
        "lhs_range_out_of_bounds.yaml",
    ],
    "NaN / infinity among the levels": [
        "factor_level_nan.yaml",
        "factor_level_inf.yaml",
        "lhs_range_nan.yaml",
        "lhs_range_inf.yaml",
        "seed_nan.yaml",
    ],
    "the same factor twice": [
        "factor_listed_twice.yaml",
        "factor_twice_through_paths.yaml",
        "factor_also_under_set.yaml",
        "factor_level_repeated_int_float.yaml",
    ],
    "base scenario missing or broken": [
        "base_missing_key.yaml",
        "base_not_found.yaml",
        "base_is_directory.yaml",
        "base_syntax_error.yaml",
        "base_invalid_value.yaml",
        "base_extends_cycle.yaml",
        "base_non_utf8.yaml",
    ],
    "unknown top-level key / misspelt 'factors'": [
        "unknown_top_level_key.yaml",
        "factors_misspelt.yaml",
        "lhs_range_misspelt.yaml",
    ],
    "reps / seed negative or absurd": [
        "reps_zero.yaml",
        "reps_negative.yaml",
        "reps_absurd.yaml",
        "seed_negative.yaml",
        "seed_absurd.yaml",
    ],
    "too many points": [
        "grid_too_many_points.yaml",
        "lhs_too_many_points.yaml",
        "too_many_runs.yaml",
    ],
    "empty file, non-UTF-8 bytes, a directory": [
        "empty.yaml",
        "non_utf8_latin1.yaml",
        "directory_instead_of_file.yaml",
    ],
}


def sweep_case_path(case: dict[str, Any], tmp_path: Path) -> Path:
    if "make" in case:
        return case_path(case, tmp_path)
    path = SWEEP_CORPUS / case["file"]
    assert path.is_file(), f"corpus file {path} is missing"
    return path


def check_sweep_line(stderr: str, case: dict[str, Any]) -> None:
    """As for scenarios, and a broken base must be named too."""
    check_error_line(stderr, case)
    if "names" in case:
        assert case["names"] in stderr, f"{stderr!r} does not name the scenario {case['names']}"


def test_sweep_corpus_is_large_indexed_and_covers_every_topic() -> None:
    files = {p.name for p in SWEEP_CORPUS.iterdir() if p.name != SWEEP_INDEX.name}
    indexed = {c["file"] for c in SWEEP_CASES if "make" not in c}
    assert files == indexed, (
        f"not in EXPECTED.yaml: {sorted(files - indexed)}; no file: {sorted(indexed - files)}"
    )
    assert len(SWEEP_CASES) >= 40
    assert sum(1 for c in SWEEP_CASES if c.get("cli")) >= 5
    names = {c["file"] for c in SWEEP_CASES}
    for topic, cases in SWEEP_TOPICS.items():
        assert cases and set(cases) <= names, f"{topic}: {sorted(set(cases) - names)}"
    for c in SWEEP_CASES:
        assert {"file", "field", "message"} <= set(c), c
        assert c["message"], c


@pytest.mark.parametrize("case", SWEEP_CASES, ids=[Path(c["file"]).stem for c in SWEEP_CASES])
def test_sweep_case_is_rejected_with_the_field_named(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sweep_case_path(case, tmp_path)
    # the library: a ScenarioError naming the sweep file and exactly the expected field
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    err = info.value
    assert err.path == str(case["field"]), f"field {err.path!r} (message {err.message!r})"
    assert case["message"] in err.message, err.message
    assert Path(err.source).name == case["file"], err.source
    if "names" in case:
        assert case["names"] in err.message, err.message
    # the command, in-process: exit code 2, one clean line, and nothing written
    out_dir = tmp_path / "out"
    code = main(["sweep", str(path), "--out", str(out_dir), "--workers", "1", "--no-progress"])
    out = capsys.readouterr()
    assert code == 2, f"exit code {code}; stderr {out.err!r}"
    assert out.out == ""
    check_sweep_line(out.err, case)
    assert not out_dir.exists(), "a rejected sweep must not create its store"


def test_sweep_sample_through_the_real_command(tmp_path: Path) -> None:
    """The sweep cases marked ``cli: true`` through ``python -m sim sweep`` (two at a time)."""
    jobs = []
    for k, c in enumerate(c for c in SWEEP_CASES if c.get("cli")):
        path = sweep_case_path(c, tmp_path)
        jobs.append((c, ["sweep", str(path), "--out", str(tmp_path / f"out{k}"), "--workers", "1"]))
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda job: tthc(*job[1], timeout=120), jobs))
    problems = []
    for (case, args), proc in zip(jobs, done, strict=True):
        try:
            assert proc.returncode == 2, f"exit code {proc.returncode}"
            assert proc.stdout == "", f"stdout {proc.stdout!r}"
            check_sweep_line(proc.stderr, case)
            assert not Path(args[3]).exists(), "store created"
        except AssertionError as exc:
            problems.append(f"{case['file']}: {exc}")
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------- arguments

QUICK = ROOT / "scenarios" / "validation" / "quick.yaml"
SMOKE = ROOT / "scenarios" / "sweeps" / "smoke.yaml"


def _argument_cases(tmp: Path) -> list[tuple[str, list[str], list[str]]]:
    """(id, arguments, fragments the one error line must hold); paths under ``tmp``."""
    q, s = str(QUICK), str(SMOKE)
    a_file = str(tmp / "a_file")
    return [
        # run
        ("run-workers-negative", ["run", q, "--workers", "-3"], ["--workers", "got -3"]),
        ("run-reps-zero", ["run", q, "--reps", "0"], ["--reps", "at least 1"]),
        ("run-seed-negative", ["run", q, "--seed", "-1"], ["--seed"]),
        (
            "run-halfwidth-negative",
            ["run", q, "--reps", "auto", "--halfwidth", "-1"],
            ["--halfwidth", "between 0 and 1"],
        ),
        ("run-max-reps-zero", ["run", q, "--reps", "auto", "--max-reps", "0"], ["--max-reps"]),
        ("run-out-is-a-file", ["run", q, "--out", a_file], [a_file, "--out", "is a file"]),
        (
            "run-out-under-a-file",
            ["run", q, "--out", f"{a_file}/sub"],
            ["a_file/sub", "--out", "cannot create the folder"],
        ),
        (
            "run-set-out-of-range",
            ["run", q, "--set", "staffing.availability=1.5"],
            ["quick.yaml", ": staffing.availability: ", "less than or equal to 1"],
        ),
        (
            "run-set-without-value",
            ["run", q, "--set", "staffing.availability"],
            ["quick.yaml", "override must look like"],
        ),
        ("run-missing-scenario", ["run", str(tmp / "nope.yaml")], ["nope.yaml", "not found"]),
        ("run-scenario-is-a-folder", ["run", str(tmp)], [str(tmp), "is a directory"]),
        # compare
        ("compare-one-scenario", ["compare", q], ["at least two scenario files"]),
        ("compare-workers-negative", ["compare", q, q, "--workers", "-3"], ["--workers"]),
        ("compare-reps-zero", ["compare", q, q, "--reps", "0"], ["--reps", "at least 1"]),
        (
            "compare-halfwidth-negative",
            ["compare", q, q, "--reps", "auto", "--halfwidth", "-1"],
            ["--halfwidth"],
        ),
        (
            "compare-missing-scenario",
            ["compare", q, str(tmp / "nope.yaml")],
            ["nope.yaml", "not found"],
        ),
        ("compare-out-is-a-file", ["compare", q, q, "--out", a_file], ["--out", "is a file"]),
        (
            "compare-set-misspelt",
            ["compare", q, q, "--set", "staffing.availabilty=0.9"],
            [": staffing.availabilty: ", "unknown field"],
        ),
        (
            "compare-set-impossible-date",
            ["compare", q, q, "--set", "horizon.end=2025-02-30"],
            [": horizon.end: ", "day value is outside expected range"],
        ),
        # calibrate
        ("calibrate-target-2", ["calibrate", q, "--target", "2"], ["--target", "got 2.0"]),
        ("calibrate-target-nan", ["calibrate", q, "--target", "nan"], ["--target"]),
        ("calibrate-reps-zero", ["calibrate", q, "--reps", "0"], ["--reps", "at least 1"]),
        ("calibrate-workers-negative", ["calibrate", q, "--workers", "-3"], ["--workers"]),
        ("calibrate-grid-one", ["calibrate", q, "--grid", "1"], ["--grid"]),
        ("calibrate-bounds-reversed", ["calibrate", q, "--bounds", "2", "1"], ["need low < high"]),
        ("calibrate-bounds-nan", ["calibrate", q, "--bounds", "nan", "1"], ["--bounds", "finite"]),
        (
            "calibrate-parameter-unknown",
            ["calibrate", q, "--parameter", "staffing.nosuch"],
            [": staffing.nosuch: ", "unknown field"],
        ),
        ("calibrate-out-is-a-file", ["calibrate", q, "--out", a_file], ["--out", "is a file"]),
        (
            "calibrate-set-out-of-range",
            ["calibrate", q, "--set", "run.reps=0"],
            [": run.reps: ", "greater than or equal to 1"],
        ),
        # sweep
        ("sweep-workers-negative", ["sweep", s, "--workers", "-3"], ["--workers", "got -3"]),
        ("sweep-missing-file", ["sweep", str(tmp / "nope.yaml")], ["nope.yaml", "not found"]),
        ("sweep-out-is-a-file", ["sweep", s, "--out", a_file], [a_file, "--out", "is a file"]),
        (
            "sweep-scheduler-no-port",
            ["sweep", s, "--out", str(tmp / "o"), "--scheduler", "nonsense"],
            ["nonsense", "--scheduler", "cannot connect"],
        ),
        (
            "sweep-scheduler-wrong-scheme",
            ["sweep", s, "--out", str(tmp / "o"), "--scheduler", "http://127.0.0.1:8786"],
            ["--scheduler", "unknown address scheme"],
        ),
        # plot
        ("plot-missing-folder", ["plot", str(tmp / "nope")], ["nope", "not a folder"]),
        ("plot-a-file", ["plot", a_file], ["a_file", "not a folder"]),
        ("plot-no-manifest", ["plot", str(tmp / "empty")], ["empty", "no manifest.json"]),
        (
            "plot-corrupt-manifest",
            ["plot", str(tmp / "corrupt")],
            ["corrupt/manifest.json", "not a valid manifest"],
        ),
        (
            "plot-unknown-kind",
            ["plot", str(tmp / "unknown_kind")],
            ["manifest.json", "kind", "unknown result kind"],
        ),
        (
            "plot-incomplete-sweep",
            ["plot", str(tmp / "no_points")],
            ["no_points/points.csv", "missing"],
        ),
        (
            "plot-plots-dir-is-a-file",
            ["plot", str(tmp / "no_points"), "--plots-dir", a_file],
            ["--plots-dir", "is a file"],
        ),
        ("plot-unknown-format", ["plot", str(tmp / "empty"), "--format", "gif"], ["--format"]),
        ("plot-unknown-language", ["plot", str(tmp / "empty"), "--lang", "fr"], ["--lang"]),
    ]


ARGUMENT_IDS = [c[0] for c in _argument_cases(Path("/x"))]


def _argument_folders(tmp: Path) -> None:
    (tmp / "a_file").write_text("not a folder\n", encoding="utf-8")
    (tmp / "empty").mkdir()
    (tmp / "corrupt").mkdir()
    (tmp / "corrupt" / "manifest.json").write_text('{"kind": "run",', encoding="utf-8")
    (tmp / "unknown_kind").mkdir()
    (tmp / "unknown_kind" / "manifest.json").write_text('{"kind": "x"}', encoding="utf-8")
    (tmp / "no_points").mkdir()
    (tmp / "no_points" / "manifest.json").write_text('{"kind": "sweep"}', encoding="utf-8")


def check_argument_error(code: int | None, stdout: str, stderr: str, fragments: list[str]) -> None:
    """Exit 2, nothing on stdout, no traceback, one ``error:`` line holding every fragment
    (argparse's own errors put the usage line before it)."""
    assert code == 2, f"exit code {code}; stderr {stderr!r}"
    assert stdout == "", stdout
    assert "Traceback" not in stderr, stderr
    errors = [x for x in stderr.splitlines() if x.startswith("error: ")]
    assert len(errors) == 1, stderr
    others = [x for x in stderr.splitlines() if x and not x.startswith(("error: ", "usage: ", " "))]
    assert not others, stderr
    for frag in fragments:
        assert frag in errors[0], f"{errors[0]!r} lacks {frag!r}"


@pytest.mark.parametrize("index", range(len(ARGUMENT_IDS)), ids=ARGUMENT_IDS)
def test_bad_argument_exits_2_with_one_clear_line(
    index: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _argument_folders(tmp_path)
    name, args, fragments = _argument_cases(tmp_path)[index]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    try:
        code: int | None = main(args)
    except SystemExit as exc:  # argparse's errors
        code = exc.code if isinstance(exc.code, int) else None
    out = capsys.readouterr()
    check_argument_error(code, out.out, out.err, fragments)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before, f"{name}: bad input wrote files"


def test_bad_arguments_through_the_real_command(tmp_path: Path) -> None:
    _argument_folders(tmp_path)
    chosen = {
        "run-workers-negative",
        "calibrate-target-2",
        "sweep-out-is-a-file",
        "plot-corrupt-manifest",
    }
    jobs = [c for c in _argument_cases(tmp_path) if c[0] in chosen]
    assert len(jobs) == len(chosen)
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda job: tthc(*job[1], timeout=120), jobs))
    problems = []
    for (name, _, fragments), proc in zip(jobs, done, strict=True):
        try:
            check_argument_error(proc.returncode, proc.stdout, proc.stderr, fragments)
        except AssertionError as exc:
            problems.append(f"{name}: {exc}")
    assert not problems, "\n".join(problems)
