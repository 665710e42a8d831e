"""The planner's workbench without its web page: scenarios, what-ifs, safe uploads, runs.

Everything the web page does that is not drawing widgets lives here, so it is tested
without a browser:

- the scenarios of the served folder and the safe reading of an uploaded scenario (size
  limit, the project's YAML loader, ``extends`` only to files of the served folder);
- a *what-if*: a source scenario (a file of the folder, or an upload) plus changes given as
  dotted field paths, validated by the project's scenario loader (the same messages as the
  command line) and written back as YAML that ``extends`` its reference;
- a :class:`Runner` shared by all browser sessions: comparisons run in a background thread
  on one shared process pool (so concurrent runs queue to the cores and the page stays
  responsive), with progress, cancel, and a cache of finished comparisons keyed by a hash of
  the resolved scenarios, the seed and the replications.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import io
import json
import multiprocessing
import os
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import yaml

from sim.comparison import Comparison, compare, unique_labels
from sim.executors import default_workers
from sim.results import t_interval
from sim.scenario import (
    Scenario,
    ScenarioError,
    deep_merge,
    load_raw,
    read_yaml_mapping,
    scenario_from_dict,
    set_path,
)

#: Largest accepted upload (bytes). The shipped baseline is about 20 KB.
MAX_UPLOAD_BYTES = 256 * 1024
#: Fewest replications a comparison may use (an interval needs at least two; three is the
#: fewest with a usable t-quantile).
MIN_REPS = 3
#: Most replications one request may ask for.
MAX_REPS = 200
#: Finished comparisons kept in memory for identical requests.
CACHE_SIZE = 32
#: Environment variables read by the web page (set by ``tthc-sim app``).
ENV_SCENARIOS = "TTHC_SIM_SCENARIOS"
ENV_SWEEPS = "TTHC_SIM_SWEEPS"
ENV_WORKERS = "TTHC_SIM_APP_WORKERS"


# ----------------------------------------------------------------------------- sources


def scenario_files(folder: str | Path) -> list[str]:
    """Scenario files of ``folder`` (and its subfolders) as relative POSIX paths, sorted.

    Sweep files (with ``factors``) and files that are not YAML mappings are left out.
    """
    root = Path(folder)
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in sorted(root.rglob("*.yaml")))
    return list(_scenario_files(root, stamp))


@functools.lru_cache(maxsize=8)
def _scenario_files(root: Path, stamp: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    out = []
    for p in (Path(name) for name, _ in stamp):
        try:
            data = read_yaml_mapping(p)
        except ScenarioError:
            continue
        if "factors" in data or not ("name" in data or "extends" in data):
            continue
        out.append(p.relative_to(root).as_posix())
    return tuple(out)


def resolve_in_folder(folder: str | Path, name: Any, source: str, field_path: str) -> Path:
    """The file ``name`` (a relative path) inside ``folder``, or a ScenarioError.

    Absolute paths, ``..`` components and paths leading outside the folder (also through a
    symbolic link) are refused.
    """
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(source, field_path, "must be a file name")
    text = name.strip().replace("\\", "/")
    rel = PurePosixPath(text)
    if rel.is_absolute() or text.startswith("~") or (len(text) > 1 and text[1] == ":"):
        raise ScenarioError(
            source, field_path, f"{name!r}: only scenarios of the served folder may be named"
        )
    if ".." in rel.parts:
        raise ScenarioError(source, field_path, f"{name!r}: '..' is not allowed in a file name")
    root = Path(folder).resolve()
    path = (root / rel).resolve()
    if not path.is_relative_to(root):
        raise ScenarioError(source, field_path, f"{name!r} lies outside the served folder")
    if not path.is_file():
        raise ScenarioError(source, field_path, f"no scenario {name!r} in the served folder")
    return path


@dataclass(frozen=True)
class Source:
    """Where a what-if starts: a file of the served folder, or an uploaded mapping.

    ``base`` is a path relative to the served folder (or None for a self-contained upload);
    ``own`` is the upload's mapping without its ``extends`` (empty for a served file).
    """

    label: str
    base: str | None
    own: Mapping[str, Any] = field(default_factory=dict)


def served_source(folder: str | Path, rel: str) -> Source:
    """A scenario file of the served folder as a source (checked like an upload's extends)."""
    resolve_in_folder(folder, rel, rel, "scenario")
    return Source(label=rel, base=rel, own={})


def read_upload(data: bytes, folder: str | Path, filename: str = "upload.yaml") -> Source:
    """Check an uploaded scenario and return it as a source; ScenarioError if refused.

    The text is read by the project's YAML loader (safe: tags such as ``!!python/object``
    are refused, nothing is executed, alias bombs are refused), must be at most
    ``MAX_UPLOAD_BYTES``, and its ``extends`` may only name a scenario of the served folder.
    The merged scenario is validated like any scenario file.
    """
    name = PurePosixPath(filename.replace("\\", "/")).name or "upload.yaml"
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError(
            name, "", f"upload of {len(data):,} bytes is over the limit of {MAX_UPLOAD_BYTES:,}"
        )
    with tempfile.TemporaryDirectory(prefix="tthc-upload-") as tmp:
        path = Path(tmp) / "upload.yaml"
        path.write_bytes(data)
        raw = read_yaml_mapping(path, source=name)
    parent = raw.pop("extends", None)
    base = None
    if parent is not None:
        resolve_in_folder(folder, parent, name, "extends")
        base = str(parent).strip().replace("\\", "/")
    src = Source(label=name, base=base, own=raw)
    reference(folder, src)  # validates the merged scenario
    return src


def source_raw(folder: str | Path, src: Source) -> dict[str, Any]:
    """The source's mapping with its ``extends`` chain merged in."""
    if src.base is None:
        return copy.deepcopy(dict(src.own))
    path = resolve_in_folder(folder, src.base, src.label, "extends")
    return deep_merge(load_raw(path), src.own)


def reference(folder: str | Path, src: Source) -> Scenario:
    """The validated reference scenario of a source (kept while the folder is unchanged)."""
    key = json.dumps([_stamp(folder), src.label, src.base, src.own], sort_keys=True, default=str)
    hit = _REFERENCES.get(key)
    if hit is None:
        hit = scenario_from_dict(source_raw(folder, src), src.label)
        _REFERENCES[key] = hit
        while len(_REFERENCES) > 16:
            _REFERENCES.pop(next(iter(_REFERENCES)))
    return hit


_REFERENCES: dict[str, Scenario] = {}


def _stamp(folder: str | Path) -> tuple[str, tuple[tuple[str, int], ...]]:
    """The folder and the modification times of its YAML files (a cache key)."""
    root = Path(folder)
    return str(root), tuple((str(p), p.stat().st_mtime_ns) for p in sorted(root.rglob("*.yaml")))


# ----------------------------------------------------------------------------- what-ifs


def _plain(value: Any) -> Any:
    """Change values as YAML-friendly data (dates and times as ISO text)."""
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return value.item()
    return value


def nest(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted changes ``{"a.b": 1}`` as a nested mapping ``{"a": {"b": 1}}``."""
    out: dict[str, Any] = {}
    for path, value in changes.items():
        set_path(out, path, _plain(value), "changes")
    return out


_SCENARIOS: dict[str, tuple[Scenario, Scenario]] = {}


@dataclass(frozen=True)
class WhatIf:
    """A source scenario, changes by dotted path, and the run settings of the comparison."""

    source: Source
    changes: Mapping[str, Any]
    name: str
    reps: int
    seed: int

    def raw(self, folder: str | Path) -> dict[str, Any]:
        """The what-if's resolved mapping (its reference's with the changes applied)."""
        raw = source_raw(folder, self.source)
        for path, value in self.changes.items():
            set_path(raw, path, _plain(value), self.name)
        raw["name"] = self.name
        raw.setdefault("run", {})
        raw["run"] = {**(raw["run"] or {}), "reps": self.reps, "seed": self.seed}
        return raw

    def scenarios(self, folder: str | Path) -> tuple[Scenario, Scenario]:
        """(reference, what-if), both validated; ScenarioError names the field that is wrong.

        Kept for recent identical what-ifs while no scenario file of the folder changes (the
        page asks again at every redraw).
        """
        key = json.dumps(
            [
                _stamp(folder),
                self.source.label,
                self.source.base,
                self.source.own,
                _plain(self.changes),
                self.name,
                self.reps,
                self.seed,
            ],
            sort_keys=True,
            default=str,
        )
        hit = _SCENARIOS.get(key)
        if hit is None:
            ref = reference(folder, self.source)
            hit = (ref, scenario_from_dict(self.raw(folder), self.name))
            _SCENARIOS[key] = hit
            while len(_SCENARIOS) > 64:
                _SCENARIOS.pop(next(iter(_SCENARIOS)))
        return hit

    def to_yaml(self) -> str:
        """The what-if as a scenario file that ``extends`` its reference.

        Saved in the served folder, ``tthc-sim run`` on it reproduces the what-if's numbers
        (same seed and replications). A self-contained upload is written out in full.
        """
        body = deep_merge(dict(self.source.own), nest(self.changes))
        body.pop("name", None)
        body["run"] = {**(body.get("run") or {}), "reps": self.reps, "seed": self.seed}
        doc: dict[str, Any] = {}
        if self.source.base is not None:
            doc["extends"] = self.source.base
        doc["name"] = self.name
        doc.update(body)
        header = (
            "# What-if made with the tthc-sim workbench. Save it in the scenarios folder\n"
            "# (the one given to `tthc-sim app --scenarios`), then: tthc-sim run <file>\n"
        )
        return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def request_key(ref: Scenario, other: Scenario, reps: int, seed: int) -> str:
    """Hash of a comparison request: both resolved scenarios, the seed and replications."""
    from sim import __version__

    text = json.dumps(
        {
            "reference": ref.to_dict(),
            "scenario": other.to_dict(),
            "reps": reps,
            "seed": seed,
            "version": __version__,
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------------- runs


class Cancelled(Exception):
    """A comparison stopped by the planner."""


@dataclass
class Job:
    """One comparison request; its state is read by the page while the thread runs it."""

    key: str
    total: int
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    done: int = 0
    status: str = "queued"  # queued, running, done, cancelled, error
    cached: bool = False
    error: str | None = None
    result: Comparison | None = None
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)

    @property
    def progress(self) -> float:
        """Share of the replications finished, in [0, 1]."""
        return 1.0 if self.total <= 0 else min(1.0, self.done / self.total)

    @property
    def running(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def seconds(self) -> float:
        """Wall-clock seconds from the request to its end (or until now)."""
        return (self.finished or time.perf_counter()) - self.started

    def cancel(self) -> None:
        self.cancel_event.set()


class _JobExecutor:
    """An :class:`sim.executors.Executor` on the runner's shared pool, for one job.

    Keeps a few tasks in flight (so several jobs share the cores), counts finished
    replications and stops at a cancel. Never closes the shared pool.
    """

    def __init__(self, pool: ProcessPoolExecutor, workers: int, job: Job) -> None:
        self._pool = pool
        self.workers = workers
        self._job = job

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        pending: dict[Future[Any], int] = {}
        it = iter(enumerate(tasks))
        try:
            for i, task in it:
                pending[self._pool.submit(fn, task)] = i
                if len(pending) >= self.workers:
                    break
            while pending:
                done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                if self._job.cancel_event.is_set():
                    raise Cancelled()
                for fut in done:
                    i = pending.pop(fut)
                    exc = fut.exception()
                    self._job.done += 1
                    yield i, (exc if exc is not None else fut.result())
                    nxt = next(it, None)
                    if nxt is not None:
                        pending[self._pool.submit(fn, nxt[1])] = nxt[0]
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        pass


def _warm_up() -> None:
    """Import the model in a worker process (the first task of each worker)."""
    import sim.experiment  # noqa: F401


class Runner:
    """Runs comparisons for every browser session of the app, one process pool for all.

    Parameters
    ----------
    workers
        Worker processes of the pool (default: all cores this process may use). Requests
        from several sessions queue to these.
    cache_size
        Finished comparisons kept for identical requests (same resolved scenarios, seed and
        replications).
    """

    def __init__(self, workers: int | None = None, cache_size: int = CACHE_SIZE) -> None:
        self.workers = workers if workers and workers > 0 else default_workers()
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Comparison] = OrderedDict()
        self._cache_size = cache_size
        self._running: dict[str, Job] = {}
        self._warmed = False
        self._outputs: OrderedDict[tuple[str, str], dict[str, bytes]] = OrderedDict()

    def _get_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
                )
            return self._pool

    def warm(self) -> None:
        """Start the worker processes now (they import the model), not at the first run."""
        pool = self._get_pool()
        with self._lock:
            if self._warmed:
                return
            self._warmed = True
        for _ in range(self.workers):
            pool.submit(_warm_up)

    def outputs(self, key: str, cmp: Comparison, lang: str) -> dict[str, bytes]:
        """PNG plots and the Excel workbook of a comparison, drawn in a worker process.

        Drawing takes seconds of CPU; done in the pool it does not hold up the server. Kept
        for the last few (request, language) pairs.
        """
        with self._lock:
            hit = self._outputs.get((key, lang))
        if hit is not None:
            return hit
        out: dict[str, bytes] = self._get_pool().submit(render_outputs, cmp, lang).result()
        with self._lock:
            self._outputs[(key, lang)] = out
            while len(self._outputs) > 8:
                self._outputs.popitem(last=False)
        return out

    def cached(self, key: str) -> Comparison | None:
        with self._lock:
            return self._cache.get(key)

    def submit(self, ref: Scenario, other: Scenario, reps: int, seed: int) -> Job:
        """Start (or reuse) the comparison of ``other`` with ``ref``; returns at once."""
        key = request_key(ref, other, reps, seed)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                job = Job(key=key, total=2 * reps, done=2 * reps, status="done", cached=True)
                job.result, job.finished = hit, job.started
                return job
            same = self._running.get(key)
            if same is not None and not same.cancel_event.is_set():
                return same
            job = Job(key=key, total=2 * reps)
            self._running[key] = job
        thread = threading.Thread(
            target=self._run, args=(job, ref, other, reps, seed), daemon=True, name="tthc-run"
        )
        thread.start()
        return job

    def _run(self, job: Job, ref: Scenario, other: Scenario, reps: int, seed: int) -> None:
        try:
            job.status = "running"
            ex = _JobExecutor(self._get_pool(), self.workers, job)
            labels = unique_labels([ref.name, other.name])
            cmp = compare([ref, other], reps, seed, labels=labels, executor=ex)
            with self._lock:
                self._cache[job.key] = cmp
                self._cache.move_to_end(job.key)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            job.result = cmp
            job.status = "done"
        except Cancelled:
            job.status = "cancelled"
        except Exception as exc:  # shown on the page; the app keeps serving
            job.error = f"{type(exc).__name__}: {exc}"
            job.status = "error"
        finally:
            job.finished = time.perf_counter()
            with self._lock:
                if self._running.get(job.key) is job:
                    del self._running[job.key]

    def close(self) -> None:
        """Stop the pool (running jobs are cancelled)."""
        with self._lock:
            jobs = list(self._running.values())
            pool, self._pool = self._pool, None
        for j in jobs:
            j.cancel()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_RUNNER: Runner | None = None
_RUNNER_LOCK = threading.Lock()


def get_runner() -> Runner:
    """The process-wide runner (workers from ``TTHC_SIM_APP_WORKERS``, default all cores)."""
    global _RUNNER
    with _RUNNER_LOCK:
        if _RUNNER is None:
            text = os.environ.get(ENV_WORKERS, "").strip()
            _RUNNER = Runner(int(text) if text.isdigit() else None)
        return _RUNNER


# ----------------------------------------------------------------------------- results


def headline(cmp: Comparison) -> dict[str, float]:
    """On-time rates of both scenarios with 95% intervals and the paired difference.

    Keys: ``ref``, ``ref_low``, ``ref_high``, ``other``, ``other_low``, ``other_high``
    (shares in [0, 1]; interval ends clipped to [0, 1]), ``diff``, ``diff_low``,
    ``diff_high`` (scenario minus reference, shares; NaN when undefined).
    """
    out: dict[str, float] = {}
    for key, res in (("ref", cmp.results[0]), ("other", cmp.results[1])):
        m, lo, hi = t_interval(res.replications["on_time_rate"])
        out[key], out[f"{key}_low"], out[f"{key}_high"] = m, _clip(lo), _clip(hi)
    d = cmp.differences(["on_time_rate"])
    row = d.iloc[0] if len(d) else None
    out["diff"] = float(row["difference"]) if row is not None else float("nan")
    out["diff_low"] = float(row["paired_ci95_low"]) if row is not None else float("nan")
    out["diff_high"] = float(row["paired_ci95_high"]) if row is not None else float("nan")
    return out


def _clip(x: float) -> float:
    return x if x != x else min(1.0, max(0.0, x))  # NaN stays NaN


def unit_comparison(cmp: Comparison) -> pd.DataFrame:
    """One row per simulated unit: code, name (Vietnamese), type, on-time rate of the
    reference and of the scenario (shares), their paired difference with its 95% interval."""
    ref = cmp.results[0].unit_table().set_index("code")
    other = cmp.results[1].unit_table().set_index("code")
    diffs = cmp.unit_differences(("on_time_rate",)).set_index("code")
    out = pd.DataFrame(
        {
            "code": ref.index,
            "name": ref["name"].to_numpy(),
            "type": ref["type"].to_numpy(),
            "reference": ref["on_time_rate"].to_numpy(),
            "scenario": other["on_time_rate"].reindex(ref.index).to_numpy(),
        }
    )
    for col in ("difference", "paired_ci95_low", "paired_ci95_high"):
        out[col] = diffs[col].reindex(ref.index).to_numpy() if len(diffs) else float("nan")
    return out


def month_comparison(cmp: Comparison) -> pd.DataFrame:
    """On-time rate by month of resolution: month, scenario (label), on_time_rate, ci95 ends."""
    frames = []
    for label, res in zip(cmp.labels, cmp.results, strict=True):
        t = res.group_table("months")
        if len(t):
            t = t.assign(scenario=label)
            t["ci95_low"] = t["ci95_low"].clip(0.0, 1.0)
            t["ci95_high"] = t["ci95_high"].clip(0.0, 1.0)
            frames.append(t)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def cause_comparison(cmp: Comparison) -> pd.DataFrame:
    """Late dossiers per replication by cause: cause, scenario (label), late_per_rep, share."""
    return pd.concat(
        [
            r.cause_table().assign(scenario=lab)
            for lab, r in zip(cmp.labels, cmp.results, strict=True)
        ],
        ignore_index=True,
    )


def figures(cmp: Comparison, lang: str) -> dict[str, Any]:
    """The comparison's plots from :mod:`sim.plots` (matplotlib figures), by file stem."""
    from sim import plots

    backlog = pd.concat(
        [r.backlog.assign(scenario=lab) for lab, r in zip(cmp.labels, cmp.results, strict=True)],
        ignore_index=True,
    )
    figs: dict[str, Any] = {
        "forest": plots.forest(cmp.differences(), lang=lang),
        "unit_differences": plots.unit_forest(cmp.unit_differences(("on_time_rate",)), lang=lang),
        "unit_on_time": plots.unit_rates(cmp.results[1].unit_table(), lang=lang, reps=cmp.reps),
        "backlog": plots.backlog(backlog, lang=lang),
    }
    return figs


def render_outputs(cmp: Comparison, lang: str) -> dict[str, bytes]:
    """The plots of :func:`figures` as PNG bytes (``<stem>.png``) and the Excel workbook
    of the comparison (``results.xlsx``, :func:`sim.workbook.build_comparison_workbook`)."""
    from sim import workbook

    out = {f"{k}.png": png_bytes(f) for k, f in figures(cmp, lang).items()}
    out["results.xlsx"] = workbook.workbook_bytes(
        workbook.build_comparison_workbook(cmp, lang=lang)
    )
    return out


def png_bytes(fig: Any) -> bytes:
    """A matplotlib figure as PNG bytes (130 dpi, as :func:`sim.plots.save`)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130)
    return buf.getvalue()


def pct(x: float, digits: int = 2) -> str:
    """A share as a percentage text (``0.98765`` -> ``98.77%``); ``n/a`` when undefined."""
    return "n/a" if x is None or x != x else f"{100 * x:.{digits}f}%"


def pp(x: float, digits: int = 2) -> str:
    """A difference of shares in signed percentage points (``0.0123`` -> ``+1.23``)."""
    return "n/a" if x is None or x != x else f"{100 * x:+.{digits}f}"


__all__ = [
    "MAX_REPS",
    "MAX_UPLOAD_BYTES",
    "MIN_REPS",
    "Cancelled",
    "Job",
    "Runner",
    "Source",
    "WhatIf",
    "cause_comparison",
    "figures",
    "get_runner",
    "headline",
    "month_comparison",
    "nest",
    "pct",
    "png_bytes",
    "pp",
    "read_upload",
    "reference",
    "request_key",
    "resolve_in_folder",
    "scenario_files",
    "served_source",
    "unit_comparison",
]


def summary_html(cmp: Comparison, whatif: WhatIf, lang: str, images: Mapping[str, bytes]) -> str:
    """A printable one-page summary (HTML with the plots embedded as PNG).

    Holds the reference and the changed scenario, the changes, the on-time rates with their
    95% intervals, the paired difference, and the given plots.
    """
    import base64
    import html

    from sim.labels import label

    h = headline(cmp)

    def esc(x: Any) -> str:
        return html.escape(str(x))

    changes = (
        "".join(
            f"<li><code>{esc(k)}</code> = <code>{esc(_plain(v))}</code></li>"
            for k, v in whatif.changes.items()
        )
        or f"<li>{esc(label('app_no_changes', lang))}</li>"
    )
    rows = "".join(
        f"<tr><td>{esc(name)}</td><td>{pct(h[k])}</td>"
        f"<td>{pct(h[k + '_low'])} – {pct(h[k + '_high'])}</td></tr>"
        for name, k in ((cmp.labels[0], "ref"), (cmp.labels[1], "other"))
    )
    diff = (
        f"<p><b>{esc(label('app_difference', lang))}:</b> {pp(h['diff'])} "
        f"({esc(label('app_ci', lang, low=pp(h['diff_low']), high=pp(h['diff_high'])))})</p>"
    )
    imgs = "".join(
        f'<img alt="{esc(k)}" src="data:image/png;base64,{base64.b64encode(v).decode()}">'
        for k, v in images.items()
    )
    title = esc(label("app_summary_title", lang))
    took = esc(label("app_took", lang, reps=cmp.reps, seed=cmp.seed, seconds=cmp.wall_seconds))
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font-family: sans-serif; font-size: 10pt; max-width: 190mm; margin: auto; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #999; padding: 2px 6px; }}
img {{ width: 48%; }}
</style></head><body>
<h1>{title}: {esc(cmp.labels[1])}</h1>
<p>{esc(label("app_reference", lang, name=cmp.labels[0]))} · {took}</p>
<h2>{esc(label("app_summary_changes", lang))}</h2><ul>{changes}</ul>
<table><tr><th>{esc(label("scenario", lang))}</th><th>{esc(label("on_time_rate", lang))}</th>
<th>{esc(label("ci95", lang))}</th></tr>{rows}</table>
{diff}
<div>{imgs}</div>
</body></html>
"""
