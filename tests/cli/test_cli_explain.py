"""`tthc-sim explain` as a user meets it: the installed command in a subprocess."""

from __future__ import annotations

from pathlib import Path

from clitools import tthc


def test_bad_folder_exits_2_with_one_line(tmp_path: Path) -> None:
    d = tmp_path / "no such folder"
    r = tthc("explain", str(d))
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(d) in lines[0] and "not a folder" in lines[0]
    assert r.stdout == ""


def test_explain_is_listed_in_the_help() -> None:
    r = tthc("--help")
    assert r.returncode == 0 and "explain" in r.stdout
    r = tthc("explain", "--help")
    assert r.returncode == 0
    for option in ("--counterfactual", "--workers", "--json", "--out", "--lang", "--format"):
        assert option in r.stdout
