"""The real command in a subprocess, shared by the CLI, crash-safety and corpus tests.

``tests/`` is on ``sys.path`` for the tests (``pythonpath`` in pyproject.toml), so test modules
in every tier import this as ``clitools``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tthc_command() -> list[str]:
    """The installed console command, or the module when the script is not on disk."""
    script = Path(sys.executable).parent / "tthc-sim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def tthc(
    *args: str, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGS`` from the repository root (or ``cwd``), output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=timeout,
    )


def kill_when(
    args: Sequence[str], ready: Callable[[], bool], stderr_path: Path, timeout: float = 120
) -> int:
    """Start ``tthc-sim ARGS``; SIGKILL it with its workers as soon as ``ready()`` holds.

    Fails if the command finished before it could be killed (stderr is in ``stderr_path``).
    Returns the exit status (``-SIGKILL``).
    """
    with stderr_path.open("w") as err_file:
        proc = subprocess.Popen(
            [*tthc_command(), *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err_file,
            start_new_session=True,  # its own process group: workers die with it
        )
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and proc.poll() is None and not ready():
                time.sleep(0.02)
            assert proc.poll() is None, f"finished before the kill: {stderr_path.read_text()}"
            os.killpg(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    return proc.returncode
