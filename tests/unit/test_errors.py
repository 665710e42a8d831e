"""One exception hierarchy: every kind of bad input is an InputError that the command line
turns into exit code 2 (one line, no traceback); anything else is an internal error."""

from __future__ import annotations

import pickle

import pytest

from sim import cli
from sim.bayes import BayesError
from sim.calibrate import CalibrationError, CalibrationFailed
from sim.errors import ArgumentError, InputError, ResultsFolderError, SimError
from sim.executors import SchedulerError, SerialExecutor, connect_scheduler, open_executor
from sim.outputs import OutputFolderError, prepare_folder
from sim.scenario import ScenarioError
from sim.screening import ScreeningError
from sim.sweep import SweepError, SweepStoreError, load_sweep

INPUT_ERRORS = [
    ArgumentError("--grid must be at least 2"),
    ResultsFolderError("missing: the folder is incomplete", "results/x"),
    OutputFolderError("holds files that are not a tthc-sim result"),
    SchedulerError("--scheduler: cannot connect", "tcp://nowhere:1"),
    ScenarioError("s.yaml", "staffing.availability", "must be at most 1"),
    SweepError("w.yaml", "factors", "at least one factor is needed"),
    SweepStoreError("out", "", "another sweep is writing to this folder"),
    CalibrationError("target 0.99 is not reached within bounds"),
    BayesError("calibration.priors: no parameters to fit"),
    ScreeningError("uncertain: no parameters to screen"),
]


@pytest.mark.parametrize("exc", INPUT_ERRORS, ids=lambda e: type(e).__name__)
def test_every_kind_of_bad_input_is_exit_2_with_one_line(exc, monkeypatch, capsys) -> None:
    assert isinstance(exc, InputError)

    def command(_args):
        raise exc

    monkeypatch.setitem(cli.COMMANDS, "validate", command)
    assert cli.main(["validate", "whatever.yaml"]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {exc}"]


@pytest.mark.parametrize("exc", INPUT_ERRORS, ids=lambda e: type(e).__name__)
def test_input_errors_survive_pickling(exc) -> None:
    """Errors raised in worker processes come back whole (type, file, field, message)."""
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc) and str(back) == str(exc)


def test_a_failed_calibration_is_not_bad_input() -> None:
    assert issubclass(CalibrationFailed, SimError)
    assert not issubclass(CalibrationFailed, InputError)


def test_an_internal_error_keeps_its_traceback(monkeypatch) -> None:
    def command(_args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setitem(cli.COMMANDS, "validate", command)
    with pytest.raises(ZeroDivisionError):
        cli.main(["validate", "whatever.yaml"])


def test_a_library_error_is_named_by_its_file(monkeypatch, capsys) -> None:
    def command(_args):
        with cli._about("s.yaml"):
            raise BayesError("calibration.targets: no targets to fit to")

    monkeypatch.setitem(cli.COMMANDS, "validate", command)
    assert cli.main(["validate", "s.yaml"]) == 2
    assert capsys.readouterr().err == "error: s.yaml: calibration.targets: no targets to fit to\n"


def test_a_bad_sweep_file_is_a_sweep_error(tmp_path) -> None:
    f = tmp_path / "w.yaml"
    f.write_text("name: w\nbase: nowhere.yaml\nfactors: {run.reps: [1, 2]}\n", encoding="utf-8")
    with pytest.raises(SweepError, match="base"):
        load_sweep(f)


def test_a_folder_that_is_a_file_is_refused(tmp_path) -> None:
    f = tmp_path / "a_file"
    f.write_text("x", encoding="utf-8")
    with pytest.raises(ResultsFolderError, match="--out: is a file"):
        prepare_folder(f)
    with pytest.raises(ResultsFolderError, match="--plots-dir: is a file"):
        prepare_folder(f, option="--plots-dir")


def test_open_executor_closes_only_what_it_opened() -> None:
    closed = []

    class Lent(SerialExecutor):
        def close(self) -> None:
            closed.append(self)

    lent = Lent()
    with open_executor(4, None, lent) as ex:
        assert ex is lent
    assert closed == []
    with open_executor(1) as ex:
        assert isinstance(ex, SerialExecutor)


def test_an_unreachable_scheduler_is_bad_input() -> None:
    with (
        pytest.raises(SchedulerError, match="--scheduler: cannot connect"),
        connect_scheduler("http://127.0.0.1:1"),
    ):
        pass
    with connect_scheduler(None) as ex:
        assert ex is None
