"""Printing to streams that cannot encode Vietnamese: no UnicodeEncodeError, valid JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from outputs_cases import copy_cases

from sim.labels import ascii_text

ROOT = Path(__file__).resolve().parents[2]

ENVS = {
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "C-locale": {"LANG": "C", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
    "cp1252": {"PYTHONIOENCODING": "cp1252"},
}


def _run(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIO"))}
    full.pop("PYTHONUTF8", None)
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, cwd=cwd, env=full, timeout=300
    )


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    return copy_cases(tmp_path_factory.mktemp("cases"))


def test_ascii_text():
    assert ascii_text("Quảng Ninh, Đông Mai, Hạ Long") == "Quang Ninh, Dong Mai, Ha Long"
    assert ascii_text("reception \u221220% \u2013 x") == "reception -20% - x"
    assert ascii_text("漢") == "?"


@pytest.fixture(scope="module")
def utf8_lines(cases) -> list[str]:
    p = _run({"PYTHONIOENCODING": "utf-8"}, "run", "zero.yaml", "--no-progress", cwd=cases)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    return [ln for ln in p.stdout.decode("utf-8").splitlines() if "wall time" not in ln]


@pytest.mark.parametrize("name", list(ENVS))
def test_run_prints_without_diacritics_where_the_stream_cannot(name, cases, utf8_lines):
    env = ENVS[name]
    p = _run(env, "run", "zero.yaml", "--no-progress", cwd=cases)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    text = p.stdout.decode(env.get("PYTHONIOENCODING", "ascii"))
    assert "Hong Gai" in text  # "ồ" is in none of these encodings
    # nothing of the output lost: the lines of a UTF-8 run, marks removed where needed
    got = [ln for ln in text.splitlines() if "wall time" not in ln]
    assert [ascii_text(ln) for ln in got] == [ascii_text(ln) for ln in utf8_lines]


def test_json_help_and_errors_on_an_ascii_stream(cases):
    env = ENVS["C-locale"]
    p = _run(env, "run", "zero.yaml", "--reps", "2", "--json", "--no-progress", cwd=cases)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    obj = json.loads(p.stdout.decode("ascii"))  # ASCII, strict JSON
    assert obj["scenario"] == "zero"
    h = _run(env, "--help", cwd=cases)
    assert h.returncode == 0 and b"Traceback" not in h.stderr
    assert b"Quang Ninh" in h.stdout
    bad = cases / "không_có.yaml"
    bad.write_text("name: [", encoding="utf-8")
    e = _run(env, "validate", "không_có.yaml", cwd=cases)
    assert e.returncode == 2
    lines = e.stderr.decode("ascii").strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and ".yaml" in lines[0], lines
