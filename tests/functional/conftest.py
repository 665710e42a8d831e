"""A real Dask cluster (scheduler + one worker on 127.0.0.1), shared by the tests that need it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dask_command() -> list[str]:
    exe = Path(sys.executable).parent / "dask"
    found = str(exe) if exe.exists() else shutil.which("dask")
    if found is None:
        pytest.skip("the dask command line is not installed")
    return [found]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `dask scheduler` and one single-threaded `dask worker` on 127.0.0.1 (its address).

    Session-scoped: started once for every test module that asks for it.
    """
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client

    dask = _dask_command()
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask")
    started: list[subprocess.Popen[bytes]] = []
    try:
        started.append(
            subprocess.Popen(
                [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                stdout=subprocess.DEVNULL,
                stderr=(logs / "scheduler.log").open("wb"),
                start_new_session=True,
            )
        )
        started.append(
            subprocess.Popen(
                [
                    *dask,
                    "worker",
                    address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--local-directory",
                    str(logs),
                ],
                stdout=subprocess.DEVNULL,
                stderr=(logs / "worker.log").open("wb"),
                start_new_session=True,
                cwd=logs,  # the worker imports sim from the installed package, not from here
            )
        )
        deadline = time.monotonic() + 60
        ready = False
        while time.monotonic() < deadline and not ready:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(1, timeout=30)
                    ready = True
            except (OSError, TimeoutError):
                time.sleep(0.5)
        if not ready:
            pytest.fail("Dask cluster did not start: " + (logs / "worker.log").read_text())
        yield address
    finally:
        for proc in reversed(started):
            _stop(proc)
