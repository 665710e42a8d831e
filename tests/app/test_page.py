"""The workbench page with Streamlit's AppTest: choose, change, validate, run, results."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sim.app import core
from sim.comparison import compare
from sim.labels import label
from sim.scenario import ScenarioError, load_scenario

MAIN = Path(core.__file__).with_name("main.py")
RECEPTION = "tiny.yaml|staffing.by_unit_type.phường.reception"


@pytest.fixture
def app(served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv(core.ENV_SCENARIOS, str(served))
    monkeypatch.setenv(core.ENV_SWEEPS, str(tmp_path / "sweeps"))
    monkeypatch.setattr(core, "_RUNNER", core.Runner(workers=1))
    at = AppTest.from_file(str(MAIN), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    yield at
    assert core._RUNNER is not None
    core._RUNNER.close()


def _number(at: AppTest, key: str):  # type: ignore[no-untyped-def]
    return next(n for n in at.number_input if n.key == key)


def _choose_tiny(at: AppTest) -> None:
    at.selectbox(key="shipped").set_value("tiny.yaml").run()
    assert not at.exception, at.exception


def test_page_is_vietnamese_by_default_and_english_by_the_switch(app: AppTest) -> None:
    assert app.title[0].value == label("app_title", "vi")
    assert app.selectbox(key="shipped").value == "validation/quick.yaml"
    assert any(n.label == "Tiếp nhận (phường)" for n in app.number_input)
    app.toggle(key="english").set_value(True).run()
    assert app.title[0].value == label("app_title", "en")
    assert any(n.label == "Reception (phường)" for n in app.number_input)


def test_invalid_value_shows_the_command_line_message_and_blocks_the_run(
    app: AppTest, served: Path
) -> None:
    _choose_tiny(app)
    _number(app, RECEPTION).set_value(0).run()
    with pytest.raises(ScenarioError) as cli:
        load_scenario(served / "tiny.yaml", ["staffing.by_unit_type.phường.reception=0"])
    expected = f"{cli.value.path}: {cli.value.message}"
    errors = [e.value for e in app.error]
    assert any(expected in e for e in errors), errors
    assert label("app_invalid", "vi") in errors
    assert app.button(key="run").disabled
    _number(app, "tiny.yaml|staffing.availability").set_value(0.9).run()
    _number(app, RECEPTION).set_value(1).run()
    assert not app.error
    assert not app.button(key="run").disabled


def test_run_shows_the_comparison_of_the_changed_scenario(app: AppTest, served: Path) -> None:
    _choose_tiny(app)
    _number(app, RECEPTION).set_value(1).run()
    _number(app, "tiny.yaml|network.link_mbps").set_value(20.0).run()
    app.button(key="run").click().run()
    job = app.session_state["job"]
    deadline = time.monotonic() + 300
    while job.running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert job.status == "done", job.error
    app.run()
    assert not app.exception, app.exception
    ref = load_scenario(served / "tiny.yaml")
    other = load_scenario(
        served / "tiny.yaml",
        ["staffing.by_unit_type.phường.reception=1", "network.link_mbps=20", "name=tiny-whatif"],
    )
    h = core.headline(compare([ref, other], 3, 5))
    shown = [m.value for m in app.metric]
    assert shown == [core.pct(h["ref"]), core.pct(h["other"]), core.pp(h["diff"])]
    names = app.dataframe[0].value.iloc[:, 1].tolist()
    assert names == ["Đông Mai", "Hồng Gai"]
    assert len(app.tabs) == 6
    # the identical request again: stored results, no new run
    app.button(key="run").click().run()
    assert app.session_state["job"].cached
    assert [m.value for m in app.metric] == shown


def test_sweep_page_lists_a_store(app: AppTest, served: Path, tmp_path: Path) -> None:
    from sim.sweep import run_sweep

    spec = served / "sweep.yaml"
    spec.write_text(
        "name: mini\nbase: tiny.yaml\nfactors:\n  network.link_mbps: [20, 200]\n"
        "  staffing.multiplier.reception: [0.5, 1.0]\nreps: 1\nseed: 3\n",
        encoding="utf-8",
    )
    run_sweep(spec, tmp_path / "sweeps" / "mini", workers=1)
    app.sidebar.radio(key="page").set_value("sweeps").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="sweep_store").value == "mini"
    assert len(app.dataframe[0].value) == 4
