"""Plots of run, comparison and sweep folders: files, labels, Vietnamese diacritics."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pytest
import yaml

import sim
from sim import plots
from sim.labels import LABELS, label
from sim.scenario import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "scenarios" / "validation" / "quick.yaml"


@pytest.fixture(scope="module")
def quick() -> sim.Scenario:
    return sim.load_scenario(QUICK).with_changes({"horizon.end": "2025-08-27"})


@pytest.fixture(scope="module")
def run_dir(quick, tmp_path_factory) -> Path:
    res = sim.run(quick, reps=2, seed=1)
    out = tmp_path_factory.mktemp("run")
    assert res.dossiers is not None
    res.dossiers.to_parquet(out / "dossiers.parquet", index=False)
    sim.write_results(res, out)
    return out


@pytest.fixture(scope="module")
def comparison_dir(quick, tmp_path_factory) -> Path:
    other = quick.with_changes({"staffing.multiplier.reception": 0.8, "name": "ít_tiếp_nhận"})
    cmp = sim.compare([quick, other], reps=2, seed=1)
    return sim.write_comparison(cmp, tmp_path_factory.mktemp("cmp"))


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sweep")
    data = {
        "base": str(QUICK),
        "set": {"horizon.end": "2025-08-22"},
        "factors": {
            "staffing.multiplier.justice": [0.5, 1.0],
            "network.link_mbps": [10, 200],
            "staffing.multiplier.reception": [0.8, 1.0],
        },
        "reps": 2,
        "seed": 2,
    }
    (d / "s.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    sim.run_sweep(d / "s.yaml", d / "out", workers=1)
    return d / "out"


def _plot(path: Path, **kw) -> list[Path]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Glyph ... missing from font"
        return plots.plot_dir(path, **kw)


def _check_files(files: list[Path], stems: set[str]) -> None:
    assert {f.stem for f in files} == stems
    for f in files:
        assert f.stat().st_size > 5_000, f
        if f.suffix == ".png":
            img = mpimg.imread(f)
            assert img.shape[0] > 300 and img.shape[1] > 500
            assert img.std() > 0.05  # not a blank canvas
        else:
            assert f.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_run_folder(run_dir):
    files = _plot(run_dir)
    _check_files(files, {"unit_on_time", "backlog", "lead_time_by_procedure"})
    assert {f.suffix for f in files} == {".png", ".svg"}
    svg = (run_dir / "plots" / "unit_on_time.svg").read_text(encoding="utf-8")
    for name in ("Hồng Gai (QN21)", "Quảng Yên (QN11)", "Hiệp Hòa (QN10)", "Đông Mai (QN09)"):
        assert name in svg  # unit names kept as text with their diacritics
    assert "On-time rate (%)" in svg


def test_run_folder_in_vietnamese(run_dir):
    files = _plot(run_dir, lang="vi", formats=("svg",))
    _check_files(files, {"unit_on_time_vi", "backlog_vi", "lead_time_by_procedure_vi"})
    text = (run_dir / "plots" / "lead_time_by_procedure_vi.svg").read_text(encoding="utf-8")
    assert "Chứng thực bản sao" in text and "Thời gian giải quyết" in text
    text = (run_dir / "plots" / "unit_on_time_vi.svg").read_text(encoding="utf-8")
    assert label("on_time_rate", "vi") in text and "On-time" not in text


def test_comparison_folder(comparison_dir):
    files = _plot(comparison_dir, formats=("png", "svg"))
    _check_files(files, {"comparison_forest", "unit_differences_it_tiep_nhan", "backlog"})
    svg = (comparison_dir / "plots" / "comparison_forest.svg").read_text(encoding="utf-8")
    assert "ít_tiếp_nhận" in svg and "paired 95% CI" in svg and "unpaired 95% CI" in svg


def test_sweep_folder(sweep_dir):
    files = _plot(sweep_dir, formats=("png",))
    stems = {f.stem for f in files}
    assert {"on_time_vs_justice", "on_time_vs_link_mbps", "on_time_vs_reception"} <= stems
    assert {"heatmap_justice__link_mbps", "heatmap_link_mbps__reception"} <= stems
    _check_files(files, stems)


def test_rate_vs_factor_and_heatmap_contents(sweep_dir):
    points = sim.read_sweep(sweep_dir)[1]
    others = ["staffing.multiplier.justice", "staffing.multiplier.reception"]
    fig = plots.rate_vs_factor(points, "network.link_mbps", by=others, lang="en")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Commune link bandwidth (Mbps)"
    assert ax.get_ylabel() == "On-time rate (%)"
    lines = ax.get_lines()
    assert len(lines) == 4  # one per combination of the other two factors
    first = points.sort_values("network.link_mbps")
    first = first[(first[others[0]] == 0.5) & (first[others[1]] == 0.8)]
    assert list(lines[0].get_ydata()) == list(first["on_time_rate"])
    with pytest.raises(ValueError, match="differ in factors"):
        plots.rate_vs_factor(points, "network.link_mbps", by=others[:1])
    fig = plots.heatmap(
        points,
        "staffing.multiplier.justice",
        "network.link_mbps",
        facets=["staffing.multiplier.reception"],
    )
    panels = [a for a in fig.axes if a.get_images()]
    assert len(panels) == 2  # one per reception level
    cell_text = [t.get_text() for t in panels[0].texts]
    assert len(cell_text) == 4 and all(t.replace(".", "").isdigit() for t in cell_text)
    assert fig.get_suptitle().startswith("On-time rate (%) by")
    assert panels[0].get_images()[0].get_cmap().name == "RdYlGn"  # green = high rate


def test_sweep_plots_of_another_kpi_say_which(sweep_dir):
    """Titles name the KPI plotted; for waits green means short (reversed colour map)."""
    points = sim.read_sweep(sweep_dir)[1]
    kpi = "queue_wait_minutes_mean"
    others = ["staffing.multiplier.justice", "staffing.multiplier.reception"]
    ax = plots.rate_vs_factor(points, "network.link_mbps", by=others, kpi=kpi).axes[0]
    assert ax.get_title().startswith("Mean wait for officers")
    assert ax.get_ylabel() == "Mean wait for officers (working minutes)"
    fig = plots.heatmap(
        points,
        "staffing.multiplier.justice",
        "network.link_mbps",
        facets=["staffing.multiplier.reception"],
        kpi=kpi,
        lang="vi",
    )
    assert fig.get_suptitle().startswith("Thời gian chờ cán bộ trung bình")
    panel = next(a for a in fig.axes if a.get_images())
    assert panel.get_images()[0].get_cmap().name == "RdYlGn_r"


def test_heatmap_title_fits_a_one_panel_figure(sweep_dir):
    """The longest (Vietnamese) title is wrapped to the figure's width, nothing cut off."""
    points = sim.read_sweep(sweep_dir)[1]
    points = points[points["staffing.multiplier.reception"] == 0.8]
    fig = plots.heatmap(points, "staffing.multiplier.justice", "network.link_mbps", lang="vi")
    fig.canvas.draw()
    box = fig._suptitle.get_window_extent()
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width


def test_every_label_has_both_languages():
    for key, (en, vi) in LABELS.items():
        assert en and vi, key
    assert label("unknown.path") == "unknown.path"
    with pytest.raises(ValueError, match="unknown language"):
        label("on_time_rate", "fr")


def test_plot_dir_needs_a_result_folder(tmp_path):
    with pytest.raises(ScenarioError, match="manifest"):
        plots.plot_dir(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "nonsense"}), encoding="utf-8")
    with pytest.raises(ScenarioError, match="unknown result kind"):
        plots.plot_dir(tmp_path)


def test_percent_ticks_are_distinct_on_a_narrow_range(run_dir):
    """Rates within a fraction of a point still get distinct tick labels (enough decimals)."""
    units = pd.read_csv(run_dir / "units.csv")
    units = units.assign(
        on_time_rate=[0.998 + 0.0002 * (i % 10) for i in range(len(units))],
        on_time_ci95_low=float("nan"),
        on_time_ci95_high=float("nan"),
    )
    fig = plots.unit_rates(units, reps=1)
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert len(ticks) >= 3 and len(set(ticks)) == len(ticks), ticks
