"""The exceptions the package raises on purpose, in one hierarchy.

::

    SimError                      anything raised on purpose by tthc-sim
    ├── InputError                bad input: the command line exits 2 with one ``error:`` line
    │   ├── ArgumentError         an argument that cannot be used (a command-line option, a value)
    │   ├── ResultsFolderError    a results folder that cannot be read or written into
    │   │   └── OutputFolderError     (sim.outputs) it holds something that is not ours
    │   ├── SchedulerError        (sim.executors) a Dask scheduler that cannot be reached
    │   ├── ScenarioError         (sim.scenario) a scenario file, with the field that is wrong
    │   │   └── SweepError        (sim.sweep) a sweep file, or a folder that cannot take it
    │   ├── CalibrationError      (sim.calibrate) the bisection cannot proceed
    │   ├── BayesError            (sim.bayes) the ABC-SMC calibration cannot proceed
    │   └── ScreeningError        (sim.screening) the Morris screening cannot proceed
    └── CalibrationFailed         (sim.calibrate) a fit that misses its target: exit 1

Anything else (``InvariantError`` of :mod:`sim.invariants` included) is an internal error: the
command line lets it through with its traceback (exit 1). The command line turns an
:class:`InputError` into exit code 2 in one place (:func:`sim.cli.main`).
"""

from __future__ import annotations

__all__ = ["ArgumentError", "InputError", "ResultsFolderError", "SimError"]


class SimError(Exception):
    """Base of every exception tthc-sim raises on purpose."""


class InputError(SimError):
    """Input that cannot be used: a file, a field, a folder or an argument.

    Parameters
    ----------
    message
        What is wrong, naming the field.
    source
        The file (or folder, or option) the message is about, if the message does not name
        it; shown first, as ``source: message``.
    """

    def __init__(self, message: str, source: str | None = None) -> None:
        self.message = message
        self.source = source
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str | None]]:
        return (type(self), (self.message, self.source))


class ArgumentError(InputError):
    """An argument that cannot be used (a command-line option or a function's parameter)."""


class ResultsFolderError(InputError):
    """A results folder that cannot be read (no manifest, missing or unreadable tables) or
    written into."""
