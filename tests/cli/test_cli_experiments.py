"""compare, --reps auto, sweep (with a kill and --resume) and plot, as real commands."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import yaml
from clitools import kill_when, tthc

from sim.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "scenarios" / "validation" / "quick.yaml"


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def short_scenarios(tmp_path: Path) -> tuple[Path, Path]:
    """Quick cut to two weeks, and the same with 10% fewer reception officers."""
    a = write(
        tmp_path / "a.yaml",
        {"extends": str(QUICK), "name": "two_weeks", "horizon": {"end": "2025-08-29"}},
    )
    b = write(
        tmp_path / "b.yaml",
        {"extends": "a.yaml", "name": "fewer_desk", "staffing": {"multiplier": {"reception": 0.9}}},
    )
    return a, b


def one_line_error(p: subprocess.CompletedProcess[str]) -> str:
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr
    lines = [x for x in p.stderr.splitlines() if x.startswith("error:")]
    assert len(lines) == 1, p.stderr
    return lines[0]


# ----------------------------------------------------------------------------- compare


def test_compare_prints_paired_and_unpaired_and_writes_plots(tmp_path):
    a, b = short_scenarios(tmp_path)
    out = tmp_path / "cmp"
    p = tthc("compare", str(a), str(b), "--reps", "3", "--out", str(out), "--no-progress")
    assert p.returncode == 0, p.stderr
    assert "paired CI" in p.stdout and "unpaired (Welch) CI" in p.stdout
    assert "fewer_desk minus two_weeks" in p.stdout
    assert "Hồng Gai" in p.stdout  # per-unit table with Vietnamese names
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["kind"] == "comparison" and man["reps"] == 3
    assert man["scenario_files"] == [str(a), str(b)]
    plots = out / "plots"
    assert (plots / "comparison_forest.png").stat().st_size > 10_000
    assert (plots / "comparison_forest.svg").exists()
    assert (plots / "unit_differences_fewer_desk.png").exists()


def test_compare_json_paired_narrower(tmp_path):
    a, b = short_scenarios(tmp_path)
    p = tthc("compare", str(a), str(b), "--reps", "3", "--json", "--no-progress")
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    assert obj["reference"] == "two_weeks" and obj["reps"] == 3
    d = {row["metric"]: row for row in obj["differences"]}
    row = d["lead_time_working_hours_mean"]
    assert row["paired_halfwidth"] < row["unpaired_halfwidth"]


def test_reps_auto_run_and_compare(tmp_path):
    a, b = short_scenarios(tmp_path)
    p = tthc("run", str(a), "--reps", "auto", "--halfwidth", "0.001", "--max-reps", "3", "--json")
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    prec = obj["precision"]
    assert obj["reps"] == prec["reps"] <= 3 and len(obj["per_rep"]) == obj["reps"]
    assert prec["target_halfwidth"] == 0.001
    assert prec["reached"] or obj["reps"] == 3
    p = tthc("compare", str(a), str(b), "--reps", "auto", "--max-reps", "3", "--no-progress")
    assert p.returncode == 0, p.stderr
    assert "--reps auto:" in p.stdout and "replications" in p.stdout


def test_bad_reps_and_halfwidth_exit_2(tmp_path):
    a, b = short_scenarios(tmp_path)
    assert "--reps" in one_line_error(tthc("run", str(a), "--reps", "0"))
    assert "--reps" in one_line_error(tthc("compare", str(a), str(b), "--reps", "many"))
    assert "--halfwidth" in one_line_error(
        tthc("run", str(a), "--reps", "auto", "--halfwidth", "-1")
    )
    line = one_line_error(tthc("compare", str(a), str(tmp_path / "missing.yaml"), "--reps", "2"))
    assert "missing.yaml" in line


# ----------------------------------------------------------------------------- sweep + plot


def tiny_sweep(tmp_path: Path, **extra) -> Path:
    data = {
        "name": "tiny",
        "base": str(QUICK),
        "factors": {
            "staffing.multiplier.justice": [0.5, 0.75, 1.0],
            "network.link_mbps": [10, 200],
        },
        "reps": 2,
        "seed": 5,
        **extra,
    }
    return write(tmp_path / "tiny.yaml", data)


def test_bad_sweep_file_exits_2_naming_file_and_field(tmp_path):
    path = tiny_sweep(tmp_path, factors={"network.link_mpbs": [10]})
    line = one_line_error(tthc("sweep", str(path), "--out", str(tmp_path / "o")))
    assert str(path) in line and "factors.network.link_mpbs" in line
    line = one_line_error(tthc("sweep", str(tmp_path / "none.yaml")))
    assert "none.yaml" in line and "not found" in line


def test_sweep_killed_midway_then_resumed(tmp_path):
    """No lost and no duplicated points after a kill and --resume."""
    path = tiny_sweep(tmp_path, set={"horizon.end": "2025-08-29"})
    out = tmp_path / "killed"
    kill_when(
        ["sweep", str(path), "--workers", "1", "--out", str(out)],
        lambda: len(list((out / "points").glob("*.parquet"))) >= 2,
        tmp_path / "stderr.txt",
    )
    before = sorted(p.name for p in (out / "points").glob("*.parquet"))
    assert 2 <= len(before) < 6, before  # killed midway
    assert not (out / "manifest.json").exists()

    p = tthc("sweep", str(path), "--workers", "1", "--out", str(out), "--resume", "--no-progress")
    assert p.returncode == 0, p.stderr
    assert f"({len(before)} from a previous run)" in p.stdout
    after = sorted(p.name for p in (out / "points").glob("*.parquet"))
    assert len(after) == 6 and set(before) <= set(after)
    reps = pd.read_parquet(out / "replications.parquet")
    assert len(reps) == 12 and not reps.duplicated(["point_id", "rep"]).any()

    # identical to an uninterrupted run
    fresh = run_sweep(path, None, workers=1)
    pd.testing.assert_frame_equal(reps, fresh.replications, check_exact=True)

    # and plotted
    p = tthc("plot", str(out), "--lang", "vi", "--format", "png")
    assert p.returncode == 0, p.stderr
    files = [Path(x) for x in p.stdout.split()]
    names = {f.name for f in files}
    assert "heatmap_justice__link_mbps_vi.png" in names
    assert "on_time_vs_link_mbps_vi.png" in names
    assert all(f.exists() and f.stat().st_size > 10_000 for f in files)


def test_sweep_with_a_bad_point_exits_1_and_keeps_the_others(tmp_path):
    path = tiny_sweep(
        tmp_path,
        set={"horizon.end": "2025-08-20"},
        factors={
            "staffing.multiplier.reception": [0.2, 1.0],
            "staffing.multiplier_by_unit_type.phường.reception": [0.2],
        },
        reps=1,
    )
    out = tmp_path / "o"
    p = tthc("sweep", str(path), "--workers", "1", "--out", str(out), "--no-progress")
    assert p.returncode == 1, p.stderr
    assert "1 of 2 points done" in p.stdout and "1 failed" in p.stdout
    assert "no reception officer" in p.stderr and "Traceback" not in p.stderr
    assert (out / "manifest.json").exists()


def test_plot_rejects_a_folder_without_manifest(tmp_path):
    line = one_line_error(tthc("plot", str(tmp_path)))
    assert str(tmp_path) in line and "manifest" in line
