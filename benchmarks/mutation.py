"""Mutation testing of the core modules with mutmut, one module at a time.

Usage::

    python benchmarks/mutation.py MODULE [MODULE ...] [--max-children N] [--tests PATH ...]
    python benchmarks/mutation.py MODULE --tests PATH ... --sample N
    python benchmarks/mutation.py --list

For each module (``network`` means ``sim/network.py``) the script copies the project into
``.mutation/MODULE/`` (git-ignored), points mutmut at that one file and at the tests listed
for it in :data:`MODULE_TESTS` (``--tests`` replaces them), runs ``mutmut run`` there, and
prints the counts per outcome and the score (killed or timed out / mutants with tests).
``--sample N`` runs only N of the module's mutants, drawn at random with a fixed seed (the
same N for the same source), to estimate a score when the full run would take too long.
``--survivors`` runs only the previous run's survivors again (after tests were added) and
merges the verdicts. The folder is kept: ``cd .mutation/MODULE && mutmut results`` lists the
survivors and ``mutmut show NAME`` prints one as a diff. A mutant whose tests take more than
``(their clean time + 5 s) x 4`` of CPU time counts as a timeout (mutmut's own rule, with the
multiplier and constant set in the ``[tool.mutmut]`` table written below).

Without this script, ``mutmut run`` in the repository root uses ``[tool.mutmut]`` of
``pyproject.toml``: every core module including ``sim/model.py`` against the whole fast suite
(many hours on two cores).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutation"
COPY = ("sim", "tests", "scenarios", "benchmarks", "pyproject.toml", "README.md")

# the fast tests that exercise each module (selected so that a run of one module takes
# minutes, not hours; mutmut further runs, per mutant, only the tests that reach its function)
MODULE_TESTS: dict[str, list[str]] = {
    "invariants": ["tests/unit/test_invariant_checker.py"],
    "results": [
        "tests/unit/test_results_mutants.py",
        "tests/unit/test_results_clock_mutants.py",
    ],
    "network": ["tests/unit/test_network_mutants.py"],
    "calendar": ["tests/unit/test_calendar.py", "tests/unit/test_calendar_mutants.py"],
    "demand": ["tests/unit/test_demand_mutants.py"],
    "experiment": [
        "tests/unit/test_experiment_mutants.py",
        "tests/unit/test_experiment_tables_mutants.py",
    ],
    # the model: hand-computed dossier paths (seconds), not whole scenarios (minutes)
    "model": ["tests/unit/test_model_mutants.py", "tests/functional/test_horizon_end.py"],
}

# the functions a dossier passes through (``--functions path``): the model's run and its
# steps, without the layout and calendar set-up done once per scenario
DOSSIER_PATH = [
    "Pool*",
    "simulate",
    "daily_capacity",
    "held_signing_sessions",
    "_staff_days",
    "_network_timing",
    "_choose_reception",
    "_officer_stages",
    "_working_offset",
    "_next_session",
    "_Runner*",
    "_Dossier*",
]


def _function_of(name: str) -> str:
    """``sim.model.xǁ_RunnerǁstartXX__mutmut_3`` -> ``_Runner.start``."""
    base = name.split(".")[-1].rsplit("__mutmut_", 1)[0]
    return base.removeprefix("x").removeprefix("_").replace("ǁ", ".").strip(".")


def mutmut_table(module: str, tests: list[str]) -> str:
    """The ``[tool.mutmut]`` table of one module's run."""
    return "\n".join(
        [
            "[tool.mutmut]",
            'source_paths = ["sim/"]',
            f'only_mutate = ["sim/{module}.py"]',
            f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
            'pytest_add_cli_args = ["-p", "no:cacheprovider"]',
            'also_copy = ["scenarios/", "benchmarks/", "README.md"]',
            "timeout_multiplier = 2.0",
            "timeout_constant = 5.0",
            "",
        ]
    )


def prepare(module: str, tests: list[str]) -> Path:
    """A fresh copy of the project in ``.mutation/MODULE`` configured for one module."""
    work = WORK / module
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, work / name, ignore=ignore)
        else:
            shutil.copy2(src, work / name)
    text = (work / "pyproject.toml").read_text(encoding="utf-8")
    # drop the repository's own [tool.mutmut] table (up to the next table) and add this one
    text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", text)
    (work / "pyproject.toml").write_text(text + "\n" + mutmut_table(module, tests), "utf-8")
    return work


def _exit_codes(work: Path, module: str, names: list[str]) -> dict[str, int | None]:
    meta = json.loads((work / "mutants" / "sim" / f"{module}.py.meta").read_text())
    codes: dict[str, int | None] = meta["exit_code_by_key"]
    return {k: codes[k] for k in names} if names else codes


def outcomes(work: Path, module: str, names: list[str]) -> Counter[str]:
    """Mutants per outcome (mutmut's names: killed, survived, timeout, no tests, ...)."""
    from mutmut.stats import status_by_exit_code

    return Counter(status_by_exit_code[c] for c in _exit_codes(work, module, names).values())


def survivors(work: Path, module: str, names: list[str]) -> list[str]:
    return sorted(k for k, c in _exit_codes(work, module, names).items() if c == 0)


GENERATE = """
from mutmut.__main__ import create_mutants, store_lines_covered_by_tests
from mutmut.mutation.trampoline import set_mutant_under_test
from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths
set_mutant_under_test("mutant_generation")
copy_src_dir()
copy_also_copy_files()
setup_source_paths()
store_lines_covered_by_tests()
create_mutants(1)
"""


def all_names(module: str, tests: list[str]) -> list[str]:
    """Every mutant name of the module (generating the mutants if needed), sorted."""
    meta = WORK / module / "mutants" / "sim" / f"{module}.py.meta"
    copied = WORK / module / "sim" / f"{module}.py"
    current = (ROOT / "sim" / f"{module}.py").read_bytes()
    stale = not copied.exists() or copied.read_bytes() != current
    if stale or not meta.exists():  # generate the mutants only (mutmut's first step)
        work = prepare(module, tests)
        subprocess.run([sys.executable, "-c", GENERATE], cwd=work, check=True, capture_output=True)
    return sorted(json.loads(meta.read_text())["exit_code_by_key"])


def select_names(
    module: str, tests: list[str], n: int | None, functions: list[str] | None, seed: int = 2026
) -> list[str]:
    """The mutants of the functions matching ``functions`` (fnmatch patterns on
    ``function`` or ``Class.method``; all if None), ``n`` of them drawn at random with a
    fixed seed if ``n`` is given (the same names for the same source), sorted."""
    names = all_names(module, tests)
    if functions:
        names = [k for k in names if any(fnmatch(_function_of(k), p) for p in functions)]
        if not names:
            raise SystemExit(f"no mutant of {module} in the functions {functions}")
    if n is None:
        return names
    rng = random.Random(seed)
    return sorted(rng.sample(names, min(n, len(names))))


def previous_summary(module: str) -> dict[str, Any]:
    path = WORK / module / "summary.json"
    if not path.exists():
        raise SystemExit(f"--survivors needs a previous run of {module} ({path})")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("modules", nargs="*", metavar="MODULE", help=", ".join(MODULE_TESTS))
    ap.add_argument("--list", action="store_true", help="print the modules and their tests")
    ap.add_argument("--tests", nargs="+", help="tests to run instead of the module's own")
    ap.add_argument("--max-children", type=int, default=1, help="parallel mutants (default 1)")
    ap.add_argument("--sample", type=int, help="run only this many mutants (see above)")
    ap.add_argument(
        "--functions",
        nargs="+",
        metavar="PATTERN",
        help="mutate only these functions (fnmatch on 'name' or 'Class.method'); 'path' is "
        "the dossier's path through the model (DOSSIER_PATH)",
    )
    ap.add_argument(
        "--survivors",
        action="store_true",
        help="run again only the survivors of the previous run (after adding tests)",
    )
    args = ap.parse_args(argv)
    if args.list or not args.modules:
        for module, tests in MODULE_TESTS.items():
            print(f"{module}: {' '.join(tests)}")
        return 0
    unknown = [m for m in args.modules if m not in MODULE_TESTS]
    if unknown:
        ap.error(f"unknown module {unknown[0]!r}: one of {', '.join(MODULE_TESTS)}")
    mutmut = Path(sys.executable).parent / "mutmut"
    bad = 0
    for module in args.modules:
        tests = args.tests or MODULE_TESTS[module]
        functions = args.functions
        if functions == ["path"]:
            functions = DOSSIER_PATH
        names = (
            select_names(module, tests, args.sample, functions) if args.sample or functions else []
        )
        before = previous_summary(module) if args.survivors else None
        if before is not None:
            names = before["survivors"]
            if not names:
                print(f"{module}: no survivors to run again")
                continue
        work = prepare(module, tests)
        t0 = time.perf_counter()
        cmd = [str(mutmut), "run", "--max-children", str(args.max_children), *names]
        done = subprocess.run(cmd, cwd=work, check=False)
        seconds = time.perf_counter() - t0
        if done.returncode != 0:
            print(f"{module}: mutmut failed (exit {done.returncode}); see {work}")
            bad += 1
            continue
        count = outcomes(work, module, names)
        if before is not None:  # the earlier verdicts of the mutants not run again stand
            for key in ("killed", "timeout", "no tests", "skipped", "suspicious", "segfault"):
                count[key] += int(before.get(key, 0))
        tested = sum(count.values()) - count["no tests"] - count["skipped"]
        score = (count["killed"] + count["timeout"]) / tested if tested else float("nan")
        summary = {
            "module": module,
            "tests": tests,
            "mutants": sum(count.values()),
            **dict(sorted(count.items())),
            "score": round(score, 4),
            "seconds": round(seconds),
            "survivors": survivors(work, module, names),
        }
        if before is not None:
            summary["seconds"] += before["seconds"]
        (work / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
        print(json.dumps({k: v for k, v in summary.items() if k != "survivors"}))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
