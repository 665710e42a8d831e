"""Output folders: an older result is cleared, a foreign folder refused, the manifest last."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from outputs_cases import copy_cases

from sim.cli import main
from sim.outputs import UNFINISHED, OutputFolderError, claim_folder, finish_folder


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    d = copy_cases(tmp_path_factory.mktemp("cases"))
    for name, mult in (("fewer", 0.5), ("more", 2.0)):
        text = (d / "zero.yaml").read_text(encoding="utf-8").replace("name: zero", f"name: {name}")
        data = yaml.safe_load(text)
        data["staffing"]["multiplier"] = {"reception": mult}
        (d / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    sweep = {
        "name": "tiny",
        "base": str(d / "zero.yaml"),
        "factors": {"staffing.multiplier.reception": [0.5, 1.0]},
        "reps": 2,
        "seed": 1,
    }
    (d / "tiny_sweep.yaml").write_text(yaml.safe_dump(sweep), encoding="utf-8")
    return d


def _visible(d: Path) -> set[str]:
    return {p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file()} - {UNFINISHED}


def _manifest(d: Path) -> dict:
    return json.loads((d / "manifest.json").read_text(encoding="utf-8"))


def _cli(capsys, *args: str) -> tuple[int, str]:
    code = main([*args, "--no-progress"] if args[0] != "plot" else list(args))
    return code, capsys.readouterr().err


def test_run_into_an_older_result_clears_its_files_and_plots(cases, tmp_path, capsys):
    out = tmp_path / "D"
    assert _cli(capsys, "run", str(cases / "zero.yaml"), "--out", str(out))[0] == 0
    assert _cli(capsys, "plot", str(out), "--format", "png")[0] == 0
    plots = {f"plots/{p.name}" for p in (out / "plots").iterdir()}
    assert len(plots) == 3 and set(_manifest(out)["plots"]) == plots  # the manifest lists them
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, err = _cli(capsys, "run", str(cases / "zero.yaml"), "--reps", "2", "--out", str(out))
    assert code == 0, err
    man = _manifest(out)
    assert man["reps"] == 2
    assert not (out / "plots").exists()  # the old plots went with the old result
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"  # not ours: kept
    assert set(man["files"]) == _visible(out) - {"notes.txt"}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "calibrate"])
def test_a_folder_holding_something_else_is_refused(command, cases, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work", encoding="utf-8")
    args = {
        "run": ["run", str(cases / "zero.yaml")],
        "compare": ["compare", str(cases / "zero.yaml"), str(cases / "fewer.yaml")],
        "sweep": ["sweep", str(cases / "tiny_sweep.yaml"), "--workers", "1"],
        "calibrate": ["calibrate", str(cases / "zero.yaml")],
    }[command]
    code, err = _cli(capsys, *args, "--out", str(out))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0] and "--out" in lines[0], lines
    assert "thesis.docx" in lines[0] and "not a tthc-sim result" in lines[0]
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]  # nothing touched


def test_a_result_of_another_kind_is_refused(cases, tmp_path, capsys):
    out = tmp_path / "D"
    assert _cli(capsys, "run", str(cases / "zero.yaml"), "--out", str(out))[0] == 0
    before = _visible(out)
    code, err = _cli(
        capsys, "compare", str(cases / "zero.yaml"), str(cases / "fewer.yaml"), "--out", str(out)
    )
    assert code == 2 and "holds a tthc-sim run result" in err
    assert _visible(out) == before and _manifest(out)["kind"] == "run"


def test_compare_writes_its_manifest_after_its_plots_and_clears_old_ones(cases, tmp_path, capsys):
    out = tmp_path / "C"
    three = [str(cases / f) for f in ("zero.yaml", "fewer.yaml", "more.yaml")]
    assert _cli(capsys, "compare", *three, "--reps", "2", "--out", str(out))[0] == 0
    man = _manifest(out)
    assert "plots/unit_differences_more.png" in man["plots"]
    assert set(man["files"]) | set(man["plots"]) == _visible(out)  # vouches for every file
    newest_plot = max((out / p).stat().st_mtime_ns for p in man["plots"])
    assert (out / "manifest.json").stat().st_mtime_ns >= newest_plot  # written last
    assert _cli(capsys, "compare", *three[:2], "--reps", "2", "--out", str(out))[0] == 0
    man = _manifest(out)
    assert not (out / "plots" / "unit_differences_more.png").exists()
    assert set(man["files"]) | set(man["plots"]) == _visible(out)


def test_sweep_resume_keeps_its_store_and_clears_derived_files(cases, tmp_path, capsys):
    out = tmp_path / "S"
    sweep = str(cases / "tiny_sweep.yaml")
    assert _cli(capsys, "sweep", sweep, "--workers", "1", "--out", str(out))[0] == 0
    assert _cli(capsys, "plot", str(out), "--format", "png")[0] == 0
    assert (out / "plots").is_dir()
    points = sorted(p.name for p in (out / "points").iterdir())
    # without --resume: refused, and the finished result is left exactly as it was
    before = _visible(out)
    code, err = _cli(capsys, "sweep", sweep, "--workers", "1", "--out", str(out))
    assert code == 2 and "--resume" in err
    assert _visible(out) == before
    code, err = _cli(capsys, "sweep", sweep, "--workers", "1", "--out", str(out), "--resume")
    assert code == 0, err
    man = _manifest(out)
    assert man["points_skipped"] == len(points) == 2  # the store was kept
    assert sorted(p.name for p in (out / "points").iterdir()) == points
    assert not (out / "plots").exists()


def test_claim_folder_clears_only_what_the_old_result_lists(tmp_path):
    d = tmp_path / "D"
    (d / "plots").mkdir(parents=True)
    outside = tmp_path / "outside.csv"
    outside.write_text("x", encoding="utf-8")
    files = ["a.csv", "manifest.json", "../outside.csv", str(outside), "sub/"]
    (d / "manifest.json").write_text(json.dumps({"kind": "run", "files": files}), "utf-8")
    for name in ("a.csv", "notes.txt", "plots/old.png", "plots/old.svg", "plots/mine.txt"):
        (d / name).write_text("x", encoding="utf-8")
    (d / ".units.csv.abc.tmp").write_text("partial", encoding="utf-8")
    with pytest.raises(OutputFolderError, match="not a comparison"):
        claim_folder(d, "comparison")
    assert (d / "manifest.json").exists()  # a refusal changes nothing
    claim_folder(d, "run")
    # listed files go, and the plots of a manifest that did not list its plots; nothing else
    assert _visible(d) == {"notes.txt", "plots/mine.txt"}
    assert outside.exists()
    assert (d / UNFINISHED).exists()  # an interruption now still knows the folder is ours
    claim_folder(d, "run")  # a command killed before its manifest: the folder is still ours
    finish_folder(d)
    assert not [p for p in d.iterdir() if p.name.startswith(".")]
    with pytest.raises(OutputFolderError, match=r"notes\.txt"):
        claim_folder(d, "run")  # no record left: a folder of someone else's files
    empty = tmp_path / "new" / "deeper"
    claim_folder(empty, "sweep")
    assert empty.is_dir()
