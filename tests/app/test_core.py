"""The workbench's logic without a browser: uploads, what-ifs, the runner and its cache."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sim.app import core
from sim.app.forms import FIELDS, annotation_at, field_spec
from sim.comparison import compare
from sim.scenario import ScenarioError, load_scenario


def _refused(data: bytes | str, served: Path, name: str = "up.yaml") -> ScenarioError:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with pytest.raises(ScenarioError) as info:
        core.read_upload(raw, served, name)
    return info.value


# ----------------------------------------------------------------------------- security


def test_upload_extending_an_absolute_path_is_refused(served: Path) -> None:
    err = _refused("extends: /etc/passwd\nname: x\n", served)
    assert err.path == "extends"
    assert "served folder" in err.message


def test_upload_extending_a_parent_folder_is_refused(served: Path) -> None:
    (served.parent / "x.yaml").write_text("name: outside\n", encoding="utf-8")
    for target in ("../x.yaml", "../../x.yaml", "validation/../../x.yaml"):
        err = _refused(f"extends: {target}\nname: x\n", served)
        assert err.path == "extends" and "'..'" in err.message, target


def test_upload_extending_through_a_link_out_of_the_folder_is_refused(served: Path) -> None:
    outside = served.parent / "outside.yaml"
    outside.write_text("name: outside\n", encoding="utf-8")
    (served / "link.yaml").symlink_to(outside)
    err = _refused("extends: link.yaml\nname: x\n", served)
    assert "outside the served folder" in err.message


def test_oversized_upload_is_refused(served: Path) -> None:
    text = "extends: tiny.yaml\nname: big\n" + "#" * core.MAX_UPLOAD_BYTES
    err = _refused(text, served)
    assert "over the limit" in err.message


@pytest.mark.parametrize(
    "text",
    [
        "extends: tiny.yaml\nname: !!python/object/apply:os.system ['touch {marker}']\n",
        "!!python/object/new:os.system ['touch {marker}']\n",
        "extends: tiny.yaml\nname: !!python/name:os.system\n",
    ],
)
def test_python_tags_are_refused_and_nothing_runs(served: Path, text: str) -> None:
    marker = served / "executed"
    err = _refused(text.format(marker=marker), served)
    assert "python" in err.message and "YAML" in err.message
    assert not marker.exists()


def test_upload_with_an_invalid_field_gives_the_loader_message(served: Path) -> None:
    err = _refused("extends: tiny.yaml\nname: x\nstaffing: {availability: 1.5}\n", served)
    assert err.source == "up.yaml"
    assert err.path == "staffing.availability"
    assert "less than or equal to 1" in err.message


def test_valid_upload_extends_a_served_scenario(served: Path) -> None:
    src = core.read_upload(b"extends: tiny.yaml\nname: up\nnetwork: {link_mbps: 20}\n", served)
    assert src.base == "tiny.yaml"
    ref = core.reference(served, src)
    assert ref.name == "up" and ref.network.link_mbps == 20
    assert ref.unit_codes() == ["QN09", "QN21"]


def test_served_scenario_outside_the_folder_is_refused(served: Path) -> None:
    with pytest.raises(ScenarioError):
        core.served_source(served, "../served/tiny.yaml")


# ----------------------------------------------------------------------------- what-ifs


def test_whatif_yaml_extends_its_reference_and_reproduces_the_scenario(served: Path) -> None:
    changes = {
        "staffing.by_unit_type.phường.reception": 3,
        "staffing.units.QN21.reception": 9,
        "supplements.clock_rule": "pause",
        "network.outages.windows": [{"start": "2025-08-19T08:00:00", "end": "2025-08-19T10:30:00"}],
    }
    w = core.WhatIf(core.served_source(served, "tiny.yaml"), changes, "tiny-whatif", 4, 9)
    _, other = w.scenarios(served)
    text = w.to_yaml()
    assert "extends: tiny.yaml" in text
    (served / "saved.yaml").write_text(text, encoding="utf-8")
    loaded = load_scenario(served / "saved.yaml")
    assert loaded.to_dict() == other.to_dict()
    assert (loaded.run.reps, loaded.run.seed) == (4, 9)
    assert loaded.staffing.units["QN21"]["reception"] == 9
    assert loaded.supplements.clock_rule == "pause"


def test_whatif_error_names_the_field_like_the_command_line(served: Path) -> None:
    from sim.cli import main

    w = core.WhatIf(
        core.served_source(served, "tiny.yaml"),
        {"staffing.by_unit_type.phường.reception": 0},
        "w",
        3,
        1,
    )
    with pytest.raises(ScenarioError) as info:
        w.scenarios(served)
    with pytest.raises(ScenarioError) as cli:
        load_scenario(served / "tiny.yaml", ["staffing.by_unit_type.phường.reception=0"])
    assert (info.value.path, info.value.message) == (cli.value.path, cli.value.message)
    assert (
        main(
            [
                "validate",
                str(served / "tiny.yaml"),
                "--set",
                "staffing.by_unit_type.phường.reception=0",
            ]
        )
        == 2
    )


def test_request_key_depends_on_scenario_seed_and_reps(served: Path) -> None:
    src = core.served_source(served, "tiny.yaml")
    ref, a = core.WhatIf(src, {"network.link_mbps": 50}, "w", 3, 1).scenarios(served)
    _, b = core.WhatIf(src, {"network.link_mbps": 60}, "w", 3, 1).scenarios(served)
    k = core.request_key(ref, a, 3, 1)
    assert k == core.request_key(ref, a, 3, 1)
    assert (
        len(
            {
                k,
                core.request_key(ref, b, 3, 1),
                core.request_key(ref, a, 4, 1),
                core.request_key(ref, a, 3, 2),
            }
        )
        == 4
    )


def test_scenario_files_lists_scenarios_not_sweeps(served: Path) -> None:
    (served / "sweep.yaml").write_text("name: s\nbase: tiny.yaml\nfactors: {a: [1]}\n")
    (served / "broken.yaml").write_text("name: [unclosed\n")
    assert core.scenario_files(served) == ["baseline.yaml", "tiny.yaml", "validation/quick.yaml"]


# ----------------------------------------------------------------------------- form schema


def test_form_fields_follow_the_schema() -> None:
    kinds = {f.path: f.kind for f in FIELDS}
    assert kinds["supplements.clock_rule"] == "choice"
    assert kinds["agencies.land_registration.min_staff"] == "int"
    assert kinds["network.link_mbps"] == "float"
    assert field_spec("x", "pooling.online_reception").choices == (
        "none",
        "former_district",
        "province",
    )
    assert annotation_at("staffing.by_unit_type.xã.reception") is int
    with pytest.raises(KeyError):
        annotation_at("staffing.no_such_field")


# ----------------------------------------------------------------------------- runner


def _wait(job: core.Job, timeout: float = 300) -> core.Job:
    deadline = time.monotonic() + timeout
    while job.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not job.running, "the run did not finish in time"
    return job


def test_runner_matches_compare_reuses_identical_requests_and_cancels(served: Path) -> None:
    src = core.served_source(served, "tiny.yaml")
    w = core.WhatIf(src, {"staffing.by_unit_type.phường.reception": 2}, "w", 3, 5)
    ref, other = w.scenarios(served)
    runner = core.Runner(workers=1)
    try:
        job = _wait(runner.submit(ref, other, 3, 5))
        assert job.status == "done", job.error
        assert job.done == job.total == 6 and job.progress == 1.0
        direct = compare([ref, other], 3, 5)
        assert job.result is not None
        for got, want in zip(job.result.results, direct.results, strict=True):
            assert list(got.replications["on_time_rate"]) == list(want.replications["on_time_rate"])
        h = core.headline(job.result)
        assert h["diff"] == pytest.approx(direct.differences(["on_time_rate"])["difference"][0])
        assert 0.0 <= h["ref_low"] <= h["ref"] <= h["ref_high"] <= 1.0

        again = runner.submit(ref, other, 3, 5)
        assert again.cached and again.result is job.result and not again.running

        slow = runner.submit(ref, other, 40, 6)
        slow.cancel()
        _wait(slow)
        assert slow.status == "cancelled"
        assert runner.cached(slow.key) is None
    finally:
        runner.close()


def test_summary_html_holds_the_numbers(served: Path) -> None:
    src = core.served_source(served, "tiny.yaml")
    w = core.WhatIf(src, {"network.link_mbps": 20}, "slow-links", 3, 5)
    ref, other = w.scenarios(served)
    cmp = compare([ref, other], 3, 5, labels=["tiny", "slow-links"])
    h = core.headline(cmp)
    html = core.summary_html(cmp, w, "vi", {"x": b"\x89PNG"})
    assert core.pct(h["other"]) in html and core.pp(h["diff"]) in html
    assert "network.link_mbps" in html and "data:image/png;base64," in html
    assert "Tỷ lệ đúng và trước hạn" in html
    units = core.unit_comparison(cmp)
    assert list(units["name"]) == ["Đông Mai", "Hồng Gai"]


# ----------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--scenarios", "{missing}"], "--scenarios: not a folder"),
        (["--scenarios", "{empty}"], "--scenarios: no scenario file"),
        (["--port", "0"], "--port"),
        (["--port", "70000"], "--port"),
    ],
)
def test_app_command_refuses_bad_arguments(
    args: list[str], field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.cli import main

    (tmp_path / "empty").mkdir()
    argv = [a.format(missing=tmp_path / "missing", empty=tmp_path / "empty") for a in args]
    try:
        code = main(["app", *argv])
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert field in err[-1] and "Traceback" not in "\n".join(err)
