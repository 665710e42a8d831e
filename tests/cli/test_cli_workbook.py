"""results.xlsx next to the CSVs of run, compare and sweep; --lang for their console tables."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import yaml
from clitools import tthc

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "scenarios" / "validation" / "quick.yaml"


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def two_weeks(tmp_path: Path) -> tuple[Path, Path]:
    a = write(
        tmp_path / "a.yaml",
        {"extends": str(QUICK), "name": "two_weeks", "horizon": {"end": "2025-08-29"}},
    )
    b = write(
        tmp_path / "b.yaml",
        {"extends": "a.yaml", "name": "fewer_desk", "staffing": {"multiplier": {"reception": 0.7}}},
    )
    return a, b


def finished_with_workbook(out: Path) -> openpyxl.Workbook:
    """The manifest lists results.xlsx and was written after it; the workbook opens."""
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "results.xlsx" in man["files"]
    assert "manifest.json" in man["files"]
    assert (out / "manifest.json").stat().st_mtime_ns >= (out / "results.xlsx").stat().st_mtime_ns
    assert not list(out.glob(".*.tmp"))
    return openpyxl.load_workbook(out / "results.xlsx")


def test_run_lang_vi_prints_vietnamese_and_writes_workbook(tmp_path):
    a, _ = two_weeks(tmp_path)
    out = tmp_path / "run"
    p = tthc("run", str(a), "--reps", "2", "--out", str(out), "--lang", "vi", "--no-progress")
    assert p.returncode == 0, p.stderr
    for text in (
        "Kịch bản: two_weeks",
        "Tỷ lệ đúng và trước hạn:",
        "Theo thủ tục:",
        "Chứng thực bản sao",  # procedure names, not ids
        "Theo đơn vị (trung bình mỗi lần lặp):",
        "đúng hạn",
        "KTC95 dưới",
        "Hồng Gai",
        "Kết quả đã ghi vào",
    ):
        assert text in p.stdout, text
    for english in ("By unit", "on-time", "ci95 low", "copy_certification"):
        assert english not in p.stdout, english
    wb = finished_with_workbook(out)
    assert wb.sheetnames[:3] == ["Thông tin", "Tổng hợp", "Đơn vị"]
    units = wb["Đơn vị"]
    assert "Hồng Gai" in [c.value for c in units["B"]]
    # the CSVs stay plain UTF-8 for programs: no byte-order mark, fractions unrounded
    raw = (out / "units.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert "Hồng Gai" in raw.decode("utf-8")


def test_run_default_console_stays_english_and_lang_en_workbook(tmp_path):
    a, _ = two_weeks(tmp_path)
    out = tmp_path / "run"
    p = tthc("run", str(a), "--reps", "2", "--out", str(out), "--lang", "en", "--no-progress")
    assert p.returncode == 0, p.stderr
    assert "By unit (mean per replication):" in p.stdout
    assert "Theo đơn vị" not in p.stdout
    assert finished_with_workbook(out).sheetnames[:2] == ["About", "Summary"]
    q = tthc("run", str(a), "--reps", "1", "--no-progress")
    assert q.returncode == 0, q.stderr
    assert "By procedure:" in q.stdout and "copy_certification" in q.stdout
    assert "on-time" in q.stdout and "ci95 low" in q.stdout


def test_compare_lang_vi_and_workbook(tmp_path):
    a, b = two_weeks(tmp_path)
    out = tmp_path / "cmp"
    p = tthc(
        "compare", str(a), str(b), "--reps", "2", "--out", str(out), "--lang", "vi", "--no-progress"
    )
    assert p.returncode == 0, p.stderr
    for text in (
        "So sánh với cùng số ngẫu nhiên",
        "fewer_desk trừ two_weeks",
        "KTC ghép cặp",
        "KTC không ghép cặp (Welch)",
        "Tỷ lệ đúng và trước hạn (%)",  # metric names from the label table
        "Tỷ lệ đúng hạn theo đơn vị",
        "Hồng Gai",
    ):
        assert text in p.stdout, text
    assert "paired CI" not in p.stdout
    wb = finished_with_workbook(out)
    assert "Chênh lệch" in wb.sheetnames and "Chênh lệch theo đơn vị" in wb.sheetnames
    assert (out / "plots" / "comparison_forest_vi.png").exists()  # plots follow --lang


def test_sweep_lang_vi_and_workbook(tmp_path):
    a, _ = two_weeks(tmp_path)
    spec = write(
        tmp_path / "tiny.yaml",
        {
            "name": "tiny",
            "base": str(a),
            "factors": {"staffing.multiplier.reception": [0.7, 1.0]},
            "reps": 1,
        },
    )
    out = tmp_path / "sw"
    p = tthc("sweep", str(spec), "--workers", "1", "--out", str(out), "--lang", "vi")
    assert p.returncode == 0, p.stderr
    assert "Quét tiny: 2 điểm x 1 lần lặp" in p.stdout
    assert "trạng thái" in p.stdout and "xong" in p.stdout
    assert "2/2 điểm đã xong" in p.stdout
    wb = finished_with_workbook(out)
    assert wb.sheetnames == ["Thông tin", "Các điểm"]


def test_unknown_lang_is_bad_input(tmp_path):
    a, _ = two_weeks(tmp_path)
    p = tthc("run", str(a), "--lang", "fr")
    assert p.returncode == 2
    assert "--lang" in p.stderr and "Traceback" not in p.stderr


def test_precision_line_in_both_languages():
    from sim.cli import _precision_line

    p = {"reps": 8, "halfwidth": 0.0031, "target_halfwidth": 0.002, "reached": False, "max_reps": 8}
    en = _precision_line(p, "what_rate")
    assert en == (
        "--reps auto: 8 replications; 95% half-width of the on-time rate 0.310 points, "
        "target 0.200: NOT reached (cap --max-reps 8)"
    )
    vi = _precision_line({**p, "reached": True}, "what_difference", "vi")
    assert "8 lần lặp" in vi and "chênh lệch ghép cặp của tỷ lệ đúng hạn" in vi
    assert vi.endswith("đã đạt")
