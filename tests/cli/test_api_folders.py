"""The Python API and the command line write the same result folders (run and compare)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from outputs_cases import copy_cases

from sim.cli import main
from sim.comparison import compare_to_folder
from sim.experiment import run_to_folder
from sim.outputs import UNFINISHED, OutputFolderError
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    d = copy_cases(tmp_path_factory.mktemp("cases"))
    data = yaml.safe_load((d / "zero.yaml").read_text(encoding="utf-8"))
    data["name"] = "fewer"
    data["staffing"]["multiplier"] = {"reception": 0.5}
    (d / "fewer.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return d


def _files(folder: Path) -> set[str]:
    """Every file under ``folder`` (hidden ones too: a leftover would show)."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_run_api_and_cli_write_the_same_files(cases: Path, tmp_path: Path) -> None:
    cli_out, api_out = tmp_path / "cli", tmp_path / "api"
    code = main(["run", str(cases / "zero.yaml"), "--reps", "2", "--out", str(cli_out)])
    assert code == 0
    res = run_to_folder(load_scenario(cases / "zero.yaml"), api_out, reps=2)
    assert res.dossiers is None and res.reps == 2
    assert "dossiers.parquet" in _files(api_out) and UNFINISHED not in _files(api_out)
    assert _files(api_out) == _files(cli_out)
    assert set(_manifest(api_out)["files"]) == set(_manifest(cli_out)["files"])


def test_compare_api_and_cli_write_the_same_files(cases: Path, tmp_path: Path) -> None:
    cli_out, api_out = tmp_path / "cli", tmp_path / "api"
    two = [str(cases / "zero.yaml"), str(cases / "fewer.yaml")]
    assert main(["compare", *two, "--reps", "2", "--no-progress", "--out", str(cli_out)]) == 0
    scns = [load_scenario(p) for p in two]
    cmp, plots = compare_to_folder(scns, api_out, reps=2)
    assert cmp.reps == 2 and plots and all(p.is_file() for p in plots)
    assert _files(api_out) == _files(cli_out)
    assert any(f.startswith("plots/") for f in _files(api_out))
    assert _manifest(api_out)["plots"] == _manifest(cli_out)["plots"]


def test_run_to_folder_refuses_a_foreign_folder_before_any_work(
    cases: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputFolderError, match="not a tthc-sim result"):
        run_to_folder(load_scenario(cases / "zero.yaml"), out, reps=1)
    assert _files(out) == {"notes.txt"}
