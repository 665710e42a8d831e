"""Generate the numeric parts of ``docs/model.md`` from the code and the baseline scenario.

``python -m sim.modeldoc [--reps N] [--workers N]`` fills the blocks between
``<!-- BEGIN name -->`` and ``<!-- END name -->`` markers in docs/model.md:

* ``parameters``: every leaf of scenarios/baseline.yaml with its value, unit (from the field
  name) and source (the comment on its line or the nearest comment above it in the file;
  anything not citing FACTS.md is labelled an assumption);
* ``calibration``: the joint fit stored by ``tthc-sim calibrate ... --out docs/calibration_abc``;
* ``facts``: secondary facts measured on the baseline (N replications) against FACTS.md;
* ``attribution``: counterfactual causes of lateness by month (sim.attribution);
* ``anatomy``: the lateness anatomy of the baseline (:mod:`sim.explain`: late dossiers by
  cause, procedure, unit type and month on both clocks, land's use of its deadline, and
  every target against its reported figure), from ``--anatomy-reps`` replications.

The prose around the blocks is written by hand.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.stats import kpi_interval, t_interval

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "model.md"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
BEFORE = ROOT / "scenarios" / "mechanisms_off.yaml"

UNITS = [
    ("office_hours", "clock times (HH:MM)"),
    ("same_day_cutoff", "clock time (HH:MM)"),
    ("mbps_per_active_officer", "Mbit/s per busy officer"),
    ("_minutes", "minutes (officer time)"),
    ("_working_days", "working days"),
    ("_working_hours", "working hours"),
    ("_days", "calendar days"),
    ("_hours", "hours (wall clock)"),
    ("_mbps", "Mbit/s"),
    ("mb_per_interaction", "MB"),
    ("_seconds", "seconds"),
    ("_sessions", "concurrent sessions"),
    ("share", "fraction"),
    ("probability", "probability"),
    ("availability", "fraction of officers present"),
    ("multiplier", "factor"),
    ("factor", "factor"),
    ("attraction", "relative weight"),
    ("per_1000_residents_per_working_day", "dossiers per 1,000 residents per working day"),
    ("staff_per_10k_residents", "officers per 10,000 residents served"),
]


def unit_of(path: str) -> str:
    """Unit of a parameter from its dotted path (units are in the names)."""
    parts = path.split(".")
    for i in range(len(parts) - 1, -1, -1):
        name = parts[i]
        for suffix, unit in UNITS:
            if name.endswith(suffix) or name == suffix.strip("_"):
                return unit
    if parts[0] == "staffing" and parts[-1] in {
        "reception",
        "justice",
        "economy",
        "social",
        "general",
        "leader",
    }:
        return "officers"
    return ""


_KEY = re.compile(r"^(\s*)(-\s+)?([^\s#][^:#]*?):(?:\s+(.*?))?\s*$")


def yaml_leaves_with_comments(path: Path) -> list[tuple[str, str, str]]:
    """(dotted path, value text, source comment) for every leaf line of a block-style YAML file.

    The source of a line is its own trailing comment, else the comment block directly above
    it (never a comment of an enclosing section: that would misattribute a section's source
    to every value in it).
    """
    stack: list[tuple[int, str, str]] = []  # (indent, key, comment)
    list_index: dict[tuple[int, str], int] = {}
    pending: list[str] = []
    pending_indent = -1
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line, _, comment = _split_comment(raw)
        if not line.strip():
            if comment is not None:
                indent = len(raw) - len(raw.lstrip())
                if pending_indent != indent:
                    pending = []
                pending.append(comment)
                pending_indent = indent
            continue
        m = _KEY.match(line)
        if not m:
            pending = []
            continue
        indent = len(m.group(1)) + (len(m.group(2)) if m.group(2) else 0)
        key = m.group(3).strip().strip('"')
        value = (m.group(4) or "").strip()
        while stack and stack[-1][0] >= indent and not (m.group(2) and stack[-1][0] == indent):
            stack.pop()
        if m.group(2):  # a list item: "- key: value" starts a new element
            while stack and stack[-1][0] >= len(m.group(1)):
                stack.pop()
            parent = ".".join(k for _, k, _ in stack)
            idx = list_index.get((len(m.group(1)), parent), -1) + 1
            list_index[(len(m.group(1)), parent)] = idx
            stack.append((len(m.group(1)), str(idx), ""))
        own = comment
        above = " ".join(pending) if pending and pending_indent == indent else None
        source = own or above or ""
        pending = []
        stack.append((indent, key, own or above or ""))
        if value and not value.startswith(("|", ">")):
            out.append((".".join(k for _, k, _ in stack), value, source))
            stack.pop()
    return out


def _split_comment(raw: str) -> tuple[str, str, str | None]:
    """Split a YAML line into code and comment (a # outside quotes starts a comment)."""
    quote = None
    for i, ch in enumerate(raw):
        if ch in "\"'" and quote is None:
            quote = ch
        elif ch == quote:
            quote = None
        elif ch == "#" and quote is None and (i == 0 or raw[i - 1].isspace()):
            return raw[:i].rstrip(), "#", raw[i + 1 :].strip()
    return raw, "", None


def parameters_block(path: Path = BASELINE) -> str:
    rows = yaml_leaves_with_comments(path)
    lines = []
    section = None
    for p, value, source in rows:
        top = p.split(".")[0]
        if top in {"name", "description"}:
            continue
        if top != section:
            section = top
            lines += [
                "",
                f"**{top}**",
                "",
                "| parameter | value | unit | source |",
                "|---|---|---|---|",
            ]
        label = source if source else "assumption"
        if top in {"run", "calibration"} and not source:
            label = "run setting"
        if p.endswith(".name_vi") or p.endswith(".agency"):
            label = "label"
        value = value.replace("|", "\\|")
        lines.append(f"| `{p}` | `{value}` | {unit_of(p)} | {label.replace('|', '/')} |")
    return "\n".join(lines).strip()


CALIBRATION = DOC.parent / "calibration_abc"
"""The stored ABC-SMC fit of the baseline (``tthc-sim calibrate
scenarios/calibration/baseline.yaml --out docs/calibration_abc --ship scenarios/baseline.yaml``)."""


def calibration_block(folder: Path = CALIBRATION) -> str:
    """The stored joint fit: its budget, each parameter's posterior median (the baseline's
    value) and 90% credible interval, and how many targets the predictive draws meet."""
    table_file, man_file = folder / "posterior_table.csv", folder / "manifest.json"
    if not (table_file.exists() and man_file.exists()):
        return (
            "_No stored calibration: run `tthc-sim calibrate scenarios/calibration/baseline.yaml "
            "--out docs/calibration_abc --ship scenarios/baseline.yaml`._"
        )
    import pandas as pd

    r = json.loads(man_file.read_text(encoding="utf-8"))["result"]
    lines = [
        f"* ABC-SMC (pyabc): {len(r['generations'])} generations, {r['simulations']} "
        f"simulations, wall time {r['wall_seconds'] / 3600:.2f} h on two cores",
        "",
        "| parameter | posterior median (the baseline's value) | 90% credible interval |",
        "|---|---|---|",
    ]
    for row in pd.read_csv(table_file).itertuples():
        lines.append(
            f"| `{row.parameter}` | {row.median:.4g} | {row.ci90_low:.4g} – {row.ci90_high:.4g} |"
        )
    ppc_file = folder / "ppc_table.csv"
    if ppc_file.exists():
        ppc = pd.read_csv(ppc_file)
        met = int((ppc["share_in_range"].fillna(0) >= 0.5).sum())
        lines += [
            "",
            f"* posterior predictive check: {met} of {len(ppc)} targets inside their reported "
            "range in at least half of the draws (docs/calibration.md lists each)",
        ]
    lines += ["", "![posterior pairs](calibration_abc/posterior_pairs.png)"]
    return "\n".join(lines)


def facts_block(reps: int, workers: int, seed: int) -> tuple[str, Any]:
    import sim
    from sim.explain import reported_targets

    scn = sim.load_scenario(BASELINE)
    res = sim.run(scn, reps=reps, seed=seed, workers=workers, keep_dossiers=False)
    r = res.replications
    m_rate, lo, hi = kpi_interval(r, "on_time_rate")
    arrived = kpi_interval(r, "arrived")
    online = kpi_interval(r, "online_share")
    hg = res.units[res.units["code"] == "QN21"]
    months = res.group_table("months")
    # the reported figures live in the calibration targets (sim.explain.TARGETS_FILE)
    specs = reported_targets()
    rate, volume, hg_spec = (
        specs["recorded_on_time_rate"],
        specs["province_volume"],
        specs["hong_gai_july_volume"],
    )
    r_lo, r_hi = rate.bounds
    v_lo, v_hi = volume.bounds
    h_lo, h_hi = hg_spec.bounds
    table = [
        "| fact | expected (FACTS.md) | measured (mean, 95% CI) | within? |",
        "|---|---|---|---|",
        f"| on-time rate, Q3 2025 | {100 * rate.centre:.1f}% ± {100 * (r_hi - rate.centre):.1f} points "
        f"| {100 * m_rate:.2f}% ({100 * lo:.2f}–{100 * hi:.2f}) "
        f"| {_ok(r_lo <= m_rate <= r_hi)} |",
        f"| dossiers in the quarter, province | {v_lo:,.0f} – {v_hi:,.0f} | {arrived[0]:,.0f} ({arrived[1]:,.0f}–{arrived[2]:,.0f}) "
        f"| {_ok(v_lo <= arrived[0] <= v_hi)} |",
        f"| online share of dossiers | 55% – 80% (plausible band) | {100 * online[0]:.1f}% "
        f"| {_ok(0.55 <= online[0] <= 0.80)} |",
    ]
    hg_july = _hong_gai_july(res, scn, reps, seed, workers)
    table.append(
        f"| Hồng Gai dossiers, July 2025 | {hg_spec.centre:,.0f} ± {100 * (h_hi - hg_spec.centre) / hg_spec.centre:.0f}% "
        f"| {hg_july[0]:,.0f} ({hg_july[1]:,.0f}–{hg_july[2]:,.0f}) "
        f"| {_ok(h_lo <= hg_july[0] <= h_hi)} |"
    )
    lines = [
        *table,
        "",
        f"{reps} replications, seed {seed}. On-time rate by month of resolution:",
        "",
    ]
    lines += [
        "| month | resolved per rep | late per rep | on-time rate | 95% CI |",
        "|---|---|---|---|---|",
    ]
    for row in months.itertuples():
        lines.append(
            f"| {row.month} | {row.resolved:,.0f} | {row.late:,.0f} | {100 * row.on_time_rate:.2f}% "
            f"| {100 * row.ci95_low:.2f}–{100 * row.ci95_high:.2f} |"
        )
    causes = res.cause_table()
    lines += ["", "Proximate cause of late dossiers (largest delay each met):", ""]
    lines += ["| cause | late per rep | share |", "|---|---|---|"]
    for row in causes.itertuples():
        lines.append(f"| {row.cause} | {row.late_per_rep:,.0f} | {100 * row.share:.1f}% |")
    del hg
    return "\n".join(lines), res


def _hong_gai_july(
    res: Any, scn: Any, reps: int, seed: int, workers: int
) -> tuple[float, float, float]:
    """Dossiers received at Hồng Gai in July, per replication (from the arrival streams)."""
    from sim.demand import generate
    from sim.model import build_layout, horizon_calendar
    from sim.network import build_network

    lay = build_layout(scn)
    cal = horizon_calendar(scn)
    hg = lay.codes.index("QN21")
    types = [str(t) for t in lay.frame["type"]]
    july_end = cal.wall_minutes(pd.Timestamp("2025-08-01").date())
    counts = []
    for rep in range(reps):
        net = build_network(scn, cal, lay.codes, types, lay.procedure_ids, seed, rep)
        ds = generate(scn, cal, lay.frame, seed, rep, net.system_down_wall)
        counts.append(int(((ds.receiving == hg) & (ds.wall_arrival < july_end)).sum()))
    return t_interval(counts)


def attribution_block(reps: int, workers: int, seed: int) -> str:
    import sim
    from sim.attribution import attribute_lateness

    scn = sim.load_scenario(BASELINE)
    att = attribute_lateness(scn, reps=reps, seed=seed, workers=workers)
    g = (
        att.groupby(["month", "cause"])
        .agg(late=("late", "mean"), rescued=("rescued", "mean"))
        .reset_index()
    )
    g["share"] = g["rescued"] / g["late"]
    lines = [
        "| month | late per rep | on time with a perfect network | with complete dossiers | with ample staff |",
        "|---|---|---|---|---|",
    ]
    for month, sub in g.groupby("month", sort=True):
        s = sub.set_index("cause")
        lines.append(
            f"| {month} | {s['late'].iloc[0]:,.0f} | {100 * s.loc['network', 'share']:.0f}% "
            f"| {100 * s.loc['supplements', 'share']:.0f}% | {100 * s.loc['staffing', 'share']:.0f}% |"
        )
    lines.append("")
    lines.append(
        f"{reps} replications, seed {seed}; shares may overlap (a dossier can be rescued by several)."
    )
    return "\n".join(lines)


def anatomy_block(
    reps: int,
    workers: int,
    seed: int,
    scenario: Path = BASELINE,
    overrides: Sequence[str] = (),
) -> str:
    """The lateness anatomy (:func:`sim.explain.explain`) of ``reps`` replications of
    ``scenario`` as Markdown: the run goes to a temporary run folder, as ``tthc-sim run
    --out`` writes it, and is explained from there."""
    import tempfile

    import sim
    from sim.experiment import write_results
    from sim.explain import explain, to_markdown
    from sim.outputs import ParquetSink

    scn = sim.load_scenario(scenario, overrides)
    with tempfile.TemporaryDirectory(prefix="tthc-anatomy-") as tmp:
        folder = Path(tmp)
        sink = ParquetSink(folder / "dossiers.parquet")
        try:
            res = sim.run(
                scn,
                reps=reps,
                seed=seed,
                workers=workers,
                keep_dossiers=False,
                dossier_sink=sink.write,
            )
            sink.close()
        finally:
            sink.discard()
        write_results(res, folder, {"overrides": list(overrides)})
        text = to_markdown(explain(folder))
    try:
        name = scenario.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        name = scenario.name
    extra = f" with {', '.join(overrides)}" if overrides else ""
    return f"{text}\n\n`{name}`{extra}: {reps} replications, seed {seed} (`tthc-sim explain`)."


ONE_FACTOR: tuple[tuple[str, str, tuple[float, float]], ...] = (
    (
        "land route: consultation delay (mean days)",
        "land_route.consultation_delay_days.mean",
        (2.0, 12.0),
    ),
    (
        "land route: tax notice delay (mean days)",
        "land_route.tax_notice_delay_days.mean",
        (2.0, 8.0),
    ),
    (
        "recorded clock: financial wait counted",
        "recorded_clock.financial_wait_counted_probability",
        (0.0, 0.6),
    ),
    (
        "recorded clock: closing lag probability",
        "recorded_clock.closing_lag_probability",
        (0.0, 0.01),
    ),
    ("systems: sync failure probability", "systems.sync_failure_probability", (0.01, 0.04)),
    (
        "systems: land sync failure probability",
        "systems.named.land_information.sync_failure_probability",
        (0.1, 0.5),
    ),
    ("signing: meeting probability", "signing.meeting_probability", (0.0, 0.3)),
    ("overtime: minutes per officer", "overtime.minutes_per_officer", (0.0, 120.0)),
    ("reception availability factor", "staffing.availability_factor_by_role.reception", (0.7, 0.9)),
    (
        "Hồng Gai vertical-agency multiplier",
        "demand.share_multipliers_by_unit.QN21.vertical_services",
        (10.0, 40.0),
    ),
)
"""One-factor responses of the targets: (label, dotted path, (low, high)); the baseline's
value is the middle level."""


def one_factor_block(reps: int, workers: int, seed: int, scenario: Path = BASELINE) -> str:
    """Every target's response to each mechanism's parameter, one at a time (Markdown).

    Each of :data:`ONE_FACTOR`'s parameters is set to its low and high level, all else as
    in ``scenario``; every level runs the same ``reps`` replications under ``seed`` (common
    random numbers), and each cell is the mean over them of a target of :mod:`sim.targets`.
    """
    from sim import targets as tg
    from sim.bayes import TargetTask, run_target_task
    from sim.executors import open_executor
    from sim.labels import label
    from sim.scenario import bare_dict, load_scenario

    base = bare_dict(load_scenario(scenario))
    names = tuple(sorted(tg.TARGETS))
    jobs: list[tuple[str, float, dict[str, float]]] = [("baseline", math.nan, {})]
    jobs += [(text, lv, {path: lv}) for text, path, levels in ONE_FACTOR for lv in levels]
    tasks = [TargetTask(base, change, names, seed, r) for _, _, change in jobs for r in range(reps)]
    values: list[dict[str, float]] = [{} for _ in tasks]
    with open_executor(workers) as ex:
        for i, value in ex.imap(run_target_task, tasks):
            if isinstance(value, BaseException):
                raise value
            values[i] = value
    head = "| parameter | value | " + " | ".join(label(f"tgt_{n}", "en") for n in names) + " |"
    lines = [head, "|---|---|" + "---|" * len(names)]
    for k, (text, level, _) in enumerate(jobs):
        rows = values[k * reps : (k + 1) * reps]
        cells = [_fmt_target(n, _finite_mean([r[n] for r in rows])) for n in names]
        shown = "" if math.isnan(level) else f"{level:g}"
        if text == "baseline":
            text = "**baseline** (every parameter at its value in the scenario)"
        lines.append(f"| {text} | {shown} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"{reps} replications a level, seed {seed}, common random numbers across levels; "
        "a cell is the mean over the replications (`python -m sim.modeldoc --one-factor-reps N`).",
    ]
    return "\n".join(lines)


def _finite_mean(values: list[float]) -> float:
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else math.nan


def _fmt_target(name: str, v: float) -> str:
    from sim import targets as tg

    if math.isnan(v):
        return "n/a"
    kind = tg.TARGETS[name].kind
    if kind == "share":
        return f"{100 * v:.2f}%"
    if kind == "count":
        return f"{v:,.0f}"
    return f"{v:.2f}"


def _ok(flag: bool) -> str:
    return "yes" if flag else "**no**"


def fill(doc: str, name: str, body: str) -> str:
    """Replace the block ``name`` of ``doc`` (between its BEGIN/END markers) with ``body``."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    if begin not in doc or end not in doc:
        raise ValueError(f"docs/model.md has no {name} block")
    head, rest = doc.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.modeldoc", description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=20, help="replications for the measured facts")
    ap.add_argument("--attribution-reps", type=int, default=3)
    ap.add_argument(
        "--anatomy-reps",
        type=int,
        default=3,
        help="replications for the lateness anatomy (0 = leave the block as it is)",
    )
    ap.add_argument(
        "--one-factor-reps",
        type=int,
        default=2,
        help="replications a level for the one-factor responses (0 = leave the block as it is)",
    )
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--only-parameters", action="store_true", help="skip the simulation blocks")
    args = ap.parse_args(argv)
    doc = DOC.read_text(encoding="utf-8")
    doc = fill(doc, "parameters", parameters_block())
    doc = fill(doc, "calibration", calibration_block())
    if not args.only_parameters:
        facts, _ = facts_block(args.reps, args.workers, args.seed)
        doc = fill(doc, "facts", facts)
        doc = fill(
            doc, "attribution", attribution_block(args.attribution_reps, args.workers, args.seed)
        )
        if args.anatomy_reps > 0:
            doc = fill(doc, "anatomy", anatomy_block(args.anatomy_reps, args.workers, args.seed))
            doc = fill(
                doc,
                "anatomy_before",
                anatomy_block(args.anatomy_reps, args.workers, args.seed, BEFORE),
            )
        if args.one_factor_reps > 0:
            doc = fill(
                doc, "one_factor", one_factor_block(args.one_factor_reps, args.workers, args.seed)
            )
    from sim.outputs import atomic_open

    with atomic_open(DOC) as fh:
        fh.write(doc)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
