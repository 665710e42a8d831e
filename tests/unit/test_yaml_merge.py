"""YAML merge keys (``<<: *anchor``) work as the YAML merge type says, and the duplicate-key
guard neither breaks them nor lets a duplicate through.

The reference for what a merge means is ruamel.yaml's pure-Python safe loader (a project
dependency), which follows the YAML 1.1 merge type: explicit keys override merged ones, and an
earlier mapping of a merge list overrides a later one. PyYAML's own flattening gets nested
merges wrong (a mapping merged after its own merges were flattened in place lets the merged
value win), so the project's loader expands merges itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import ruamel.yaml
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenario import load_scenario, parse_yaml

DATA = Path(__file__).resolve().parents[1] / "functional" / "data"


def spec_load(text: str):
    return ruamel.yaml.YAML(typ="safe", pure=True).load(text)


def test_merge_case_validates_and_equals_the_expanded_file():
    merged = load_scenario(DATA / "merge2.yaml")
    expanded = load_scenario(DATA / "merge2_expanded.yaml")
    assert merged == expanded
    assert merged.procedures["q"].deadline_working_days == 5
    assert merged.procedures["q"].share == 0.5


VALID = [
    # explicit keys override merged ones
    "a: &a {x: 1, y: 1}\nb:\n  <<: *a\n  y: 2\n",
    # a merge list: the first mapping listed wins
    "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n",
    # nested merges (PyYAML alone gives c.x == 1 here)
    "a: &a {x: 1}\nb: &b\n  <<: *a\n  x: 2\nc:\n  <<: *b\n  y: 3\n",
    "a: &a {x: 1}\nb: &b\n  <<: *a\n  x: 2\nc: &c\n  <<: [*b, *a]\n  y: 3\nd: {<<: *c, y: 4}\n",
    # an inline mapping merged, and a merge in flow style
    "c:\n  <<: {x: 1}\n  x: 2\n",
    "a: &a {x: 1}\nc: {<<: *a, y: 2}\n",
    # a quoted '<<' is an ordinary key
    "c: {'<<': 1, x: 2}\n",
]


@pytest.mark.parametrize("text", VALID)
def test_merges_follow_the_yaml_merge_type(text):
    assert parse_yaml(text) == spec_load(text)


DUPLICATES = [
    "c:\n  x: 1\n  x: 2\n",
    "a: &a {x: 1}\nc:\n  <<: *a\n  y: 1\n  y: 2\n",  # two explicit keys next to a merge
    "c:\n  <<: {x: 1, x: 2}\n",  # inside a mapping that is only merged
    "a: &a {x: 1}\nc:\n  <<: [*a, {q: 1, q: 2}]\n",  # inside a merge list
    "a: &a {x: 1}\nb: &b {y: 1}\nc:\n  <<: *a\n  <<: *b\n",  # the key << twice
    "a: &a {x: 1}\na: 2\n",
]


@pytest.mark.parametrize("text", DUPLICATES)
def test_duplicates_are_refused(text):
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key"):
        parse_yaml(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system [echo hi]\n",
        "a: &a {x: 1}\nb:\n  <<: *a\n  c: !!python/name:os.system ''\n",
        "c:\n  <<: !!python/object:collections.OrderedDict {}\n",
    ],
)
def test_python_tags_stay_refused(text):
    with pytest.raises(yaml.constructor.ConstructorError, match="could not determine"):
        parse_yaml(text)


def test_merge_needs_mappings():
    with pytest.raises(yaml.constructor.ConstructorError, match="takes a mapping"):
        parse_yaml("c:\n  <<: [1, 2]\n")


KEYS = st.sampled_from(["k", "m", "n", "p"])


@st.composite
def merge_documents(draw) -> str:
    """Anchored mappings, each possibly merging earlier ones, then one mapping merging some."""
    lines: list[str] = []
    names: list[str] = []
    for i in range(draw(st.integers(1, 4))):
        name = f"a{i}"
        lines.append(f"{name}: &{name}")
        if names and draw(st.booleans()):
            picked = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
            lines.append(
                "  <<: "
                + (
                    f"*{picked[0]}"
                    if len(picked) == 1
                    else "[" + ", ".join(f"*{p}" for p in picked) + "]"
                )
            )
        for key in draw(st.lists(KEYS, min_size=1, max_size=3, unique=True)):
            lines.append(f"  {key}: {draw(st.integers(0, 9))}")
        names.append(name)
    picked = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    lines.append("target:")
    lines.append("  <<: [" + ", ".join(f"*{p}" for p in picked) + "]")
    for key in draw(st.lists(KEYS, max_size=2, unique=True)):
        lines.append(f"  {key}: {draw(st.integers(10, 19))}")
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(merge_documents())
def test_any_merge_document_reads_as_the_yaml_merge_type_says(text):
    assert parse_yaml(text) == spec_load(text)
