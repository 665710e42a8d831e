"""The workbench web page (Streamlit script; started by ``tthc-sim app``).

Each browser session keeps its own widgets and results in ``st.session_state``; runs go to
the process-wide :class:`sim.app.core.Runner`, so a run in one session never blocks another.
Every label comes from :mod:`sim.labels`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from sim.app import core
from sim.app.forms import FIELDS, FieldSpec, owns, value_at
from sim.labels import LABELS, label
from sim.scenario import ScenarioError, parse_override
from sim.units import load_units

DEFAULT_SCENARIO = "validation/quick.yaml"


def _folder() -> Path:
    return Path(os.environ.get(core.ENV_SCENARIOS) or "scenarios").resolve()


def _t(lang: str) -> Callable[..., str]:
    def t(key: str, **fmt: Any) -> str:
        return label(key, lang, **fmt)

    return t


# ----------------------------------------------------------------------------- choose


def choose_source(folder: Path, t: Callable[..., str]) -> core.Source | None:
    """Scenario picker and upload; returns the source in use (None if nothing usable)."""
    st.subheader(t("app_choose"))
    upload = st.session_state.get("upload_source")
    files = core.scenario_files(folder)
    left, right = st.columns(2)
    with left:
        index = files.index(DEFAULT_SCENARIO) if DEFAULT_SCENARIO in files else 0
        chosen = st.selectbox(
            t("app_shipped"), files, index=index, key="shipped", disabled=upload is not None
        )
    with right:
        up = st.file_uploader(t("app_upload"), type=["yaml", "yml"], key="upload")
        if up is not None and st.session_state.get("upload_id") != up.file_id:
            st.session_state["upload_id"] = up.file_id
            try:
                upload = core.read_upload(up.getvalue(), folder, up.name)
                st.session_state["upload_source"] = upload
                st.session_state.pop("upload_error", None)
            except ScenarioError as exc:
                upload = None
                st.session_state.pop("upload_source", None)
                st.session_state["upload_error"] = str(exc)
        if st.session_state.get("upload_error"):
            st.error(t("app_upload_refused", message=st.session_state["upload_error"]))
        if upload is not None:
            st.success(t("app_upload_ok", name=upload.label))
            if st.button(t("app_drop_upload"), key="drop_upload"):
                st.session_state.pop("upload_source", None)
                st.rerun()
    if upload is not None:
        return upload
    if not chosen:
        return None
    return core.served_source(folder, chosen)


# ----------------------------------------------------------------------------- change


class Form:
    """Widgets of the changes; remembers a slot beside each field for its error message."""

    def __init__(self, prefix: str, ref_raw: dict[str, Any], lang: str) -> None:
        self.prefix = prefix
        self.ref = ref_raw
        self.lang = lang
        self.t = _t(lang)
        self.changes: dict[str, Any] = {}
        self.slots: list[tuple[str, Any]] = []

    def key(self, path: str) -> str:
        return f"{self.prefix}|{path}"

    def slot(self, path: str) -> None:
        self.slots.append((path, st.empty()))

    def number(self, path: str, text: str, kind: str, step: float | None = None) -> None:
        ref = value_at(self.ref, path)
        if kind == "int":
            value: Any = st.number_input(
                text, value=None if ref is None else int(ref), step=1, key=self.key(path)
            )
        else:
            value = st.number_input(
                text,
                value=None if ref is None else float(ref),
                step=step,
                format="%g",
                key=self.key(path),
            )
        if value is not None and value != ref:
            self.changes[path] = value
        self.slot(path)

    def field(self, spec: FieldSpec) -> None:
        if (
            spec.path.startswith("agencies.")
            and value_at(self.ref, spec.path.rsplit(".", 1)[0]) is None
        ):
            return  # the scenario has no such agency
        text = self.t(spec.path)
        ref = value_at(self.ref, spec.path)
        if spec.kind == "choice":
            current = ref if ref in spec.choices else spec.choices[0]
            value = st.selectbox(
                text,
                spec.choices,
                index=spec.choices.index(current),
                format_func=lambda c: self.t(f"choice_{c}") if f"choice_{c}" in LABELS else str(c),
                key=self.key(spec.path),
            )
            if value != current or (ref is not None and value != ref):
                self.changes[spec.path] = value
            self.slot(spec.path)
        elif spec.kind == "bool":
            value = st.checkbox(text, value=bool(ref), key=self.key(spec.path))
            if value != bool(ref):
                self.changes[spec.path] = value
            self.slot(spec.path)
        else:
            self.number(spec.path, text, spec.kind, spec.step)

    def error_slot(self, error_path: str) -> Any | None:
        best = None
        for path, slot in self.slots:
            if owns(path, error_path) and (best is None or len(path) > len(best[0])):
                best = (path, slot)
        return best[1] if best else None


def staff_by_type(form: Form, unit_types: list[str]) -> None:
    by_type = value_at(form.ref, "staffing.by_unit_type") or {}
    roles: list[str] = []
    for utype in unit_types:
        for r in by_type.get(utype, {}):
            if r not in roles:
                roles.append(r)
    for utype in unit_types:
        st.markdown(f"**{form.t('app_type')}: {utype}**")
        cols = st.columns(max(1, len(roles)))
        for col, role in zip(cols, roles, strict=True):
            with col:
                path = f"staffing.by_unit_type.{utype}.{role}"
                form.number(path, f"{form.t(f'role_{role}')} ({utype})", "int")


def staff_by_unit(form: Form, codes: list[str]) -> None:
    """Editable table of the simulated units (Vietnamese names) and their officers by role."""
    units = load_units().frame.set_index("code")
    by_type = value_at(form.ref, "staffing.by_unit_type") or {}
    own = value_at(form.ref, "staffing.units") or {}
    roles: list[str] = []
    for v in by_type.values():
        roles += [r for r in v if r not in roles]
    rows = []
    for code in codes:
        utype = str(units.loc[code, "type"])
        base = {**by_type.get(utype, {}), **own.get(code, {})}
        rows.append(
            {"code": code, "name": units.loc[code, "name"], "type": utype}
            | {r: int(base.get(r, 0)) for r in roles}
        )
    frame = pd.DataFrame(rows)
    st.caption(form.t("app_staff_unit_help"))
    config: dict[str, Any] = {
        "code": st.column_config.TextColumn(form.t("app_code"), disabled=True),
        "name": st.column_config.TextColumn(form.t("app_name"), disabled=True),
        "type": st.column_config.TextColumn(form.t("app_type"), disabled=True),
    }
    for r in roles:
        config[r] = st.column_config.NumberColumn(form.t(f"role_{r}"), step=1)
    edited = st.data_editor(
        frame,
        column_config=config,
        hide_index=True,
        num_rows="fixed",
        key=form.key("staffing.units"),
        width="stretch",
    )
    for i, code in enumerate(frame["code"]):
        for r in roles:
            new, old = edited.loc[i, r], frame.loc[i, r]
            if pd.notna(new) and int(new) != int(old):
                form.changes[f"staffing.units.{code}.{r}"] = int(new)
    form.slot("staffing.units")


def outage_window(form: Form, start: dt.date) -> None:
    on = st.checkbox(form.t("app_window"), key=form.key("window_on"))
    if on:
        c1, c2, c3, c4 = st.columns(4)
        d0 = c1.date_input(form.t("app_window_start"), value=start, key=form.key("w_d0"))
        t0 = c2.time_input(" ", value=dt.time(8, 0), key=form.key("w_t0"))
        d1 = c3.date_input(form.t("app_window_end"), value=start, key=form.key("w_d1"))
        t1 = c4.time_input("  ", value=dt.time(12, 0), key=form.key("w_t1"))
        windows = list(value_at(form.ref, "network.outages.windows") or [])
        windows.append(
            {
                "start": dt.datetime.combine(d0, t0).isoformat(),
                "end": dt.datetime.combine(d1, t1).isoformat(),
            }
        )
        form.changes["network.outages.windows"] = windows
    form.slot("network.outages.windows")


def advanced(form: Form) -> None:
    text = st.text_area(form.t("app_more_help"), key=form.key("advanced"), height=80)
    slot = st.empty()
    for line in text.splitlines():
        if not line.strip() or line.strip().startswith("#"):
            continue
        try:
            path, value = parse_override(line.strip(), "--set")
        except ScenarioError as exc:
            slot.error(str(exc))
            form.changes["__invalid__"] = line
            return
        form.changes[path] = value
        form.slots.append((path, slot))


def change_form(source: core.Source, folder: Path, lang: str) -> tuple[core.WhatIf | None, Any]:
    """Draw the form; returns the valid what-if (or None) and its scenarios."""
    t = _t(lang)
    st.subheader(t("app_change"))
    try:
        ref_raw = core.source_raw(folder, source)
        ref = core.reference(folder, source)
    except ScenarioError as exc:
        st.error(t("app_reference_invalid", message=str(exc)))
        return None, None
    served = source.base == source.label and not source.own
    form = Form(source.label if served else f"upload:{source.label}", ref_raw, lang)
    top = st.empty()
    codes = ref.unit_codes()
    types = [
        u
        for u in ("phường", "xã", "đặc khu")
        if u in set(load_units().frame.set_index("code").loc[codes, "type"])
    ]
    with st.expander(t("app_sec_staff_type"), expanded=True):
        staff_by_type(form, types)
        for spec in (f for f in FIELDS if f.section == "staff_type"):
            form.field(spec)
    with st.expander(t("app_sec_staff_unit")):
        staff_by_unit(form, codes)
    for section in ("land", "network", "online", "supplements"):
        with st.expander(t(f"app_sec_{section}"), expanded=section == "network"):
            for spec in (f for f in FIELDS if f.section == section):
                form.field(spec)
            if section == "network":
                outage_window(form, ref.horizon.start)
    with st.expander(t("app_sec_more")):
        advanced(form)

    st.subheader(t("app_run_section"))
    c1, c2, c3 = st.columns([2, 1, 1])
    name = c1.text_input(t("app_whatif_name"), value=f"{ref.name}-whatif", key=form.key("name"))
    reps = c2.number_input(
        t("app_reps", min=core.MIN_REPS),
        min_value=core.MIN_REPS,
        max_value=core.MAX_REPS,
        value=max(core.MIN_REPS, ref.run.reps),
        step=1,
        key=form.key("reps"),
    )
    seed = c3.number_input(
        t("app_seed"), min_value=0, value=int(ref.run.seed), step=1, key=form.key("seed")
    )
    if "__invalid__" in form.changes:
        top.error(t("app_invalid"))
        return None, None
    whatif = core.WhatIf(
        source, form.changes, name.strip() or f"{ref.name}-whatif", int(reps), int(seed)
    )
    try:
        scenarios = whatif.scenarios(folder)
    except ScenarioError as exc:
        slot = form.error_slot(exc.path)
        (slot or top).error(str(exc))
        if slot is not None:
            top.error(t("app_invalid"))
        return None, None
    with st.expander(t("app_changes")):
        if form.changes:
            st.code(
                json.dumps(core.nest(form.changes), ensure_ascii=False, indent=1), language="json"
            )
        else:
            st.write(t("app_no_changes"))
    st.caption(t("app_valid"))
    return whatif, scenarios


# ----------------------------------------------------------------------------- run


@st.fragment(run_every=1.0)
def progress_view(lang: str) -> None:
    t = _t(lang)
    job: core.Job | None = st.session_state.get("job")
    if job is None:
        return
    if job.running:
        st.progress(
            job.progress,
            text=t("app_progress", done=job.done, total=job.total, seconds=job.seconds),
        )
        if st.button(t("app_cancel"), key="cancel"):
            job.cancel()
    elif st.session_state.get("job_shown") != job.id:
        st.session_state["job_shown"] = job.id
        st.rerun()


def run_section(whatif: core.WhatIf | None, scenarios: Any, lang: str) -> None:
    t = _t(lang)
    job: core.Job | None = st.session_state.get("job")
    busy = job is not None and job.running
    if st.button(t("app_run"), type="primary", disabled=whatif is None or busy, key="run"):
        assert whatif is not None
        ref, other = scenarios
        job = core.get_runner().submit(ref, other, whatif.reps, whatif.seed)
        st.session_state["job"] = job
        st.session_state["job_whatif"] = whatif
        st.session_state["job_shown"] = job.id if not job.running else None
        busy = job.running
    if busy:
        progress_view(lang)
        return
    if job is None:
        return
    if job.status == "cancelled":
        st.warning(t("app_cancelled"))
    elif job.status == "error":
        st.error(t("app_failed", error=job.error))
    elif job.result is not None:
        current = None
        if whatif is not None:
            current = core.request_key(scenarios[0], scenarios[1], whatif.reps, whatif.seed)
        if current != job.key:
            st.info(t("app_stale"))
        results(job, st.session_state["job_whatif"], lang)


# ----------------------------------------------------------------------------- results


def _outputs(job: core.Job, lang: str) -> dict[str, bytes]:
    """Plots (``<stem>.png``) and workbook (``results.xlsx``), drawn in the worker pool."""
    assert job.result is not None
    return core.get_runner().outputs(job.key, job.result, lang)


def results(job: core.Job, whatif: core.WhatIf, lang: str) -> None:
    t = _t(lang)
    cmp = job.result
    assert cmp is not None
    st.subheader(t("app_results"))
    h = core.headline(cmp)
    if job.cached:
        st.caption(t("app_took_cached", reps=cmp.reps, seed=cmp.seed))
    else:
        st.caption(t("app_took", reps=cmp.reps, seed=cmp.seed, seconds=job.seconds))
    c1, c2, c3 = st.columns(3)
    for col, key, title in (
        (c1, "ref", t("app_reference", name=cmp.labels[0])),
        (c2, "other", t("app_whatif", name=cmp.labels[1])),
    ):
        with col, st.container(key=f"kpi_{key}", border=True):
            st.metric(title, core.pct(h[key]))
            ci = t("app_ci", low=core.pct(h[f"{key}_low"]), high=core.pct(h[f"{key}_high"]))
            st.caption(f"{t('on_time_rate')} · {ci}")
    with c3, st.container(key="kpi_diff", border=True):
        st.metric(t("app_difference"), core.pp(h["diff"]))
        st.caption(f"{t('paired')}: [{core.pp(h['diff_low'])}; {core.pp(h['diff_high'])}]")

    outputs = _outputs(job, lang)
    pngs = {k.removesuffix(".png"): v for k, v in outputs.items() if k.endswith(".png")}
    tabs = st.tabs(
        [
            t(k)
            for k in (
                "app_tab_units",
                "app_tab_backlog",
                "app_tab_months",
                "app_tab_causes",
                "app_tab_forest",
                "app_tab_downloads",
            )
        ]
    )
    with tabs[0]:
        u = core.unit_comparison(cmp)
        show = pd.DataFrame(
            {
                t("app_code"): u["code"],
                t("app_name"): u["name"],
                t("app_type"): u["type"],
                t("app_col_reference"): 100 * u["reference"],
                t("app_col_scenario"): 100 * u["scenario"],
                t("app_col_difference"): 100 * u["difference"],
                t("app_col_low"): 100 * u["paired_ci95_low"],
                t("app_col_high"): 100 * u["paired_ci95_high"],
            }
        )
        pct_cols = [c for c in show.columns[3:]]
        st.dataframe(
            show,
            hide_index=True,
            width="stretch",
            column_config={c: st.column_config.NumberColumn(c, format="%.2f") for c in pct_cols},
            key="units_table",
        )
        bars = u.melt(id_vars=["name"], value_vars=["reference", "scenario"], var_name="which")
        bars["which"] = bars["which"].map({"reference": cmp.labels[0], "scenario": cmp.labels[1]})
        bars["value"] = 100 * bars["value"]
        low = float(bars["value"].min()) if bars["value"].notna().any() else 0.0
        domain = [max(0.0, 5 * ((low - 1) // 5)), 100.0]
        chart = (
            alt.Chart(bars)
            .mark_bar(clip=True)
            .encode(
                x=alt.X("value:Q", title=t("on_time_rate"), scale=alt.Scale(domain=domain)),
                y=alt.Y("name:N", title=t("unit"), sort="-x"),
                yOffset="which:N",
                color=alt.Color("which:N", title=t("scenario")),
            )
        )
        st.altair_chart(chart, width="stretch")
        st.image(pngs["unit_on_time"])
    with tabs[1]:
        st.image(pngs["backlog"])
    with tabs[2]:
        m = core.month_comparison(cmp)
        if len(m):
            m = m.assign(rate=100 * m["on_time_rate"])
            st.altair_chart(
                alt.Chart(m)
                .mark_bar()
                .encode(
                    x=alt.X("month:N", title=t("app_col_month")),
                    xOffset="scenario:N",
                    y=alt.Y("rate:Q", title=t("on_time_rate"), scale=alt.Scale(zero=False)),
                    color=alt.Color("scenario:N", title=t("scenario")),
                ),
                width="stretch",
            )
            st.dataframe(
                pd.DataFrame(
                    {
                        t("app_col_month"): m["month"],
                        t("scenario"): m["scenario"],
                        t("on_time_rate"): m["rate"].round(2),
                        t("late"): m["late"].round(1),
                    }
                ),
                hide_index=True,
            )
    with tabs[3]:
        c = core.cause_comparison(cmp)
        c = c.assign(cause_label=[t(f"cause_{x}") for x in c["cause"]])
        st.altair_chart(
            alt.Chart(c)
            .mark_bar()
            .encode(
                x=alt.X("late_per_rep:Q", title=t("app_col_late")),
                y=alt.Y("cause_label:N", title=t("app_col_cause")),
                yOffset="scenario:N",
                color=alt.Color("scenario:N", title=t("scenario")),
            ),
            width="stretch",
        )
    with tabs[4]:
        st.image(pngs["forest"])
        st.image(pngs["unit_differences"])
    with tabs[5]:
        downloads(job, whatif, lang, pngs, outputs["results.xlsx"])


def downloads(
    job: core.Job, whatif: core.WhatIf, lang: str, pngs: dict[str, bytes], xlsx: bytes
) -> None:
    t = _t(lang)
    cmp = job.result
    assert cmp is not None
    stem = whatif.name.replace("/", "_").replace(" ", "_") or "whatif"
    st.download_button(
        t("app_dl_yaml"),
        whatif.to_yaml().encode("utf-8"),
        file_name=f"{stem}.yaml",
        mime="application/x-yaml",
        key="dl_yaml",
        on_click="ignore",
        help=t("app_dl_yaml_help"),
    )
    st.download_button(
        t("app_dl_xlsx"),
        xlsx,
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_xlsx",
        on_click="ignore",
    )
    st.download_button(
        t("app_dl_summary"),
        core.summary_html(cmp, whatif, lang, {k: pngs[k] for k in ("forest", "unit_differences")}),
        file_name=f"{stem}_summary.html",
        mime="text/html",
        key="dl_summary",
        on_click="ignore",
    )
    for k, data in pngs.items():
        st.download_button(
            t("app_dl_png", name=t(f"app_plot_{k}")),
            data,
            file_name=f"{stem}_{k}.png",
            mime="image/png",
            key=f"dl_png_{k}",
            on_click="ignore",
        )


# ----------------------------------------------------------------------------- sweeps


def sweep_stores(root: Path) -> list[str]:
    """Finished sweep folders under ``root`` (relative paths), sorted."""
    out: list[str] = []
    if not root.is_dir():
        return out
    for man in sorted(root.glob("**/manifest.json")):
        if len(man.relative_to(root).parts) > 4:
            continue
        try:
            kind = json.loads(man.read_text(encoding="utf-8")).get("kind")
        except (OSError, ValueError, AttributeError):
            continue
        if kind == "sweep" and (man.parent / "points.csv").is_file():
            out.append(man.parent.relative_to(root).as_posix() or ".")
    return out


def sweeps_page(lang: str) -> None:
    import itertools

    from sim import plots
    from sim.sweep import read_sweep

    t = _t(lang)
    root = Path(os.environ.get(core.ENV_SWEEPS) or "results").resolve()
    stores = sweep_stores(root)
    if not stores:
        st.info(t("app_sweeps_none", folder=root))
        return
    chosen = st.selectbox(t("app_sweep_store"), stores, key="sweep_store")
    _, points, man = read_sweep(root / chosen)
    sweep = man.get("sweep", {})
    factors = list(sweep.get("factors", {}))
    grid = sweep.get("design", "grid") == "grid"
    st.subheader(t("app_sweep_points"))
    st.dataframe(points, hide_index=True, width="stretch")
    if factors:
        st.subheader(t("app_sweep_factor"))
        f = st.selectbox(t("app_sweep_factor"), factors, format_func=lambda x: t(x), key="sweep_f")
        others = [g for g in factors if g != f] if grid else []
        fig = plots.rate_vs_factor(points, f, by=others[:1], connect=grid, lang=lang)
        st.image(core.png_bytes(fig))
    pairs = list(itertools.combinations(factors, 2))
    if pairs:
        st.subheader(t("app_sweep_heatmap"))
        pair = st.selectbox(
            t("app_sweep_heatmap"),
            pairs,
            format_func=lambda p: f"{t(p[0])} × {t(p[1])}",
            key="sweep_pair",
        )
        facets = [g for g in factors if g not in pair] if grid else []
        fig = plots.heatmap(points, pair[0], pair[1], facets=facets, lang=lang)
        st.image(core.png_bytes(fig))


# ----------------------------------------------------------------------------- page


def main() -> None:
    st.set_page_config(page_title="tthc-sim", layout="wide")
    shown = "en" if st.session_state.get("english") else "vi"
    english = st.sidebar.toggle(label("app_english", shown), key="english")
    lang = "en" if english else "vi"
    t = _t(lang)
    st.title(t("app_title"))
    pages = ["whatif", "sweeps"]
    page = st.sidebar.radio(
        t("app_page"), pages, format_func=lambda p: t(f"app_page_{p}"), key="page"
    )
    if page == "sweeps":
        sweeps_page(lang)
        return
    core.get_runner().warm()
    folder = _folder()
    source = choose_source(folder, t)
    if source is None:
        return
    whatif, scenarios = change_form(source, folder, lang)
    run_section(whatif, scenarios, lang)


if __name__ == "__main__":
    main()
