"""Crash-safe output files and provenance manifests.

Every file is written to a temporary name in the same folder and renamed into place, so an
interrupted run never leaves a half-written file under its final name. ``manifest.json`` is
written last: a folder without it is not a finished result.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ResultsFolderError
from sim.stats import json_ready

MANIFEST = "manifest.json"
#: longest file-name part made from a name (before the disambiguating hash)
STEM_MAX = 48


def file_stem(name: str) -> str:
    """A portable file-name part for ``name``: ASCII letters, digits, ``_`` and ``-``.

    Vietnamese letters lose their marks (``Tiếp nhận`` -> ``Tiep_nhan``), ``+`` and ``%``
    become ``plus`` and ``pct``, dashes and the minus sign ``-``, anything else ``_`` (runs
    of ``_`` collapsed, none at either end). May be empty and may coincide for different
    names: :func:`unique_stems` makes file names of a set of names.
    """
    from sim.labels import ascii_text

    text = ascii_text(name.replace("+", "plus").replace("%", "pct"), unknown="_")
    text = re.sub(r"[^A-Za-z0-9_-]", "_", text)
    return re.sub(r"_+", "_", text).strip("_")


def _short_hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def unique_stems(names: Sequence[str], stem_of: Callable[[str], str] = file_stem) -> dict[str, str]:
    """File-name parts of ``names``, distinct even on a case-insensitive file system.

    A name keeps its plain :func:`file_stem` when no other name in the set has the same stem
    (ignoring case), the stem is not empty and not longer than :data:`STEM_MAX`; otherwise the
    (shortened) stem gets ``-`` and 8 hex digits of the SHA-256 of the name. The result is
    checked again for collisions, which get a counter. ``stem_of`` makes the plain stem of a
    name (default :func:`file_stem`); the hash is always of the name itself.

    Returns
    -------
    dict
        name -> stem, for every distinct name.
    """
    distinct = list(dict.fromkeys(names))
    base = {n: stem_of(n) for n in distinct}
    folded: dict[str, int] = {}
    for b in base.values():
        folded[b.lower()] = folded.get(b.lower(), 0) + 1
    out: dict[str, str] = {}
    taken: set[str] = set()
    for n in distinct:
        b = base[n]
        if not b or len(b) > STEM_MAX or folded[b.lower()] > 1:
            b = f"{b[:STEM_MAX]}-{_short_hash(n)}".lstrip("-")
        stem, k = b, 2
        while stem.lower() in taken:
            stem, k = f"{b}-{k}", k + 1
        taken.add(stem.lower())
        out[n] = stem
    return out


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
    """Write ``frame`` as CSV. Text holding a carriage return (which a reader takes for a
    line break unless it is quoted) makes every text field quoted."""
    import csv

    text = frame.select_dtypes(include=["object", "string"])
    has_cr = any(text[c].astype(str).str.contains("\r", regex=False).any() for c in text.columns)
    with atomic_open(path) as fh:
        frame.to_csv(fh, index=False, quoting=csv.QUOTE_NONNUMERIC if has_cr else csv.QUOTE_MINIMAL)


def write_json(data: Any, path: str | Path) -> None:
    """Strict JSON: undefined numbers are ``null`` (:func:`sim.stats.json_ready`)."""
    with atomic_open(path) as fh:
        json.dump(json_ready(data), fh, indent=2, ensure_ascii=False, allow_nan=False)
        fh.write("\n")


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def widen_schema(schema: pa.Schema) -> pa.Schema:
    """A schema every later batch of the same columns can be cast to.

    The first batch fixes a Parquet file's column types, and an empty batch fixes them too
    narrowly: a categorical column with no categories becomes ``dictionary<null>``, an object
    column with no values ``null``, and the codes of a categorical take the smallest integer
    that fits this batch's categories. Dictionary columns become ``dictionary<int32, string>``
    (values kept if already typed), and ``null`` columns become ``string``.
    """
    fields = []
    for field in schema:
        t = field.type
        if pa.types.is_dictionary(t):
            values = pa.string() if pa.types.is_null(t.value_type) else t.value_type
            t = pa.dictionary(pa.int32(), values, t.ordered)
        elif pa.types.is_null(t):
            t = pa.string()
        fields.append(field.with_type(t))
    return pa.schema(fields, metadata=schema.metadata)


class ParquetSink:
    """Append frames with the same columns to one Parquet file, renamed into place on close.

    Parameters
    ----------
    path
        The final file; rows go to a temporary file beside it until :meth:`close`.
    schema
        Arrow schema of every batch. Without it, the first batch's schema is taken, widened
        by :func:`widen_schema` so that an empty first batch (a replication that resolves
        nothing) does not fix the types of the columns it has no values for. Every batch is
        cast to the schema; a batch that cannot be cast raises ``pyarrow.ArrowInvalid``.
    """

    def __init__(self, path: str | Path, schema: pa.Schema | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        os.close(fd)
        self._tmp = Path(tmp)
        os.chmod(self._tmp, _mode_for(self.path))
        self._schema = schema
        self._writer: pq.ParquetWriter | None = None
        self.rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._schema is None:
            self._schema = widen_schema(table.schema)
        table = table.cast(self._schema)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._tmp, self._schema)
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


# ----------------------------------------------------------------------------- result folders

#: hidden record of a command writing into a folder (what it owns), removed when it finishes
UNFINISHED = ".tthc-sim.unfinished.tmp"
#: manifest kinds of the commands that write result folders
KINDS = ("run", "comparison", "sweep", "calibrate", "explain")
_STORE_MARK = "sweep.json"  # a sweep's store, even before its first manifest


class OutputFolderError(ResultsFolderError):
    """An output folder a command must not write into: it holds something else."""


def _record(folder: Path) -> dict[str, Any] | None:
    """The manifest (or the record of an unfinished command) of a result folder, else None."""
    for name in (MANIFEST, UNFINISHED):
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if isinstance(data, dict) and data.get("kind") in KINDS:
            return data
    if (folder / _STORE_MARK).is_file():
        return {"kind": "sweep"}
    return None


def _owned(folder: Path, record: dict[str, Any]) -> list[str]:
    """Paths (relative to ``folder``) a result's record lists as its own files and plots."""
    names = [str(n) for key in ("files", "plots") for n in record.get(key) or []]
    legacy = folder / "plots"
    if "plots" not in record and legacy.is_dir():  # plots of a manifest that did not list them
        names += [f"plots/{f.name}" for f in legacy.iterdir() if f.suffix in (".png", ".svg")]
    return names


def _inside(folder: Path, name: str) -> Path | None:
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        return None
    return folder / rel


def claim_folder(folder: str | Path, kind: str, keep: Sequence[str] = ()) -> None:
    """Make ``folder`` ready for a new result of ``kind``, or refuse it.

    An empty (or new) folder is taken as it is. A folder holding a tthc-sim result of the
    same kind (its ``manifest.json``, or the record of an unfinished command) is cleared of
    what that result lists as its own (``files`` and ``plots`` of the manifest, except
    ``keep`` and sub-folders such as a sweep's store): files of the older result never stay
    beside the new ones. Anything else in the folder is left alone. The manifest is removed
    first (the folder is incomplete until the command writes a new one), and a hidden record
    (:data:`UNFINISHED`) keeps what the folder owns until :func:`finish_folder`.

    Raises
    ------
    OutputFolderError
        If the folder holds files but no tthc-sim result, or a result of another kind.
    """
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    record = _record(d)
    visible = sorted(p.name for p in d.iterdir() if not p.name.startswith("."))
    if record is None:
        if visible:
            shown = ", ".join(visible[:3]) + (", ..." if len(visible) > 3 else "")
            raise OutputFolderError(
                f"holds files that are not a tthc-sim result ({shown}): "
                "use an empty or a new folder"
            )
        owned: list[str] = []
    elif record["kind"] != kind:
        raise OutputFolderError(
            f"holds a tthc-sim {record['kind']} result, not a {kind}: use another folder"
        )
    else:
        owned = _owned(d, record)
    write_json({"kind": kind, "files": owned}, d / UNFINISHED)
    (d / MANIFEST).unlink(missing_ok=True)
    parents = set()
    for name in owned:
        target = _inside(d, name)
        if name in keep or name.endswith("/") or target is None or target.name == UNFINISHED:
            continue
        if target.is_file() or target.is_symlink():
            target.unlink()
            parents.add(target.parent)
    for sub in (d, d / "plots"):
        for tmp in sub.glob(".*.tmp") if sub.is_dir() else ():
            if tmp.name == UNFINISHED:
                continue
            if tmp.is_dir() and not tmp.is_symlink():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink(missing_ok=True)
    for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        if parent != d and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()


def prepare_folder(
    path: str | Path,
    kind: str | None = None,
    keep: Sequence[str] = (),
    *,
    option: str = "--out",
    incomplete: bool = False,
) -> Path:
    """Create an output folder up front, so that a bad path fails before any work is done.

    Parameters
    ----------
    path
        The folder (created with its parents).
    kind
        If given, the folder is claimed for a result of that kind (:func:`claim_folder`): the
        files of an older result of that kind are cleared, and a folder holding anything else
        is refused.
    keep
        With ``kind``: files of the older result that stay (a sweep's ``sweep.json``).
    option
        How the folder is named in error messages (the command-line option).
    incomplete
        Without ``kind``: remove the folder's ``manifest.json`` (the folder is incomplete
        until the command writes a new one).

    Raises
    ------
    ResultsFolderError
        If the path is a file, or the folder cannot be created or written into.
    OutputFolderError
        With ``kind``: if the folder holds something else (:func:`claim_folder`).
    """
    d = Path(path)
    if d.exists() and not d.is_dir():
        raise ResultsFolderError(f"{option}: is a file, not a folder", str(d))
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsFolderError(
            f"{option}: cannot create the folder ({exc.strerror})", str(d)
        ) from None
    if not os.access(d, os.W_OK | os.X_OK):
        raise ResultsFolderError(f"{option}: the folder is not writable", str(d))
    if kind is not None:
        try:
            claim_folder(d, kind, keep)
        except OutputFolderError as exc:
            raise OutputFolderError(f"{option}: {exc.message}", str(d)) from None
    elif incomplete:
        (d / MANIFEST).unlink(missing_ok=True)
    return d


def finish_folder(folder: str | Path) -> None:
    """Remove the record of an unfinished command: call after the manifest is written."""
    (Path(folder) / UNFINISHED).unlink(missing_ok=True)


def record_plots(folder: str | Path, plots: Sequence[Path]) -> None:
    """Add plot files inside ``folder`` to its manifest's ``plots`` (rewritten atomically, after
    the plots: the manifest vouches for them, and a later result in the folder clears them)."""
    d = Path(folder)
    path = d / MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        return
    root = d.resolve()
    names = list(data.get("plots") or [])
    for p in plots:
        try:
            rel = Path(p).resolve().relative_to(root).as_posix()
        except ValueError:  # plotted elsewhere (--plots-dir): not the folder's
            continue
        if rel not in names:
            names.append(rel)
    data["plots"] = names
    write_json(data, path)


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


def command_line() -> str:
    """The command as the user would type it again: ``tthc-sim ...`` also when it was run as
    ``python -m sim ...`` (whose ``sys.argv[0]`` is the full path of ``sim/__main__.py``)."""
    argv = list(sys.argv)
    if argv and Path(argv[0]).name == "__main__.py" and Path(argv[0]).parent.name == "sim":
        argv[0] = "tthc-sim"
    return " ".join(argv)


def manifest(kind: str, **fields: Any) -> dict[str, Any]:
    """A provenance record: what was run, with which seeds and software, and how long it took."""
    return {
        "kind": kind,
        "command": command_line(),
        "created": pd.Timestamp.now(tz="UTC").isoformat(),
        "git_revision": _git_revision(),
        "versions": versions(),
        **fields,
    }
