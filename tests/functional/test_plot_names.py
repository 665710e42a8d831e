"""User text in plots is drawn literally, and every name gets its own plot file."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from outputs_cases import copy_cases

import sim
from sim import plots
from sim.outputs import STEM_MAX, file_stem, unique_stems

PORTABLE = re.compile(r"^[A-Za-z0-9_-]+$")
SIBLINGS = [
    "reception +20%",
    "reception \u221220%",  # minus sign
    "reception -20%",  # hyphen
    "reception \u201320%",  # en dash
    "Base",
    "base",
    "BASE",
    "a/b",
    "a\\b",
    "a_b",
    "a b",
    "a:b",
    "",
    "$",
    "Ba$$in",
    "_pooled",
    "..",
    "x" * 300,
    "x" * 299 + "y",
    "Tiếp nhận",
    "Tiep nhan",
    "漢字",
    "仮名",
]


def _check(stems: dict[str, str], names: list[str]) -> None:
    assert set(stems) == set(names)
    folded = [s.lower() for s in stems.values()]
    assert len(set(folded)) == len(folded), stems  # distinct on case-insensitive systems
    for s in stems.values():
        assert PORTABLE.match(s) and len(s) <= STEM_MAX + 12, s


def test_sibling_names_get_distinct_portable_stems():
    stems = unique_stems(SIBLINGS)
    _check(stems, SIBLINGS)
    assert stems["Tiếp nhận"] != stems["Tiep nhan"]
    assert unique_stems(["Tiếp nhận"]) == {"Tiếp nhận": "Tiep_nhan"}  # readable when alone
    assert file_stem("reception +20%") == "reception_plus20pct"
    assert unique_stems(SIBLINGS) == stems  # deterministic


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=12))
def test_any_names_get_distinct_portable_stems(names):
    _check(unique_stems(names), list(dict.fromkeys(names)))


def test_factor_stems_tell_factors_apart():
    f1 = "staffing.multiplier.reception"
    f2 = "staffing.multiplier_by_unit_type.phường.reception"
    stems = plots.factor_stems([f1, f2, "network.link_mbps"])
    assert stems["network.link_mbps"] == "link_mbps"  # the short name where it is unique
    assert len({s.lower() for s in stems.values()}) == 3
    assert plots.factor_stems(["a.b_c", "a.b.c", "a.b-c"]).keys() == {"a.b_c", "a.b.c", "a.b-c"}
    assert len(set(plots.factor_stems(["a.b_c", "a.b.c", "a_b.c"]).values())) == 3


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    return copy_cases(tmp_path_factory.mktemp("cases"))


def _plot(path: Path, **kw) -> list[Path]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Glyph ... missing from font"
        return plots.plot_dir(path, **kw)


def test_scenario_names_in_comparison_plots(cases, tmp_path):
    files = ["base7", "plus", "minus", "under", "dd", "dollar"]
    scns = [sim.load_scenario(cases / f"{f}.yaml") for f in files]
    scns[0] = scns[0].with_changes({"horizon.end": "2025-08-19"})
    scns[1:] = [s.with_changes({"horizon.end": "2025-08-19"}) for s in scns[1:]]
    cmp = sim.compare(scns, reps=2, seed=3)
    out = sim.write_comparison(cmp, tmp_path / "D")
    written = _plot(out, formats=("svg",))
    assert all(f.exists() for f in written)
    assert len({f.name for f in written}) == len(written)
    unit_files = [f for f in written if f.name.startswith("unit_differences_")]
    assert len(unit_files) == len(files) - 1  # one per scenario: none overwrites another
    for f, name in zip(sorted(unit_files), sorted(unit_files), strict=True):
        assert f.read_text(encoding="utf-8").count("<text") > 0, name
    backlog = (out / "plots" / "backlog.svg").read_text(encoding="utf-8")
    for name in ("_pooled", "Ba$$in", "budget $1M vs $2M", "reception +20%", "reception \u221220%"):
        assert f">{name}<" in backlog, name  # in the legend, drawn literally
    forest = (out / "plots" / "comparison_forest.svg").read_text(encoding="utf-8")
    assert ">Ba$$in<" in forest and ">budget $1M vs $2M<" in forest
    for f in unit_files:
        text = f.read_text(encoding="utf-8")
        assert "\\$" not in text


def test_sweep_factors_with_the_same_last_part(cases, tmp_path):
    res = sim.run_sweep(cases / "slug.yaml", tmp_path / "S", workers=1)
    assert len(res.points) == 4
    written = _plot(tmp_path / "S", formats=("png",))
    names = sorted(f.name for f in written)
    assert len(names) == 3 and len(set(names)) == 3, names  # two factors and their heatmap
    assert all(f.exists() for f in written)
