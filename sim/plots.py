"""Plots of runs, comparisons and sweeps (matplotlib, Agg; PNG and SVG; English or Vietnamese).

Every function takes the pandas frames the library returns (or reads from an output folder)
and returns a :class:`matplotlib.figure.Figure`; nothing touches pyplot's global figure
state. :func:`plot_dir` recognises a run / comparison / sweep folder from its manifest and
writes the plots that fit it. SVG files keep their text as text, so unit names with
Vietnamese diacritics stay searchable.
"""

from __future__ import annotations

import itertools
import json
import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.labels import LABELS, label
from sim.outputs import file_stem, record_plots, unique_stems

FORMATS: tuple[str, ...] = ("png", "svg")
_TYPE_COLOURS = {"phường": "tab:blue", "xã": "tab:green", "đặc khu": "tab:orange"}


def _pct_axis(axis: Any) -> None:
    """Percent tick labels with as many decimals as the axis span needs (no repeated labels)."""
    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))


def _is_numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float | np.integer | np.floating) for v in values)


def _fmt(v: Any) -> str:
    if isinstance(v, float | np.floating):
        return f"{float(v):.4g}"
    return str(v)


def _wrap(text: str, width: int = 64) -> str:
    return textwrap.fill(text, width=width, break_long_words=False)


def _lit(text: object) -> str:
    """``text`` as matplotlib draws it literally: ``$`` escaped, so never read as mathtext.

    Every text that can hold user input (scenario, unit, procedure and factor names, factor
    levels) goes through this just before it is handed to matplotlib.
    """
    return str(text).replace("$", r"\$")


def _legend(target: Any, pairs: Sequence[tuple[Any, str]], **kw: Any) -> Any:
    """A legend of (handle, text) pairs given explicitly: matplotlib leaves out artists whose
    label starts with ``_`` when it collects them itself, so a scenario named ``_pooled``
    would vanish. Texts are drawn literally."""
    if "title" in kw and kw["title"] is not None:
        kw["title"] = _lit(kw["title"])
    return target.legend([h for h, _ in pairs], [_lit(t) for _, t in pairs], **kw)


def _clip01(x: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(x, dtype=float), 0.0, 1.0)


# ----------------------------------------------------------------------------- sweeps


def rate_vs_factor(
    points: pd.DataFrame,
    factor: str,
    *,
    by: Sequence[str] = (),
    kpi: str = "on_time_rate",
    connect: bool = True,
    lang: str = "en",
) -> Figure:
    """KPI (default on-time rate) against one factor, a line per combination of ``by``.

    ``points`` is the per-point summary (``SweepResults.points`` or ``points.csv``): factor
    columns, ``{kpi}``, ``{kpi}_ci95_low`` and ``{kpi}_ci95_high``. The band is the 95%
    interval of each point (a rate's band is drawn within 0-100%). With ``connect=False``
    (Latin hypercube points) each point is drawn with its interval as an error bar.
    """
    done = points[points[kpi].notna()] if kpi in points.columns else points.iloc[0:0]
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    by = [b for b in by if b != factor]
    groups = list(done.groupby(list(by), sort=True)) if by else [((), done)]
    xs_all = list(pd.unique(done[factor]))
    numeric = _is_numeric(xs_all)
    order = {v: i for i, v in enumerate(sorted(xs_all) if numeric else xs_all)}
    entries: list[tuple[Any, str]] = []
    for key, g in groups:
        if g[factor].duplicated().any():
            raise ValueError(f"points differ in factors other than {factor} and {list(by)}")
        g = g.sort_values(factor, key=lambda s: s.map(order))
        x = g[factor].to_numpy(dtype=float) if numeric else g[factor].map(order).to_numpy()
        y = g[kpi].to_numpy(dtype=float)
        lo = g[f"{kpi}_ci95_low"].to_numpy(dtype=float)
        hi = g[f"{kpi}_ci95_high"].to_numpy(dtype=float)
        if kpi == "on_time_rate":
            lo, hi = _clip01(lo), _clip01(hi)
        keys = key if isinstance(key, tuple) else (key,)
        if len(by) == 1:
            name = _fmt(keys[0])
        else:
            name = ", ".join(f"{_short(b)}={_fmt(v)}" for b, v in zip(by, keys, strict=True))
        band = np.where(np.isnan(lo), y, lo), np.where(np.isnan(hi), y, hi)
        if not connect:
            bars = ax.errorbar(x, y, yerr=[y - band[0], band[1] - y], fmt="o", capsize=2)
            entries.append((bars, label("mean", lang)))
            continue
        (line,) = ax.plot(x, y, marker="o")
        entries.append((line, name or label("mean", lang)))
        ax.fill_between(x, band[0], band[1], color=line.get_color(), alpha=0.15, linewidth=0)
    if not numeric:
        ax.set_xticks(range(len(order)), [_lit(_fmt(v)) for v in order])
    elif done[factor].nunique() <= 8:
        ax.set_xticks(sorted(float(v) for v in xs_all))
    ax.set_xlabel(_lit(label(factor, lang)))
    ax.set_ylabel(_lit(label(kpi, lang)))
    if kpi in ("on_time_rate", "utilisation_reception"):
        _pct_axis(ax.yaxis)
    ax.set_title(
        _lit(_wrap(label("title_rate_vs", lang, kpi=label(kpi, lang), factor=label(factor, lang))))
    )
    ax.grid(alpha=0.3)
    if connect:
        band_patch = ax.fill_between([], [], [], color="gray", alpha=0.2)
        entries.append((band_patch, label("ci95", lang)))
    _legend(
        ax,
        entries,
        title=_wrap(label(by[0], lang), 40) if len(by) == 1 else None,
        fontsize="small",
        title_fontsize="small",
        loc="best",
    )
    return fig


def _short(factor: str) -> str:
    return factor.split(".")[-1]


def heatmap(
    points: pd.DataFrame,
    x: str,
    y: str,
    *,
    facets: Sequence[str] = (),
    kpi: str = "on_time_rate",
    lang: str = "en",
) -> Figure:
    """Mean KPI (default on-time rate) over two factors; a panel per combination of ``facets``.

    A full grid gives a cell per combination (value printed in it); scattered points (a Latin
    hypercube) are drawn as coloured dots at their factor values.
    """
    done = points[points[kpi].notna()].copy()
    others = [c for c in facets if c not in (x, y)]
    panels = list(done.groupby(others, sort=True)) if others else [((), done)]
    n = max(1, len(panels))
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    width = 4.6 * ncols + 1.2
    fig = Figure(figsize=(width, 3.9 * nrows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    vmin = float(done[kpi].min()) if len(done) else 0.0
    vmax = float(done[kpi].max()) if len(done) else 1.0
    if vmin == vmax:
        vmin, vmax = vmin - 1e-3, vmax + 1e-3
    im: Any = None
    pct = kpi in ("on_time_rate", "utilisation_reception")
    # green = good: high on-time rates, low waits / late counts / utilisation
    cmap = "RdYlGn" if kpi == "on_time_rate" else "RdYlGn_r"
    for ax, (key, g) in zip(axes, panels, strict=False):
        xs = sorted(pd.unique(g[x]), key=_sort_key)
        ys = sorted(pd.unique(g[y]), key=_sort_key)
        is_grid = len(g) == len(xs) * len(ys) and len(g.drop_duplicates([x, y])) == len(g)
        if is_grid:
            grid = g.pivot_table(index=y, columns=x, values=kpi, aggfunc="mean")
            grid = grid.reindex(index=ys, columns=xs)
            im = ax.imshow(
                grid.to_numpy(dtype=float),
                origin="lower",
                aspect="auto",
                cmap=cmap,
                vmin=vmin,
                vmax=vmax,
            )
            ax.set_xticks(range(len(xs)), [_lit(_fmt(v)) for v in xs])
            ax.set_yticks(range(len(ys)), [_lit(_fmt(v)) for v in ys])
            mid = (vmin + vmax) / 2
            for (i, j), val in np.ndenumerate(grid.to_numpy(dtype=float)):
                if np.isnan(val):
                    continue
                text = f"{100 * val:.2f}" if pct else f"{val:.3g}"
                colour = "black" if abs(val - mid) < 0.35 * (vmax - vmin) else "white"
                ax.text(j, i, text, ha="center", va="center", fontsize=9, color=colour)
        else:
            im = ax.scatter(
                g[x].astype(float),
                g[y].astype(float),
                c=g[kpi].astype(float),
                cmap=cmap,
                vmin=vmin,
                vmax=vmax,
                s=60,
                edgecolors="k",
                linewidths=0.3,
            )
        ax.set_xlabel(_lit(label(x, lang)))
        ax.set_ylabel(_lit(label(y, lang)))
        keys = key if isinstance(key, tuple) else (key,)
        if others:
            ax.set_title(
                _lit(
                    ", ".join(f"{_short(o)}={_fmt(v)}" for o, v in zip(others, keys, strict=True))
                ),
                fontsize="medium",
            )
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    if im is not None:
        cb = fig.colorbar(im, ax=list(axes[: len(panels)]), shrink=0.9)
        cb.set_label(_lit(label(kpi, lang)))
        if pct:
            cb.formatter = FuncFormatter(lambda v, _: f"{100 * v:.1f}%")
            cb.update_ticks()
    title = label("title_heatmap", lang, kpi=label(kpi, lang), x=label(x, lang), y=label(y, lang))
    fig.suptitle(_lit(_wrap(title, min(90, int(9 * width)))))  # about 9 title characters an inch
    return fig


def _sort_key(v: Any) -> tuple[int, Any]:
    return (0, float(v)) if isinstance(v, int | float | np.integer | np.floating) else (1, str(v))


# ----------------------------------------------------------------------------- runs


def unit_rates(units: pd.DataFrame, *, lang: str = "en", reps: int | None = None) -> Figure:
    """On-time rate per unit with its 95% interval, sorted, unit names in Vietnamese.

    ``units`` is ``Results.unit_table()`` (or ``units.csv``): code, name, type,
    on_time_rate, on_time_ci95_low, on_time_ci95_high.
    """
    u = units.dropna(subset=["on_time_rate"]).sort_values("on_time_rate", ascending=True)
    h = max(3.0, 0.22 * len(u) + 1.5)
    fig = Figure(figsize=(8, h), layout="constrained")
    ax = fig.subplots()
    ypos = np.arange(len(u))
    rate = u["on_time_rate"].to_numpy(dtype=float)
    lo = _clip01(u["on_time_ci95_low"].to_numpy(dtype=float))
    hi = _clip01(u["on_time_ci95_high"].to_numpy(dtype=float))
    lo, hi = np.where(np.isnan(lo), rate, lo), np.where(np.isnan(hi), rate, hi)
    colours = [_TYPE_COLOURS.get(t, "tab:gray") for t in u["type"]]
    ax.hlines(ypos, lo, hi, colors=colours, linewidth=2, alpha=0.6)
    ax.scatter(rate, ypos, c=colours, s=18, zorder=3)
    ax.set_yticks(ypos, [_lit(f"{n} ({c})") for n, c in zip(u["name"], u["code"], strict=True)])
    ax.tick_params(axis="y", labelsize=8)
    ax.set_ylim(-0.7, len(u) - 0.3)
    _pct_axis(ax.xaxis)
    ax.set_xlabel(label("on_time_rate", lang))
    ax.grid(axis="x", alpha=0.3)
    for t, c in _TYPE_COLOURS.items():
        if t in set(u["type"]):
            ax.scatter([], [], c=c, s=18, label=label(t, lang))
    fig.legend(loc="outside lower center", ncols=3, fontsize="small")
    n = reps if reps is not None else "?"
    ax.set_title(_wrap(label("title_units", lang, reps=n)))
    return fig


def backlog(backlog_frame: pd.DataFrame, *, lang: str = "en") -> Figure:
    """Open dossiers at the close of each working day: mean over replications and range.

    ``backlog_frame``: rep, date, open_dossiers (and ``scenario`` for several scenarios).
    """
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.subplots()
    frame = backlog_frame.copy()
    frame["date"] = pd.to_datetime(frame["date"])
    groups = list(frame.groupby("scenario", sort=False)) if "scenario" in frame else [("", frame)]
    entries: list[tuple[Any, str]] = []
    for name, g in groups:
        s = g.groupby("date")["open_dossiers"].agg(["mean", "min", "max"])
        (line,) = ax.plot(s.index, s["mean"])
        entries.append((line, str(name) or label("mean_over_reps", lang)))
        ax.fill_between(s.index, s["min"], s["max"], color=line.get_color(), alpha=0.2, lw=0)
    band = ax.fill_between([], [], [], color="gray", alpha=0.2)
    entries.append((band, label("range_over_reps", lang)))
    ax.set_xlabel(label("date", lang))
    ax.set_ylabel(label("open_dossiers", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    _legend(ax, entries, fontsize="small")
    ax.set_title(label("title_backlog", lang))
    fig.autofmt_xdate()
    return fig


def lead_time_by_procedure(
    dossiers: pd.DataFrame,
    *,
    lang: str = "en",
    names_vi: Mapping[str, str] | None = None,
) -> Figure:
    """Distribution of lead times (working hours) of resolved dossiers, by procedure.

    ``dossiers`` needs ``procedure`` and ``lead_time_working_hours`` (NaN for open ones).
    """
    d = dossiers[["procedure", "lead_time_working_hours"]].dropna()
    d = d[d["lead_time_working_hours"] > 0]
    procs = list(
        d.groupby("procedure", observed=True)["lead_time_working_hours"]
        .median()
        .sort_values()
        .index
    )
    fig = Figure(figsize=(9, 0.45 * len(procs) + 1.8), layout="constrained")
    ax = fig.subplots()
    data = [d.loc[d["procedure"] == p, "lead_time_working_hours"].to_numpy() for p in procs]
    if data:
        ax.boxplot(
            data,
            orientation="horizontal",
            whis=(5, 95),
            showfliers=False,
            widths=0.6,
            medianprops={"color": "black"},
        )
    names_vi = names_vi or {}

    def name(p: str) -> str:
        if p not in LABELS and lang == "vi" and names_vi.get(p):
            return names_vi[p]
        return label(p, lang)

    ax.set_yticks(
        range(1, len(procs) + 1),
        [_lit(f"{name(str(p))} (n={len(x):,})") for p, x in zip(procs, data, strict=True)],
    )
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel(label("lead_time_log", lang))
    ax.grid(axis="x", alpha=0.3, which="both")
    fig.suptitle(_wrap(label("title_lead_time", lang), 80))
    ax.set_title(label("box_note", lang), fontsize="x-small", color="dimgray")
    return fig


# ----------------------------------------------------------------------------- comparisons


def forest(
    differences: pd.DataFrame,
    *,
    metrics: Sequence[str] = (
        "on_time_rate",
        "lead_time_working_hours_mean",
        "desk_wait_minutes_mean",
        "queue_wait_minutes_mean",
    ),
    lang: str = "en",
) -> Figure:
    """Forest plot of paired differences (scenario minus reference), with unpaired ones.

    ``differences`` is ``Comparison.differences()`` (or ``differences.csv``). One panel per
    metric; each scenario shows the paired interval (thick) above the unpaired one (thin).
    """
    metrics = [m for m in metrics if m in set(differences["metric"])]
    scen = list(pd.unique(differences["scenario"]))
    ncols = min(2, max(1, len(metrics)))
    nrows = math.ceil(max(1, len(metrics)) / ncols)
    fig = Figure(
        figsize=(5.0 * ncols + 1.5, nrows * (0.5 * len(scen) + 1.6) + 1.0),
        layout="constrained",
    )
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True, squeeze=False)).ravel()
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    ypos = np.arange(len(scen))[::-1]
    for ax, m in zip(axes, metrics, strict=False):
        d = differences[differences["metric"] == m].set_index("scenario").reindex(scen)
        scale = 100.0 if m == "on_time_rate" else 1.0
        val = d["difference"].to_numpy(dtype=float) * scale
        for kind, off, lw, colour in (
            ("paired", 0.12, 3.0, "tab:blue"),
            ("unpaired", -0.12, 1.2, "tab:gray"),
        ):
            lo = d[f"{kind}_ci95_low"].to_numpy(dtype=float) * scale
            hi = d[f"{kind}_ci95_high"].to_numpy(dtype=float) * scale
            ax.hlines(ypos + off, lo, hi, color=colour, linewidth=lw, label=label(kind, lang))
            ax.plot(val, ypos + off, "o", color=colour, ms=4)
        ax.axvline(0.0, color="black", linewidth=0.8, linestyle="--")
        ax.set_xlabel(label(f"diff_{m}", lang), fontsize="small")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(ypos, [_lit(_wrap(str(s), 28)) for s in scen])
    axes[0].set_ylim(-0.8, len(scen) - 0.2)
    handles, labels_ = axes[0].get_legend_handles_labels()
    fig.legend(handles[:2], labels_[:2], loc="outside lower center", ncols=2, fontsize="small")
    ref = str(differences["reference"].iloc[0]) if len(differences) else ""
    reps = int(differences["pairs"].max()) if len(differences) else 0
    fig.suptitle(_lit(_wrap(label("title_forest", lang, reference=ref, reps=reps), 80)))
    return fig


def unit_forest(unit_differences: pd.DataFrame, *, lang: str = "en") -> Figure:
    """Per-unit paired differences of the on-time rate (percentage points), sorted."""
    d = unit_differences[unit_differences["metric"] == "on_time_rate"]
    d = d.dropna(subset=["difference"]).sort_values(["difference", "code"], ascending=[False, True])
    fig = Figure(figsize=(8, max(3.0, 0.22 * len(d) + 1.6)), layout="constrained")
    ax = fig.subplots()
    ypos = np.arange(len(d))[::-1]
    val = d["difference"].to_numpy(dtype=float) * 100
    lo = d["paired_ci95_low"].to_numpy(dtype=float) * 100
    hi = d["paired_ci95_high"].to_numpy(dtype=float) * 100
    lo, hi = np.where(np.isnan(lo), val, lo), np.where(np.isnan(hi), val, hi)
    colours = [_TYPE_COLOURS.get(t, "tab:gray") for t in d["type"]]
    ax.hlines(ypos, lo, hi, colors=colours, linewidth=2, alpha=0.6)
    ax.scatter(val, ypos, c=colours, s=16, zorder=3)
    ax.axvline(0.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_yticks(ypos, [_lit(f"{n} ({c})") for n, c in zip(d["name"], d["code"], strict=True)])
    ax.tick_params(axis="y", labelsize=8)
    ax.set_ylim(-0.7, len(d) - 0.3)
    ax.set_xlabel(label("diff_on_time_rate", lang))
    ax.grid(axis="x", alpha=0.3)
    for t, c in _TYPE_COLOURS.items():
        if t in set(d["type"]):
            ax.scatter([], [], c=c, s=16, label=label(t, lang))
    fig.legend(title=label("paired", lang), loc="outside lower center", ncols=3, fontsize="small")
    if len(d):
        ax.set_title(
            _lit(
                _wrap(
                    label(
                        "title_unit_forest",
                        lang,
                        scenario=str(d["scenario"].iloc[0]),
                        reference=str(d["reference"].iloc[0]),
                    )
                )
            )
        )
    return fig


# ----------------------------------------------------------------------------- folders


def save(fig: Figure, stem: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``fig`` as ``stem.png`` / ``stem.svg`` (atomically; SVG text kept as text)."""
    from sim.outputs import atomic_path

    paths = []
    for fmt in formats:
        target = stem.with_name(f"{stem.name}.{fmt}")
        with (
            matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tthc-sim"}),
            atomic_path(target) as tmp,
        ):
            fig.savefig(tmp, format=fmt, dpi=130 if fmt == "png" else None)
        paths.append(target)
    return paths


def _manifest(d: Path) -> dict[str, Any]:
    from sim.outputs import MANIFEST

    path = d / MANIFEST
    if not path.is_file():
        from sim.scenario import ScenarioError

        raise ScenarioError(str(d), "", "no manifest.json: not a finished run, comparison or sweep")
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _names_vi(scenario: Mapping[str, Any] | None) -> dict[str, str]:
    procs = (scenario or {}).get("procedures", {}) or {}
    return {k: str(v.get("name_vi", "")) for k, v in procs.items() if isinstance(v, Mapping)}


def plot_run_dir(d: Path, out: Path, lang: str, formats: Sequence[str]) -> list[Path]:
    """Per-unit rates, backlog and lead times of a ``tthc-sim run --out`` folder."""
    man = _manifest(d)
    written: list[Path] = []
    suffix = "" if lang == "en" else f"_{lang}"
    if (d / "units.csv").exists():
        units = pd.read_csv(d / "units.csv")
        fig = unit_rates(units, lang=lang, reps=man.get("reps"))
        written += save(fig, out / f"unit_on_time{suffix}", formats)
    if (d / "backlog.csv").exists():
        written += save(
            backlog(pd.read_csv(d / "backlog.csv"), lang=lang), out / f"backlog{suffix}", formats
        )
    if (d / "dossiers.parquet").exists():
        ds = pd.read_parquet(
            d / "dossiers.parquet", columns=["procedure", "lead_time_working_hours"]
        )
        fig = lead_time_by_procedure(ds, lang=lang, names_vi=_names_vi(man.get("scenario")))
        written += save(fig, out / f"lead_time_by_procedure{suffix}", formats)
    return written


def plot_comparison_dir(d: Path, out: Path, lang: str, formats: Sequence[str]) -> list[Path]:
    """Forest plots (overall and per unit) and backlog of a ``tthc-sim compare`` folder."""
    written: list[Path] = []
    suffix = "" if lang == "en" else f"_{lang}"
    diffs = pd.read_csv(d / "differences.csv")
    if len(diffs):
        written += save(forest(diffs, lang=lang), out / f"comparison_forest{suffix}", formats)
    ud_path = d / "unit_differences.csv"
    if ud_path.exists():
        ud = pd.read_csv(ud_path, dtype={"scenario": str})
        stems = unique_stems([str(s) for s in ud["scenario"].unique()])
        for scen, g in ud.groupby("scenario", sort=False):
            stem = out / f"unit_differences_{stems[str(scen)]}{suffix}"
            written += save(unit_forest(g, lang=lang), stem, formats)
    if (d / "backlog.csv").exists():
        written += save(
            backlog(pd.read_csv(d / "backlog.csv"), lang=lang), out / f"backlog{suffix}", formats
        )
    return written


def plot_sweep_dir(d: Path, out: Path, lang: str, formats: Sequence[str]) -> list[Path]:
    """On-time rate against every factor and heatmaps over factor pairs of a sweep folder."""
    from sim.sweep import read_points

    man = _manifest(d)
    sweep = man.get("sweep", {})
    factors = list(sweep.get("factors", {}))
    grid = sweep.get("design", "grid") == "grid"
    points = read_points(d, for_plots=True)
    written: list[Path] = []
    suffix = "" if lang == "en" else f"_{lang}"
    stems = factor_stems(factors)
    for f in factors:
        others = [g for g in factors if g != f] if grid else []
        if math.prod(points[o].nunique() for o in others) > 9:
            others = others[:1]  # too many lines: one per value of the next factor
        fig = rate_vs_factor(points, f, by=others, connect=grid, lang=lang)
        written += save(fig, out / f"on_time_vs_{stems[f]}{suffix}", formats)
    for x, y in itertools.combinations(factors, 2):
        facets = [g for g in factors if g not in (x, y)] if grid else []
        fig = heatmap(points, x, y, facets=facets, lang=lang)
        written += save(fig, out / f"heatmap_{stems[x]}__{stems[y]}{suffix}", formats)
    return written


def factor_stems(factors: Sequence[str]) -> dict[str, str]:
    """File-name parts of sweep factors: the last part of each dotted path, or as many of the
    last parts as it takes to tell the factors apart (``reception`` and
    ``phường.reception``), then made unique by :func:`sim.outputs.unique_stems`."""
    parts = {f: f.split(".") for f in factors}
    short: dict[str, str] = {}
    for f, p in parts.items():
        for k in range(1, len(p) + 1):
            tail = p[-k:]
            if all(q[-k:] != tail for g, q in parts.items() if g != f):
                break
        short[f] = ".".join(tail)
    return unique_stems(list(factors), stem_of=lambda f: file_stem(short[f]))


def plot_dir(
    path: str | Path,
    *,
    lang: str = "en",
    formats: Sequence[str] = FORMATS,
    out: str | Path | None = None,
) -> list[Path]:
    """Write the plots that fit a result folder (its manifest's ``kind``); return the files.

    Plots go to ``path/plots/`` unless ``out`` is given; Vietnamese ones end in ``_vi``.
    Plots inside the folder are added to the ``plots`` list of its manifest (rewritten after
    them), so a later result written into the folder clears them.
    """
    from sim.scenario import ScenarioError

    d = Path(path)
    if not d.is_dir():
        raise ScenarioError(str(d), "", "not a folder")
    label("mean", lang)  # rejects an unknown language early
    for fmt in formats:
        if fmt not in FORMATS:
            raise ScenarioError(str(d), "", f"unknown plot format {fmt!r}")
    kind = _manifest(d).get("kind")
    makers = {"run": plot_run_dir, "comparison": plot_comparison_dir, "sweep": plot_sweep_dir}
    if kind not in makers:
        raise ScenarioError(str(d / "manifest.json"), "kind", f"unknown result kind {kind!r}")
    target = Path(out) if out is not None else d / "plots"
    target.mkdir(parents=True, exist_ok=True)
    written = makers[kind](d, target, lang, formats)
    record_plots(d, written)  # the manifest lists the plots inside the folder, written last
    return written


__all__ = [
    "FORMATS",
    "backlog",
    "forest",
    "heatmap",
    "lead_time_by_procedure",
    "plot_dir",
    "rate_vs_factor",
    "save",
    "unit_forest",
    "unit_rates",
]
