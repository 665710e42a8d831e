"""Excel workbooks of a run, a comparison and a sweep, read back with openpyxl."""

from __future__ import annotations

import dataclasses
import io
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from sim.comparison import Comparison, unique_labels
from sim.experiment import Results, run
from sim.labels import label
from sim.scenario import load_scenario
from sim.sweep import run_sweep
from sim.workbook import (
    build_workbook,
    metric_kind,
    workbook_bytes,
    write_comparison_workbook,
    write_sweep_workbook,
    write_workbook,
)

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "scenarios" / "validation" / "quick.yaml"
PERCENT = "0.00%"


def _write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("wb")
    a = _write(
        d / "a.yaml", {"extends": str(QUICK), "name": "two_weeks", "horizon": {"end": "2025-08-29"}}
    )
    b = _write(
        d / "b.yaml",
        {"extends": "a.yaml", "name": "fewer_desk", "staffing": {"multiplier": {"reception": 0.7}}},
    )
    return a, b


@pytest.fixture(scope="module")
def pair(scenario_files: tuple[Path, Path]) -> tuple[Results, Results]:
    a, b = (load_scenario(p) for p in scenario_files)
    return run(a, 3, 7), run(b, 3, 7)


@pytest.fixture(scope="module")
def res(pair: tuple[Results, Results]) -> Results:
    return pair[0]


@pytest.fixture(scope="module")
def book_vi(res: Results, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = write_workbook(res, tmp_path_factory.mktemp("vi") / "results.xlsx", lang="vi")
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def book_en(res: Results, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = write_workbook(res, tmp_path_factory.mktemp("en") / "results.xlsx", lang="en")
    return openpyxl.load_workbook(path)


def table(ws) -> tuple[list[str], list[tuple]]:
    """(header texts, data rows) of a sheet."""
    rows = list(ws.iter_rows(values_only=True))
    return [str(h) for h in rows[0]], rows[1:]


def column(ws, first_line: str) -> int:
    """1-based index of the column whose header starts with ``first_line``."""
    headers, _ = table(ws)
    hits = [j + 1 for j, h in enumerate(headers) if h.split("\n")[0] == first_line]
    assert len(hits) == 1, (first_line, headers)
    return hits[0]


def cells(ws, col: int) -> list:
    return [ws.cell(row=r, column=col) for r in range(2, ws.max_row + 1)]


# ----------------------------------------------------------------------------- run


def test_sheets_in_both_languages(book_vi, book_en):
    assert book_vi.sheetnames == [
        "Thông tin",
        "Tổng hợp",
        "Đơn vị",
        "Thủ tục",
        "Theo tháng",
        "Nguyên nhân trễ hạn",
    ]
    assert book_en.sheetnames == [
        "About",
        "Summary",
        "Units",
        "Procedures",
        "Months",
        "Causes of lateness",
    ]
    # every header: the chosen language first, the other second
    for vi_ws, en_ws in zip(book_vi.worksheets, book_en.worksheets, strict=True):
        vi_h, _ = table(vi_ws)
        en_h, _ = table(en_ws)
        for hv, he in zip(vi_h, en_h, strict=True):
            v_lines, e_lines = hv.split("\n"), he.split("\n")
            assert len(v_lines) == 2 and v_lines == e_lines[::-1], (hv, he)
    units_h, _ = table(book_vi["Đơn vị"])
    assert "Tỷ lệ đúng và trước hạn (%)\nOn-time rate (%)" in units_h
    assert "Mã\nCode" in units_h


def test_frozen_header_bold_filter_and_widths(book_vi):
    for ws in book_vi.worksheets:
        assert ws.freeze_panes is not None and ws.freeze_panes[-1] == "2", ws.title
        assert all(c.font.bold for c in ws[1])
        headers, rows = table(ws)
        for j, h in enumerate(headers):
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(j + 1)].width
            assert 8 <= width <= (90 if ws.title == "Thông tin" else 42), (ws.title, h, width)
            texts = [str(r[j]) for r in rows if isinstance(r[j], str)]
            if texts:  # text values fit unless very long
                assert width >= min(max(len(t) for t in texts), 40), (ws.title, h, width)
    about = book_vi["Thông tin"]
    assert about["B2"].alignment.wrap_text  # notes wrap in a wide column
    items = dict(table(about)[1])
    assert items["Kịch bản"] == "two_weeks" and items["Số lần lặp"] == 3
    units = book_vi["Đơn vị"]
    assert units.freeze_panes == "C2"  # code and name stay visible
    assert units.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(units.max_column)}8"


def test_vietnamese_unit_names_and_types_intact(book_vi, book_en, res):
    ws = book_vi["Đơn vị"]
    names = [c.value for c in cells(ws, column(ws, "Đơn vị"))]
    assert {"Hồng Gai", "Quảng Yên", "Đông Mai", "Hiệp Hòa"} <= set(names)
    assert names == list(res.unit_table()["name"])
    assert {c.value for c in cells(ws, column(ws, "Loại"))} == {"phường"}
    en = book_en["Units"]
    assert {c.value for c in cells(en, column(en, "Type"))} == {"ward"}
    assert "Hồng Gai" in [c.value for c in cells(en, column(en, "Unit"))]


def test_rates_are_percent_cells_in_unit_interval(book_vi, res):
    ws = book_vi["Đơn vị"]
    unit = res.unit_table()
    for first_line, key in [
        ("Tỷ lệ đúng và trước hạn (%)", "on_time_rate"),
        ("KTC 95%, cận dưới", "on_time_ci95_low"),
        ("KTC 95%, cận trên", "on_time_ci95_high"),
        ("Mức độ sử dụng cán bộ tiếp nhận (%)", "reception_utilisation"),
        ("Tỷ lệ hồ sơ trực tuyến (%)", "online_share"),
    ]:
        col = cells(ws, column(ws, first_line))
        assert all(c.number_format == PERCENT for c in col), first_line
        values = np.array([c.value for c in col], dtype=float)
        assert np.all((values >= 0) & (values <= 1)), (first_line, values)
        # the workbook's numbers are the Results' (interval bounds clipped to [0, 1])
        np.testing.assert_allclose(values, unit[key].clip(0, 1), rtol=1e-12)
    for name in ("Thủ tục", "Theo tháng"):
        sheet = book_vi[name]
        for first_line in ("Tỷ lệ đúng và trước hạn (%)", "KTC 95%, cận dưới", "KTC 95%, cận trên"):
            col = cells(sheet, column(sheet, first_line))
            assert col and all(c.number_format == PERCENT for c in col)
            assert all(0 <= c.value <= 1 for c in col if c.value is not None)


def test_counts_are_whole_dossiers_per_replication(book_vi, res):
    ws = book_vi["Đơn vị"]
    unit = res.unit_table()
    for first_line, key in [
        ("Hồ sơ tiếp nhận (trung bình mỗi lần lặp)", "arrived"),
        ("Hồ sơ đã giải quyết (trung bình mỗi lần lặp)", "resolved"),
        ("Chưa giải quyết cuối kỳ (trung bình mỗi lần lặp)", "open"),
    ]:
        values = [c.value for c in cells(ws, column(ws, first_line))]
        assert all(type(v) is int for v in values), (first_line, values)
        assert values == [math.floor(x + 0.5) for x in unit[key]], first_line
    late = [
        c.value for c in cells(ws, column(ws, "Hồ sơ giải quyết trễ hạn (trung bình mỗi lần lặp)"))
    ]
    per_unit = res.units.groupby("code", sort=False)["late"].mean()
    assert late == [math.floor(per_unit[c] + 0.5) for c in unit["code"]]
    proc = book_vi["Thủ tục"]
    resolved = [
        c.value for c in cells(proc, column(proc, "Hồ sơ đã giải quyết (trung bình mỗi lần lặp)"))
    ]
    expected = res.group_table("procedures")["resolved"]
    assert resolved == [math.floor(x + 0.5) for x in expected]
    assert sum(resolved) == pytest.approx(expected.sum(), abs=len(resolved) / 2)


def test_summary_names_every_kpi_and_equals_results(book_vi, book_en, res):
    summary = res.summary().set_index("metric")
    ws = book_vi["Tổng hợp"]
    headers, rows = table(ws)
    key_col = headers.index("Chỉ tiêu (tên cột)\nIndicator (column name)")
    mean_col = headers.index("Trung bình các lần lặp\nMean over replications")
    lo_col = headers.index("KTC 95%, cận dưới\n95% CI, lower bound")
    assert [r[key_col] for r in rows] == list(summary.index)
    for r_idx, r in enumerate(rows, start=2):
        metric = r[key_col]
        # a readable name in both languages, never the bare column name
        assert r[0] == label(metric, "vi") != metric
        assert label(metric, "en") != metric
        cell = ws.cell(row=r_idx, column=mean_col + 1)
        mean = summary.loc[metric, "mean"]
        if metric_kind(metric) == "rate":
            assert cell.number_format == PERCENT and 0 <= cell.value <= 1
            assert cell.value == pytest.approx(mean, rel=1e-12)
            lo = ws.cell(row=r_idx, column=lo_col + 1).value
            assert lo == pytest.approx(max(summary.loc[metric, "ci95_low"], 0.0), rel=1e-12)
        elif metric_kind(metric) == "count":
            assert type(cell.value) is int and cell.value == math.floor(mean + 0.5)
        else:
            assert cell.value == pytest.approx(mean, rel=1e-12)
    assert {"on_time_rate", "arrived", "utilisation_reception"} <= {r[key_col] for r in rows}
    rate_row = next(r for r in rows if r[key_col] == "on_time_rate")
    assert rate_row[mean_col] == pytest.approx(res.on_time_rate, rel=1e-12)
    en_rows = table(book_en["Summary"])[1]
    assert en_rows[0][0] == "Dossiers received (per replication)"


def test_causes_translated_and_shares_percent(book_vi, res):
    ws = book_vi["Nguyên nhân trễ hạn"]
    _, rows = table(ws)
    causes = res.cause_table()
    assert [r[0] for r in rows] == [label(f"cause_{c}", "vi") for c in causes["cause"]]
    assert "Chờ cán bộ xử lý" in [r[0] for r in rows]
    share = cells(ws, 3)
    assert all(c.number_format == PERCENT for c in share)
    assert [c.value for c in share] == pytest.approx(list(causes["share"].fillna(0)), rel=1e-12)


def test_undefined_values_are_empty_cells_not_nan(res, tmp_path):
    """One replication: no interval can be computed; the cells are empty, never 'nan'."""
    keep = res.replications["rep"] == 0
    one = dataclasses.replace(
        res,
        replications=res.replications[keep],
        units=res.units[res.units["rep"] == 0],
        procedures=res.procedures[res.procedures["rep"] == 0],
        months=res.months[res.months["rep"] == 0],
        causes=res.causes[res.causes["rep"] == 0],
    )
    path = write_workbook(one, tmp_path / "one.xlsx", lang="en")
    wb = openpyxl.load_workbook(path)
    ws = wb["Units"]
    lo = cells(ws, column(ws, "95% CI, lower bound"))
    assert lo and all(c.value is None for c in lo)
    for sheet in wb.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, float) and not math.isfinite(v) for v in row)
            assert "nan" not in [str(v).lower() for v in row]


def test_atomic_write_replaces_and_leaves_no_temporary(res, tmp_path):
    target = tmp_path / "results.xlsx"
    target.write_bytes(b"old")
    assert write_workbook(res, target) == target
    assert openpyxl.load_workbook(target).sheetnames[0] == "Thông tin"
    assert [p.name for p in tmp_path.iterdir()] == ["results.xlsx"]
    data = workbook_bytes(build_workbook(res, lang="en"))
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames[0] == "About"


def test_unknown_language_is_refused(res, tmp_path):
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        write_workbook(res, tmp_path / "x.xlsx", lang="fr")
    assert not (tmp_path / "x.xlsx").exists()


# ----------------------------------------------------------------------------- comparison


@pytest.fixture(scope="module")
def comparison(pair: tuple[Results, Results]) -> Comparison:
    a, b = pair
    return Comparison(
        results=[a, b], labels=unique_labels([a.scenario.name, b.scenario.name]), seed=7
    )


def test_comparison_workbook(comparison, tmp_path):
    wb = openpyxl.load_workbook(write_comparison_workbook(comparison, tmp_path / "c.xlsx"))
    assert wb.sheetnames == [
        "Thông tin",
        "Tổng hợp",
        "Chênh lệch",
        "Chênh lệch theo đơn vị",
        "Đơn vị",
        "Thủ tục",
        "Theo tháng",
        "Nguyên nhân trễ hạn",
    ]
    summary = wb["Tổng hợp"]
    assert [c.value for c in cells(summary, 1)] == ["two_weeks", "fewer_desk"]
    rate = cells(summary, column(summary, "Tỷ lệ đúng và trước hạn (%)"))
    assert all(c.number_format == PERCENT for c in rate)
    assert [c.value for c in rate] == pytest.approx(
        list(comparison.scenario_table()["on_time_rate"]), rel=1e-12
    )
    ws = wb["Chênh lệch"]
    headers, rows = table(ws)
    assert "KTC 95% ghép cặp, cận dưới\nPaired 95% CI, lower bound" in headers
    assert "KTC 95% không ghép cặp (Welch), cận dưới\nUnpaired (Welch) 95% CI, lower bound" in (
        headers
    )
    diffs = comparison.differences().set_index("metric")
    key = headers.index("Chỉ tiêu (tên cột)\nIndicator (column name)")
    d_col = headers.index("Chênh lệch (kịch bản trừ gốc)\nDifference (scenario minus reference)")
    assert [r[key] for r in rows] == list(diffs.index)
    for r_idx, r in enumerate(rows, start=2):
        metric = r[key]
        cell = ws.cell(row=r_idx, column=d_col + 1)
        assert cell.value == pytest.approx(diffs.loc[metric, "difference"], rel=1e-12, abs=1e-15)
        if metric == "on_time_rate":
            assert "%" in cell.number_format and cell.number_format.startswith("+")
    units = wb["Đơn vị"]
    assert {c.value for c in cells(units, 1)} == {"two_weeks", "fewer_desk"}
    assert "Hồng Gai" in [c.value for c in cells(units, column(units, "Đơn vị"))]
    ud = wb["Chênh lệch theo đơn vị"]
    assert ud.max_row - 1 == len(comparison.unit_differences(("on_time_rate",))) * 3


# ----------------------------------------------------------------------------- sweep


def test_sweep_workbook(scenario_files, tmp_path):
    a, _ = scenario_files
    spec = _write(
        tmp_path / "tiny.yaml",
        {
            "name": "tiny",
            "base": str(a),
            "factors": {"staffing.multiplier.reception": [0.7, 1.0]},
            "reps": 2,
            "seed": 3,
        },
    )
    res = run_sweep(spec, workers=1)
    wb = openpyxl.load_workbook(write_sweep_workbook(res, tmp_path / "s.xlsx", lang="vi"))
    assert wb.sheetnames == ["Thông tin", "Các điểm"]
    ws = wb["Các điểm"]
    headers, rows = table(ws)
    assert "Hệ số cán bộ tiếp nhận (×)\nReception staff multiplier (×)" in headers
    assert len(rows) == 2
    rate = cells(ws, column(ws, "Tỷ lệ đúng và trước hạn (%)"))
    assert all(c.number_format == PERCENT for c in rate)
    assert [c.value for c in rate] == pytest.approx(list(res.points["on_time_rate"]), rel=1e-12)
    status = cells(ws, column(ws, "Trạng thái"))
    assert [c.value for c in status] == ["xong", "xong"]
    late = cells(ws, column(ws, "Hồ sơ trễ hạn (mỗi lần lặp)"))
    assert all(type(c.value) is int for c in late)
    points = pd.DataFrame(rows, columns=headers)
    assert list(points.iloc[:, 2]) == [0.7, 1.0]
