"""Crash-safe output files and provenance manifests.

Every file is written to a temporary name in the same folder and renamed into place, so an
interrupted run never leaves a half-written file under its final name. ``manifest.json`` is
written last: a folder without it is not a finished result.
"""

from __future__ import annotations

import json
import os
import platform
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.stats import json_ready

MANIFEST = "manifest.json"


def _mode_for(target: Path) -> int:
    """Permissions a replaced file keeps, or those a plain ``open`` would give a new one
    (``mkstemp`` makes owner-only files)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0o022)  # the only way to read it
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it into place on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        os.chmod(tmp_path, _mode_for(target))
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    with atomic_path(path) as tmp, open(tmp, mode, encoding=None if "b" in mode else "utf-8") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    with atomic_open(path) as fh:
        frame.to_csv(fh, index=False)


def write_json(data: Any, path: str | Path) -> None:
    """Strict JSON: undefined numbers are ``null`` (:func:`sim.stats.json_ready`)."""
    with atomic_open(path) as fh:
        json.dump(json_ready(data), fh, indent=2, ensure_ascii=False, allow_nan=False)
        fh.write("\n")


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


class ParquetSink:
    """Append frames with the same columns to one Parquet file, renamed into place on close."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        os.close(fd)
        self._tmp = Path(tmp)
        os.chmod(self._tmp, _mode_for(self.path))
        self._writer: pq.ParquetWriter | None = None
        self.rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._tmp, table.schema)
        else:
            table = table.cast(self._writer.schema)
        self._writer.write_table(table)
        self.rows += len(frame)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            os.replace(self._tmp, self.path)
        self.discard()

    def discard(self) -> None:
        if self._tmp.exists():
            self._tmp.unlink()


def _git_revision() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    rev = out.stdout.strip()
    if out.returncode != 0 or not rev:
        return None
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=here,
        capture_output=True,
        text=True,
        timeout=5,
    )
    return rev + ("-dirty" if dirty.stdout.strip() else "")


def versions() -> dict[str, str]:
    """Versions of the interpreter and of the packages that shape the numbers."""
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for pkg in ("tthc-sim", "simpy", "numpy", "pandas", "scipy", "pydantic", "pyarrow"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def manifest(kind: str, **fields: Any) -> dict[str, Any]:
    """A provenance record: what was run, with which seeds and software, and how long it took."""
    return {
        "kind": kind,
        "command": " ".join(sys.argv),
        "created": pd.Timestamp.now(tz="UTC").isoformat(),
        "git_revision": _git_revision(),
        "versions": versions(),
        **fields,
    }
