"""Lateness anatomy (`sim.explain`, `tthc-sim explain`): tables add up, figures are valid
statistics, the mechanisms' causes show, files and plots are written in both languages."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.explain import (
    TARGETS_FILE,
    explain,
    legal_causes,
    read_manifest,
    to_markdown,
)
from sim.results import CAUSES
from sim.scenario import scenario_from_dict
from sim.targets import TARGETS, land_procedures

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "scenarios" / "validation" / "quick.yaml"
MECHANISMS = ROOT / "scenarios" / "baseline.yaml"
FEW_UNITS = "units.include=[QN01,QN02,QN03,QN04,QN05,QN06,QN07,QN08,QN09,QN10,QN11,QN12,QN21]"


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Quick scenario, 3 replications, two weeks (mechanisms off: the legal clock only)."""
    d = tmp_path_factory.mktemp("quick_run")
    sets = ["--set", "horizon.end=2025-08-29"]
    assert main(["run", str(QUICK), "--reps", "3", *sets, "--out", str(d), "--no-progress"]) == 0
    return d


@pytest.fixture(scope="session")
def mech_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lateness mechanisms on (two clocks), two weeks of July, 13 units, 2 replications."""
    d = tmp_path_factory.mktemp("mech_run")
    # frequent synchronisation failures (days each): land dossiers resolved in time can be
    # closed in the system after their deadline, so the recorded clock differs from the work
    sets = [
        "--set",
        "horizon.end=2025-07-14",
        "--set",
        FEW_UNITS,
        "--set",
        "systems.sync_failure_probability=0.2",
    ]
    args = ["run", str(MECHANISMS), "--reps", "2", *sets, "--out", str(d), "--no-progress"]
    assert main(args) == 0
    return d


@pytest.fixture(scope="session")
def quick_anatomy(quick_run: Path):
    return explain(quick_run)


@pytest.fixture(scope="session")
def mech_anatomy(mech_run: Path):
    return explain(mech_run)


@pytest.fixture(params=["quick", "mech"])
def anatomy(request: pytest.FixtureRequest):
    return request.getfixturevalue(f"{request.param}_anatomy")


def test_views_add_up_to_the_late_total_per_replication(anatomy) -> None:
    by = anatomy.late_by_rep
    total = by[by["view"] == "total"].set_index(["rep", "clock"])["late"]
    assert total.sum() > 0
    for view in ("cause", "procedure", "unit_type", "month"):
        sums = by[by["view"] == view].groupby(["rep", "clock"])["late"].sum()
        pd.testing.assert_series_equal(sums.sort_index(), total.sort_index(), check_names=False)
    resolved = by[by["view"] == "total"].set_index(["rep", "clock"])["resolved"]
    for view in ("procedure", "month"):
        sums = by[by["view"] == view].groupby(["rep", "clock"])["resolved"].sum()
        pd.testing.assert_series_equal(sums.sort_index(), resolved.sort_index(), check_names=False)


def test_headline_total_is_the_runs_late_count(anatomy) -> None:
    """The headline clock's late dossiers are the run's own ``late`` KPI, replication by
    replication (resolved minus on time), and the legal clock's match its on-time rate."""
    kpis = pd.read_csv(anatomy.folder / "replications.csv").set_index("rep")
    by = anatomy.late_by_rep
    total = by[by["view"] == "total"].set_index(["clock", "rep"])
    for rep in anatomy.replications:
        assert total.loc[(anatomy.headline_clock, rep), "late"] == kpis.loc[rep, "late"]
        legal = 1 - total.loc[("legal", rep), "late"] / kpis.loc[rep, "resolved"]
        assert legal == pytest.approx(kpis.loc[rep, "legal_on_time_rate"])


def test_every_figure_is_a_valid_statistic(anatomy) -> None:
    late = anatomy.late
    for col in ("share", "share_low", "share_high", "rate", "rate_low", "rate_high"):
        v = late[col].dropna()
        assert ((v >= 0) & (v <= 1)).all(), col
    for stem in ("late", "share", "rate"):
        ok = late.dropna(subset=[f"{stem}_low", f"{stem}_high"])
        assert (ok[f"{stem}_low"] <= ok[stem] + 1e-12).all()
        assert (ok[stem] <= ok[f"{stem}_high"] + 1e-12).all()
    assert (late["late_low"].dropna() >= 0).all()
    use = anatomy.land_use.set_index("statistic")
    for s in ("above_50", "above_80", "above_100"):
        assert 0 <= use.loc[s, "low"] <= use.loc[s, "mean"] <= use.loc[s, "high"] <= 1
    shares = anatomy.facts[anatomy.facts["kind"] == "share"]
    for col in ("model", "model_low", "model_high"):
        v = shares[col].dropna()
        assert ((v >= 0) & (v <= 1)).all()
    hist = anatomy.land_histogram["share"]
    assert hist.sum() == pytest.approx(1.0)


def test_land_deadline_use_above_one_is_land_lateness(mech_run: Path, mech_anatomy) -> None:
    """The share of land dossiers that used more than their whole deadline is the late share
    of those dossiers on the headline clock, counted here from the dossier table."""
    man = read_manifest(mech_run)
    scn = scenario_from_dict(man["scenario"])
    df = pd.read_parquet(mech_run / "dossiers.parquet")
    use = mech_anatomy.land_use_by_rep.set_index(["statistic", "rep"])
    for rep, g in df.groupby("rep"):
        land = g[
            g["procedure"].astype(str).isin(land_procedures(scn))
            & (g["status"] == "resolved")
            & ~g["inherited"]
        ]
        assert len(land) > 100
        late = 1 - land["on_time"].astype(bool).mean()
        work_late = (land["resolved_at"] > land["deadline_at"]).mean()
        assert late > work_late > 0  # closing after the work counts on the recorded clock
        assert use.loc[("above_100", rep), "value"] == pytest.approx(late, abs=2e-3)
        assert use.loc[("above_100", rep), "dossiers"] == len(land)


def test_mechanism_causes_show_on_the_recorded_clock(mech_anatomy) -> None:
    assert mech_anatomy.clocks == ("legal", "recorded")
    assert mech_anatomy.headline_clock == "recorded"
    late = mech_anatomy.late
    cause = late[late["view"] == "cause"].set_index(["clock", "level"])["late"]
    for c in ("land_external", "financial_obligation", "data_sync", "closing_lag", "signing"):
        assert cause[("recorded", c)] > 0, c
    # the legal clock does not count the recorded-only delays
    for c in ("financial_obligation", "data_sync", "closing_lag"):
        assert cause[("legal", c)] == 0, c
    assert set(cause.index.get_level_values("level")) == set(CAUSES)


@pytest.fixture(scope="session")
def legal_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Mechanisms on but the recorded clock off: ``late_cause`` is the legal clock's."""
    d = tmp_path_factory.mktemp("legal_run")
    sets = [
        "--set",
        "horizon.end=2025-07-11",
        "--set",
        FEW_UNITS,
        "--set",
        "recorded_clock.enabled=false",
    ]
    args = ["run", str(MECHANISMS), "--reps", "1", *sets, "--out", str(d), "--no-progress"]
    assert main(args) == 0
    return d


def test_legal_causes_are_the_models_when_the_legal_clock_is_the_headline(legal_run) -> None:
    from sim.model import horizon_calendar

    scn = scenario_from_dict(read_manifest(legal_run)["scenario"])
    df = pd.read_parquet(legal_run / "dossiers.parquet")
    late = df["late_cause"].notna() & (df["status"] == "resolved")
    assert late.sum() > 50
    ours = pd.Series(legal_causes(df, scn, horizon_calendar(scn)), index=df.index)[late]
    assert ours.nunique() >= 3  # several causes, not a constant
    assert (ours.astype(str) == df.loc[late, "late_cause"].astype(str)).all()


def test_facts_are_every_target_with_the_reported_figures(mech_run: Path, mech_anatomy) -> None:
    facts = mech_anatomy.facts.set_index("target")
    assert set(facts.index) == set(TARGETS)
    raw = yaml.safe_load(TARGETS_FILE.read_text(encoding="utf-8"))["calibration"]["targets"]
    for name, spec in raw.items():
        lo, hi = spec.get("range") or (
            spec["value"] - spec["tolerance"],
            spec["value"] + spec["tolerance"],
        )
        assert facts.loc[name, "range_low"] == pytest.approx(lo)
        assert facts.loc[name, "range_high"] == pytest.approx(hi)
        assert facts.loc[name, "source"] == spec["source"]
        m = facts.loc[name, "model"]
        assert facts.loc[name, "within"] == (None if math.isnan(m) else bool(lo <= m <= hi))
    kpis = pd.read_csv(mech_run / "replications.csv")
    rate = facts.loc["recorded_on_time_rate", "model"]
    assert rate == pytest.approx(kpis["recorded_on_time_rate"].mean())
    land = facts.loc["land_late_share", "model"]
    by = mech_anatomy.late_by_rep
    rec = by[(by["clock"] == "recorded") & (by["view"] == "procedure")]
    is_land = rec["level"].isin(["land_change_registration", "land_first_registration"])
    per_rep = rec[is_land].groupby("rep")["late"].sum() / rec.groupby("rep")["late"].sum()
    assert land == pytest.approx(per_rep.mean())


def test_counterfactual_reruns_the_runs_replications(tmp_path: Path) -> None:
    d = tmp_path / "run"
    sets = ["--set", "horizon.end=2025-08-22", "--set", "staffing.availability=0.5"]
    sets += ["--seed", "11"]  # not the scenario's own seed
    assert main(["run", str(QUICK), "--reps", "2", *sets, "--out", str(d), "--no-progress"]) == 0
    a = explain(d, counterfactual=True)
    assert a.counterfactual is not None and a.counterfactual_by_rep is not None
    df = pd.read_parquet(d / "dossiers.parquet", columns=["rep", "late_cause"])
    late = df["late_cause"].notna().groupby(df["rep"]).sum()
    assert late.sum() > 0
    allm = a.counterfactual_by_rep[a.counterfactual_by_rep["month"] == "all"]
    assert set(allm["cause"]) == {"network", "supplements", "staffing"}
    for rep, g in allm.groupby("rep"):
        assert (g["late"] == late[rep]).all()  # the same replication, seed and scenario
    s = a.counterfactual.dropna(subset=["share"])
    assert ((s["share"] >= 0) & (s["share"] <= 1)).all()


def test_json_is_strict(quick_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["explain", str(quick_run), "--json"]) == 0
    out = capsys.readouterr().out

    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    data = json.loads(out, parse_constant=refuse)
    assert data["kind"] == "explain" and data["clocks"] == ["legal"]
    assert {r["target"] for r in data["facts"]} == set(TARGETS)
    # undefined figures are null (Hồng Gai's July is outside this horizon)
    hg = next(r for r in data["facts"] if r["target"] == "hong_gai_july_volume")
    assert hg["model"] is None and hg["within"] is None


def test_console_tables_in_both_languages(
    mech_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["explain", str(mech_run), "--lang", "vi"]) == 0
    vi = capsys.readouterr().out
    assert "Chờ thông báo và thực hiện nghĩa vụ tài chính" in vi
    assert "Đăng ký biến động đất đai" in vi and "đồng hồ hệ thống một cửa" in vi
    assert main(["explain", str(mech_run)]) == 0
    en = capsys.readouterr().out
    assert "Tax notice and payment" in en and "recorded clock" in en


def test_out_writes_tables_and_plots_in_both_languages(
    quick_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "anatomy"
    assert main(["explain", str(quick_run), "--out", str(out)]) == 0
    for stem in ("late", "late_by_rep", "land_deadline_use", "facts", "totals"):
        assert (out / f"{stem}.csv").is_file()
    names = {p.name for p in (out / "plots").iterdir()}
    views = ("late_by_cause", "late_by_procedure", "late_by_month", "land_deadline_use", "facts")
    for view in views:
        for lang in ("en", "vi"):
            for fmt in ("png", "svg"):
                assert f"{view}_{lang}.{fmt}" in names
    svg_vi = (out / "plots" / "late_by_cause_vi.svg").read_text(encoding="utf-8")
    assert "Chờ cán bộ xử lý" in svg_vi
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["kind"] == "explain" and "plots/facts_vi.png" in man["plots"]
    late = pd.read_csv(out / "late.csv")
    assert not late.empty and set(late["view"]) == {
        "total",
        "cause",
        "procedure",
        "unit_type",
        "month",
    }
    # a run folder is refused before any work
    assert main(["explain", str(quick_run), "--out", str(quick_run)]) == 2
    assert "holds a tthc-sim run result" in capsys.readouterr().err


def test_markdown_block_has_the_tables(quick_anatomy) -> None:
    md = to_markdown(quick_anatomy)
    assert md.count("| level | late per rep |") == 4  # four views, legal clock only
    assert "| fact | model | 95% | reported | range | within? | source |" in md
    assert md.count("\n| ") >= 4 * 2 + len(TARGETS)
    assert "nan" not in md.lower().replace("n/a", "")


def test_modeldoc_anatomy_block_on_the_quick_scenario() -> None:
    from sim.modeldoc import DOC, anatomy_block, fill

    md = anatomy_block(2, 1, 7, QUICK, ["horizon.end=2025-08-22"])
    assert "quick" in md and "Late dossiers by cause" in md
    assert "| fact | model |" in md and "scenarios/validation/quick.yaml" in md
    doc = fill(DOC.read_text(encoding="utf-8"), "anatomy", md)
    assert md in doc


@pytest.mark.parametrize("case", ["no_manifest", "bad_json", "sweep", "no_dossiers"])
def test_bad_folders_exit_2_naming_the_path(
    case: str, tmp_path: Path, quick_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "folder"
    d.mkdir()
    if case == "bad_json":
        (d / "manifest.json").write_text("{not json", encoding="utf-8")
    if case == "sweep":
        (d / "manifest.json").write_text(json.dumps({"kind": "sweep"}), encoding="utf-8")
    if case == "no_dossiers":
        man = (quick_run / "manifest.json").read_text(encoding="utf-8")
        (d / "manifest.json").write_text(man, encoding="utf-8")
        (d / "replications.csv").write_text("rep\n0\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["explain", str(d)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and str(d) in lines[0] and captured.out == ""
    if case == "no_dossiers":
        assert "dossiers.parquet" in lines[0]


def test_unreadable_dossier_table_exits_2(tmp_path: Path, quick_run: Path) -> None:
    d = tmp_path / "folder"
    d.mkdir()
    for name in ("manifest.json", "replications.csv"):
        (d / name).write_bytes((quick_run / name).read_bytes())
    (d / "dossiers.parquet").write_bytes(b"not a parquet file")
    assert main(["explain", str(d)]) == 2


def test_quantities_do_not_depend_on_the_order_of_replications(quick_anatomy) -> None:
    """Replication numbers come from the manifest; every one has its rows."""
    by = quick_anatomy.late_by_rep
    assert sorted(by["rep"].unique()) == quick_anatomy.replications == [0, 1, 2]
    n = by.groupby("rep").size()
    assert n.nunique() == 1
    assert np.isfinite(quick_anatomy.totals["mean"]).all()


def test_bad_folder_is_a_results_folder_error(tmp_path: Path) -> None:
    """A folder that is not a run folder raises ResultsFolderError (an input error: exit 2),
    its message naming the path."""
    from sim.errors import InputError, ResultsFolderError

    with pytest.raises(ResultsFolderError, match="not a folder") as info:
        explain(tmp_path / "nowhere")
    assert isinstance(info.value, InputError) and str(tmp_path / "nowhere") in str(info.value)
    with pytest.raises(ResultsFolderError, match=r"no manifest\.json"):
        explain(tmp_path)
