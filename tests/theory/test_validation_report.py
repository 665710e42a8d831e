"""The validation report generator (sim.validation_report): its checks pass, the report is sound.

The fast tests run the quicker theory rows in --quick mode (shorter horizons, fewer
replications) and assert that each row's 95% interval contains the theoretical value; the
whole --quick report, face validity included, is slow-marked.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.validation_report import (
    REGENERATE,
    SECTIONS,
    Row,
    Settings,
    check_little,
    contains,
    littles_law_terms,
    main,
    render,
    run_checks,
)

ROOT = Path(__file__).resolve().parents[2]
QUICK = Settings(quick=True)


@pytest.mark.parametrize("key", ["mmc_rho080_c3", "md1_rho070", "tandem", "deterministic"])
def test_quick_theory_rows_contain_the_theory(key: str) -> None:
    rows = SECTIONS[key](QUICK)
    assert rows
    for r in rows:
        assert r.theory is not None
        assert r.reps >= 3
        assert r.ci_low <= r.simulated <= r.ci_high, r
        assert contains(r.ci_low, r.ci_high, r.theory), (
            f"{r.name}: theory {r.theory:.5g} outside [{r.ci_low:.5g}, {r.ci_high:.5g}]"
        )
        assert r.passed, r
        # informative: the interval is narrow compared with the value
        assert r.ci_high - r.ci_low <= 0.3 * abs(r.theory), r


def test_little_quick_row_passes() -> None:
    (row,) = check_little(QUICK)
    assert row.passed, row
    assert row.theory is not None and contains(row.ci_low, row.ci_high, row.theory)
    assert row.extra["arrived"] > 1000  # a real workload, not an empty system
    assert row.extra["open_at_end"] < 0.01 * row.extra["arrived"]
    assert row.simulated > 0


def test_littles_law_terms_on_a_hand_made_path() -> None:
    # window 1 Jul 00:00 - 2 Jul 00:00 (24 h), horizon ends 3 Jul 00:00.
    #   d1: 30 Jun 20:00 - 1 Jul 02:00  carried in: 2 h inside, not an arrival of the window
    #   d2: 1 Jul 06:00 - 1 Jul 12:00   6 h inside, sojourn 6 h
    #   d3: 1 Jul 18:00 - 2 Jul 06:00   6 h inside, carried out, sojourn 12 h
    #   d4: 1 Jul 22:00 - still open    2 h inside, sojourn counted to 3 Jul 00:00: 26 h
    #   d5: 2 Jul 01:00 - 2 Jul 02:00   after the window
    t = pd.Timestamp("2025-07-01")
    h = pd.Timedelta(hours=1)
    frame = pd.DataFrame(
        {
            "rep": [0] * 5,
            "arrived_at": [t - 4 * h, t + 6 * h, t + 18 * h, t + 22 * h, t + 25 * h],
            "resolved_at": [t + 2 * h, t + 12 * h, t + 30 * h, pd.NaT, t + 26 * h],
        }
    )
    window = (dt.datetime(2025, 7, 1), dt.datetime(2025, 7, 2))
    terms = littles_law_terms(frame, window, dt.datetime(2025, 7, 3)).iloc[0]
    assert terms["L"] == pytest.approx((2 + 6 + 6 + 2) / 24)
    assert terms["lambda_per_hour"] == pytest.approx(3 / 24)
    assert terms["W_hours"] == pytest.approx((6 + 12 + 26) / 3)
    assert terms["arrived"] == 3 and terms["open_at_end"] == 1
    # edge effects: L = 16/24 while lambda W = 44/24 on this tiny path
    assert terms["L"] < terms["lambda_per_hour"] * terms["W_hours"]


def test_littles_law_terms_balance_in_a_steady_pattern() -> None:
    # one dossier every hour, each in the system 3 h, over 10 days: L = lambda W = 3 exactly
    # for a window of whole days away from the edges
    t = pd.Timestamp("2025-07-01")
    arrivals = t + pd.to_timedelta(np.arange(240), unit="h")
    frame = pd.DataFrame(
        {"rep": 0, "arrived_at": arrivals, "resolved_at": arrivals + pd.Timedelta(hours=3)}
    )
    window = (dt.datetime(2025, 7, 3), dt.datetime(2025, 7, 6))
    terms = littles_law_terms(frame, window, dt.datetime(2025, 7, 11)).iloc[0]
    assert terms["lambda_per_hour"] == pytest.approx(1.0)
    assert terms["W_hours"] == pytest.approx(3.0)
    assert terms["L"] == pytest.approx(3.0)


def test_contains_is_strict_apart_from_rounding() -> None:
    assert contains(1.0, 2.0, 1.5)
    assert not contains(1.0, 2.0, 2.01)
    assert contains(0.25, 0.25, 0.25 + 1e-14)
    assert not contains(0.25, 0.25, 0.2501)


def _row(passed: bool, section: str = "theory") -> Row:
    return Row(
        section, "M/M/1 check", "W_q", 1.0, 0.9, 1.1, 1.05 if passed else 2.0, passed, 5, 7, "λ = 1"
    )


def test_render_states_the_command_reps_seeds_and_failures() -> None:
    text = render([_row(True), _row(False)], Settings(), 1.0)
    assert text.splitlines()[0] == "# Validation report"
    assert REGENERATE in "\n".join(text.splitlines()[:4])
    assert "**1 of 2 checks pass.**" in text
    assert "**FAIL**" in text and "| pass |" in text
    assert "| 5 | 7 |" in text  # replications and seed of the row


def test_command_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "validation.md"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.validation_report",
            "--quick",
            "--only",
            "deterministic",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert REGENERATE in text
    assert "Deterministic 3 + 5 min" in text and "**1 of 1 checks pass.**" in text
    assert not list(tmp_path.glob(".*.tmp"))


def test_bad_arguments_exit_with_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--reps", "1"], ["--only", "nonsense"], ["--seed", "-5"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert "Traceback" not in capsys.readouterr().err


def test_shipped_report_is_complete_and_passes() -> None:
    text = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    head = "\n".join(text.splitlines()[:4])
    assert REGENERATE in head and "--quick" not in head.split("(")[0]
    assert "Mode: full" in text
    assert "**FAIL**" not in text
    for section in ("Queueing theory", "Little's law", "Face validity"):
        assert section in text
    for fragment in ("Erlang C", "Pollaczek-Khinchine", "Jackson", "Deterministic"):
        assert fragment in text


@pytest.mark.slow
def test_whole_quick_report_passes() -> None:
    rows = run_checks(QUICK)
    failed = [r.name for r in rows if not r.passed]
    assert not failed, failed
    assert {r.section for r in rows} == {"theory", "little", "face"}
