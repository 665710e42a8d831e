"""Crash safety: outputs appear under their final names only when complete.

Every writer puts its bytes in a hidden temporary file next to the target and renames it into
place; ``manifest.json`` is removed when a command starts writing into a folder and written last,
so a folder without it is never a finished result. A real ``tthc-sim run`` is killed with SIGKILL
after its first replication; ``calibrate --write`` and the writers of ``sim.outputs`` are
interrupted at the worst moment by injected failures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from clitools import kill_when, tthc

from sim import outputs
from sim.calibrate import _atomic_plots, write_value
from sim.cli import main
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "scenarios" / "validation" / "quick.yaml"
# one week of the quick scenario keeps 20 replications within a few seconds
SHORT = "horizon.end=2025-08-22"


def visible(folder: Path) -> list[str]:
    """Files under their final names (temporary files are hidden: ``.name.XXXX.tmp``)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ----------------------------------------------------------------------------- run --out


def _first_rep_done(stderr_file: Path, out: Path) -> bool:
    """The progress bar shows a finished replication, or the dossier file has a row group."""
    text = stderr_file.read_text(encoding="utf-8", errors="replace")
    if re.search(r"\b([1-9]\d*)/20\b", text):
        return True
    return any(p.stat().st_size > 1000 for p in out.glob(".dossiers.parquet.*.tmp"))


def test_run_killed_midway_leaves_nothing_that_looks_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    # a finished result of an earlier run in the same folder: it must be invalidated first
    (out / "manifest.json").write_text('{"kind": "run", "reps": 1}\n', encoding="utf-8")
    args = ["run", str(QUICK), "--reps", "20", "--out", str(out), "--set", SHORT]
    err_path = tmp_path / "stderr.txt"
    code = kill_when(args, lambda: _first_rep_done(err_path, out), err_path)
    assert code == -signal.SIGKILL

    # nothing under a final name: no manifest (the old one is gone too), no partial tables
    assert visible(out) == [], visible(out)
    assert all(name.endswith(".tmp") for name in hidden(out)), hidden(out)
    assert main(["plot", str(out)]) == 2  # `plot` refuses the folder
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and str(out) in err[0] and "no manifest.json" in err[0], err
    assert not (out / "plots").exists()

    # the same command again completes and leaves a valid folder, with no temporary files
    p = tthc(*args, "--no-progress")
    assert p.returncode == 0, p.stderr
    assert hidden(out) == []
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["kind"] == "run" and man["reps"] == 20 and man["replications"] == list(range(20))
    assert set(man["files"]) == set(visible(out))
    dossiers = pd.read_parquet(out / "dossiers.parquet", columns=["rep"])
    reps = pd.read_csv(out / "replications.csv")
    per_rep = dossiers["rep"].value_counts().sort_index()
    assert per_rep.index.tolist() == list(range(20))
    assert per_rep.tolist() == reps.sort_values("rep")["arrived"].tolist()
    summary = pd.read_csv(out / "summary.csv")
    assert "on_time_rate" in set(summary.iloc[:, 0])


def test_run_failing_while_writing_leaves_no_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failure after the dossiers and some tables are written: the folder stays incomplete."""
    real = outputs.write_csv
    calls: list[str] = []

    def failing_write_csv(frame: pd.DataFrame, path: str | Path) -> None:
        calls.append(Path(path).name)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(frame, path)

    monkeypatch.setattr(outputs, "write_csv", failing_write_csv)
    out = tmp_path / "run"
    with pytest.raises(OSError, match="No space left"):
        main(["run", str(QUICK), "--reps", "1", "--out", str(out), "--set", SHORT, "--json"])
    capsys.readouterr()
    assert len(calls) == 3
    assert not (out / "manifest.json").exists()
    assert calls[2] not in visible(out)  # the failed table never appeared
    # its temporary file was removed; only the record that the folder is an unfinished result
    # of this command stays, so that the same command may write into it again
    assert hidden(out) == [outputs.UNFINISHED]


# ----------------------------------------------------------------------------- the writers


class Boom(Exception):
    pass


def test_writers_never_leave_a_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = pd.DataFrame({"a": range(1000), "b": [0.5] * 1000})
    old = tmp_path / "old.csv"
    outputs.write_csv(frame.head(3), old)
    before = old.read_bytes()

    def half_then_fail(self: pd.DataFrame, buf: Any, **kwargs: Any) -> None:
        buf.write("a,b\n0,")
        raise Boom

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    with pytest.raises(Boom):
        outputs.write_csv(frame, old)  # replacing: the old content stays
    with pytest.raises(Boom):
        outputs.write_csv(frame, tmp_path / "new.csv")  # creating: nothing appears
    monkeypatch.undo()
    assert old.read_bytes() == before
    assert not (tmp_path / "new.csv").exists()

    def dump_then_fail(obj: Any, fh: Any, **kwargs: Any) -> None:
        fh.write('{"kind": "run", ')
        raise Boom

    monkeypatch.setattr(json, "dump", dump_then_fail)
    with pytest.raises(Boom):
        outputs.write_json({"kind": "run"}, tmp_path / "manifest.json")
    monkeypatch.undo()
    assert not (tmp_path / "manifest.json").exists()

    sink = outputs.ParquetSink(tmp_path / "dossiers.parquet")
    sink.write(frame)
    assert not (tmp_path / "dossiers.parquet").exists()  # not before close
    sink.discard()  # what `run` does when interrupted
    assert hidden(tmp_path) == [] and visible(tmp_path) == ["old.csv"]


def test_written_files_get_ordinary_permissions(tmp_path: Path) -> None:
    """Temporary files are owner-only; the renamed result must not be."""
    umask = os.umask(0o022)
    try:
        outputs.write_json({"a": 1}, tmp_path / "new.json")
        sink = outputs.ParquetSink(tmp_path / "d.parquet")
        sink.write(pd.DataFrame({"a": [1]}))
        sink.close()
        kept = tmp_path / "kept.csv"
        kept.write_text("x\n", encoding="utf-8")
        kept.chmod(0o640)
        outputs.write_csv(pd.DataFrame({"x": [1]}), kept)
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "d.parquet").stat().st_mode) == 0o644
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640


# ----------------------------------------------------------------------------- calibrate


def _scenario_copy(tmp_path: Path) -> Path:
    """quick.yaml next to a copy of the baseline it extends, so it can be edited freely."""
    shutil.copy(ROOT / "scenarios" / "baseline.yaml", tmp_path / "baseline.yaml")
    text = QUICK.read_text(encoding="utf-8").replace("../baseline.yaml", "baseline.yaml")
    path = tmp_path / "quick.yaml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o640)
    return path


def test_calibrate_write_is_old_or_new_never_truncated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ruamel.yaml import YAML

    path = _scenario_copy(tmp_path)
    before = path.read_bytes()
    inode = path.stat().st_ino

    real_dump = YAML.dump

    def dump_half_then_fail(self: YAML, data: Any, stream: Any, **kw: Any) -> None:
        stream.write(before.decode("utf-8")[: len(before) // 2])
        raise Boom

    monkeypatch.setattr(YAML, "dump", dump_half_then_fail)
    with pytest.raises(Boom):
        write_value(path, "staffing.availability", 0.9, "calibrated: test")
    assert path.read_bytes() == before  # the old content, whole
    assert hidden(tmp_path) == []

    monkeypatch.setattr(YAML, "dump", real_dump)
    write_value(path, "staffing.availability", 0.9, "calibrated: test")
    text = path.read_text(encoding="utf-8")
    assert re.search(r"availability: 0\.9 +# calibrated: test", text), text
    assert "# Quick scenario for tests and demos" in text  # comments kept
    assert path.stat().st_ino != inode  # a new file renamed into place, not rewritten
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert hidden(tmp_path) == []
    assert load_scenario(path).staffing.availability == 0.9


class _FakeCalibration:
    """Stands in for a calibration result: ``plot`` writes two files, or fails half-way."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def plot(self, path: str | Path) -> list[Path]:
        base = Path(path)
        png = base.with_suffix(".png")
        png.write_bytes(b"\x89PNG" + b"\0" * 100)
        if self.fail:
            base.with_suffix(".svg").write_text("<svg", encoding="utf-8")
            raise Boom
        svg = base.with_suffix(".svg")
        svg.write_text("<svg></svg>", encoding="utf-8")
        return [png, svg]


def test_calibrate_out_plots_appear_only_when_complete(tmp_path: Path) -> None:
    with pytest.raises(Boom):
        _atomic_plots(_FakeCalibration(fail=True), tmp_path, "calibration")
    assert visible(tmp_path) == [] and hidden(tmp_path) == []
    files = _atomic_plots(_FakeCalibration(fail=False), tmp_path, "calibration")
    assert [f.name for f in files] == ["calibration.png", "calibration.svg"]
    assert visible(tmp_path) == ["calibration.png", "calibration.svg"]
    assert hidden(tmp_path) == []
