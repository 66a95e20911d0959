"""The hometown-workforce report: one JSON-ready dict for the CLI, the web app and exports.

:func:`workforce_report` reads ``roster_records``, ``job_postings``, ``job_applicants`` and the
benchmark (a ``reference`` source) from a warehouse, computes every workforce metric of GUIDE §5,
suppresses groups under 5 people (GUIDE §6), checks that no person token or id is in the result,
and returns it. Each section says its definition and the tables/sources it was computed from;
a section whose inputs are not loaded says ``status: not_available`` and why.

Given a writable connection and ``write_tables=True`` it also (re)writes ``workforce_turnover``,
``workforce_retention`` and ``workforce_representation`` (:mod:`civicgrid.workforce.tables`).
:func:`after_ingest_hook` does that inside ``build_warehouse(..., after_ingest=...)``.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from civicgrid.workforce import hard_to_fill as htf
from civicgrid.workforce import hiring, load, representation, retention, turnover
from civicgrid.workforce.privacy import assert_no_personal_data, records
from civicgrid.workforce.settings import WorkforceSettings, load_settings, settings_beside
from civicgrid.workforce.spells import prepare_roster
from civicgrid.workforce.tables import write_tables as _write_tables

__all__ = ["after_ingest_hook", "summary_lines", "workforce_report"]

SOURCE_ROSTER = "roster_records (kind employee_roster)"


def _open(con_or_db_path, write: bool):
    if isinstance(con_or_db_path, (str, Path)):
        from civicgrid.warehouse.db import connect, open_readonly

        con = connect(con_or_db_path) if write else open_readonly(con_or_db_path)
        return con, True
    return con_or_db_path, False


def _sources(con, table: str) -> list[str]:
    try:
        return [r[0] for r in con.execute(f"SELECT DISTINCT source FROM {table} ORDER BY 1").fetchall()]
    except Exception:  # noqa: BLE001 - table absent in an older warehouse
        return []


def workforce_report(con_or_db_path, settings: "WorkforceSettings | dict | str | Path | None" = None, *,
                     write_tables: bool = False) -> dict:
    """Compute the workforce report from a warehouse.

    Args:
        con_or_db_path: an open DuckDB connection, or the warehouse file (opened read-only, or
            read-write when ``write_tables``).
        settings: :class:`WorkforceSettings`, a dict, a ``workforce.yaml`` path, or None — then the
            ``workforce.yaml`` beside the config of the warehouse's latest build, else defaults.
        write_tables: also replace the ``workforce_*`` warehouse tables (needs a writable connection).

    Returns:
        JSON-ready dict: ``generated_at``, ``city``, ``settings``, ``privacy``, ``data_quality``,
        ``turnover``, ``retention``, ``representation``, ``hiring``, ``hard_to_fill``, ``timings_s``
        and (when written) ``tables_written``.

    Raises:
        PrivacyError: a person token or id would be in the output (a bug; nothing is returned).
        WarehouseError: the file is missing or locked by a build.
    """
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    con, owned = _open(con_or_db_path, write_tables)
    try:
        build = load.latest_build(con)
        if settings is None and build:
            settings = settings_beside(build.get("config_path"))
        s = load_settings(settings)
        roster = load.load_roster(con)
        postings = load.load_postings(con)
        applicants = load.load_applicants(con)
        bench_cfg = s.representation.benchmark
        bench_file = bench_cfg.file
        if bench_file and not Path(bench_file).is_absolute() and s.path is not None:
            bench_file = str(s.path.parent / bench_file)  # relative to the settings file
        ref = (load.read_benchmark_file(bench_file) if bench_file
               else load.load_reference(con, bench_cfg.source) if bench_cfg.source else pd.DataFrame())
        srcs = {t: _sources(con, t) for t in ("roster_records", "job_postings", "job_applicants")}
        timings["load"] = time.perf_counter() - t0
        out = _compute(roster, postings, applicants, ref, s, srcs, timings)
        out["city"] = build.get("city") if build else None
        out["build"] = {k: v for k, v in (build or {}).items() if k != "config_path"} or None
        out["settings"] = {"file": str(s.path) if s.path else None, "min_group": s.min_group,
                           "exclude_departments": s.exclude_departments}
        tokens = set(roster["person_token"].dropna().astype(str)) | set(roster["employee_id"].dropna().astype(str))
        tokens |= set(applicants["person_token"].dropna().astype(str))
        frames = out.pop("_frames")
        assert_no_personal_data(out, tokens)
        if write_tables:
            out["tables_written"] = _write_tables(con, frames)
        timings["total"] = time.perf_counter() - t0
        out["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
        return out
    finally:
        if owned:
            con.close()


def _compute(roster, postings, applicants, ref, s: WorkforceSettings, srcs: dict, timings: dict) -> dict:
    t = time.perf_counter()
    out: dict = {"generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    out["privacy"] = {
        "min_group": s.min_group,
        "rule": (f"groups of 1-{s.min_group - 1} people are suppressed: counts and rates are null and "
                 f"'suppressed' is true; a second group is hidden where a total would let a hidden one be "
                 f"recovered by subtraction; survival curves stop where fewer than {s.min_group} are at risk. "
                 f"Zero counts are shown. For the four-fifths rule the group is the applicant pool. "
                 f"Data-quality figures are row counts. No names, tokens or employee ids are output (checked "
                 f"against every roster token before the report is returned)."),
    }
    if not len(roster):
        out["data_quality"] = {"rows": 0}
        for sec in ("turnover", "retention", "representation", "hard_to_fill"):
            out[sec] = {"status": "not_available", "reason": "no employee roster loaded (kind employee_roster)"}
        out["hiring"] = _hiring(pd.DataFrame(), postings, applicants, s, srcs)
        out["_frames"] = {}
        return out
    df, dq = prepare_roster(roster, s)
    out["data_quality"] = dq
    timings["prepare"] = time.perf_counter() - t
    frames: dict[str, pd.DataFrame] = {}

    t = time.perf_counter()
    raws = {lvl: turnover.turnover_raw(df, lvl, s.new_hire_window_months) for lvl in turnover.LEVELS}
    levels = {lvl: turnover.turnover_table(df, lvl, s, raws[lvl]) for lvl in turnover.LEVELS}
    by_class = turnover.turnover_summary(raws["job_class"], levels["job_class"], s)
    by_dep = turnover.turnover_summary(raws["department"], levels["department"], s)
    frames["workforce_turnover"] = pd.concat(levels.values(), ignore_index=True)
    snaps = sorted(df["year"].unique())
    out["turnover"] = {
        "status": "ok" if len(snaps) > 1 else "partial",
        "definition": ("turnover = separations in the period ÷ average headcount ((start + end) ÷ 2); a period "
                       "runs from one roster to the next. hire = on this roster, on no roster of the previous "
                       "snapshot; separation = on the previous roster, absent from this one; a move between "
                       "departments or job classes is a transfer, not a separation. first-year turnover = share "
                       "of new hires (hire date in the 12 months before a roster) absent from the next roster."),
        "source": SOURCE_ROSTER + f": {', '.join(srcs['roster_records'])}",
        "snapshots": dq["snapshots"],
        "note": None if len(snaps) > 1 else ("a single roster: hires are counted from hire dates; separations, "
                                             "turnover and first-year turnover need two or more rosters"),
        "city": records(levels["city"]),
        "by_department": records(levels["department"]),
        "by_job_class": ("yearly rows per job class are in the warehouse table workforce_turnover "
                         "(level = 'job_class'); all periods pooled: job_class_all_periods"),
        "department_all_periods": records(by_dep),
        "job_class_all_periods": records(by_class),
    }
    timings["turnover"] = time.perf_counter() - t

    t = time.perf_counter()
    hidden = {"department": set(by_dep.loc[by_dep["suppressed"], "group_name"]),
              "job_class": set(by_class.loc[by_class["suppressed"], "group_name"])}
    curves, summ = retention.retention_tables(df, s, hidden)
    frames["workforce_retention"] = curves
    out["retention"] = {
        "definition": ("Kaplan-Meier S(t) of staying employed t years after the original hire date, per group "
                       "(lifelines), left-truncated at each person's first roster; an exit is dated midway "
                       "between the last roster showing the person and the next; people on the last roster are "
                       "censored. Groups compared with a log-rank test over the same risk sets. Median tenure = "
                       "KM median. Curves stop where fewer than min_group people are at risk."),
        "source": SOURCE_ROSTER, **summ, "curves": records(curves),
    }
    if summ["status"] != "ok":
        out["retention"]["current_staff_tenure"] = retention.current_tenure(df, s)
    timings["retention"] = time.perf_counter() - t

    t = time.perf_counter()
    bench = representation.benchmark_shares(ref, s.representation.benchmark)
    label = s.representation.benchmark.label if len(bench) else ""
    rep, notes = representation.representation_table(df, bench, s, label)
    frames["workforce_representation"] = rep
    b = s.representation.benchmark
    out["representation"] = {
        "definition": ("representation index = group's share of the workforce ÷ group's share of the benchmark "
                       "population, by EEO-4 job category × race/ethnicity × sex (margins labelled 'All'); shares "
                       "over staff whose race and sex map onto the benchmark groups."),
        "source": SOURCE_ROSTER + (f"; benchmark: reference source {b.source!r}" if b.source else "")
                  + (f"; benchmark file {b.file}" if b.file else ""),
        "benchmark": {"label": label or None, "universe": b.universe,
                      "groups": records(representation.comparable_benchmark(bench, s)[0]),
                      "caveat": ("metro-area labour force of all occupations, not occupation-specific availability; "
                                 "ACS race-alone groups include Hispanic people who are also counted as Hispanic")}
        if len(bench) else {"status": "not_available", "reason": "no benchmark configured or loaded"},
        **notes, "table": records(rep),
        "four_fifths": _four_fifths(applicants, s),
        "resident_hire_rate": representation.resident_hire_rate(_hires_with_zip(df, applicants, s), s.city_zips, s),
    }
    timings["representation"] = time.perf_counter() - t

    t = time.perf_counter()
    out["hiring"] = _hiring(df, postings, applicants, s, srcs)
    table, summ = htf.hard_to_fill(by_class, postings, applicants, s)
    out["hard_to_fill"] = {"definition": ("job classes ranked by the mean percentile rank of the signals available: "
                                          "median days to fill, number of postings, applicants per posting "
                                          "(fewer = harder), turnover in the class (all periods pooled; classes "
                                          "averaging under hard_to_fill_min_headcount people left out); each "
                                          "row shows the raw values beside their ranks"), **summ,
                           "source": SOURCE_ROSTER + "; job_postings; job_applicants", "classes": records(table)}
    timings["hiring"] = time.perf_counter() - t
    out["_frames"] = frames
    return out


def _four_fifths(applicants: pd.DataFrame, s: WorkforceSettings) -> dict:
    res = {}
    for col, gmap in (("race", s.representation.race_groups), ("sex", s.representation.sex_groups)):
        tab, summ = representation.four_fifths(applicants, col, s, gmap)
        res[col] = {**summ, "groups": records(tab)}
    return {"definition": "selection rate = hired ÷ applicants per group; impact ratio = rate ÷ highest rate; "
                          "under 0.8 flags adverse impact (four-fifths rule)",
            "source": "job_applicants (kind job_applicant)", **res}


def _hires_with_zip(df: pd.DataFrame, applicants: pd.DataFrame, s: WorkforceSettings) -> pd.DataFrame:
    parts = []
    if len(applicants):
        hired = representation._hired(applicants)
        parts.append(applicants.loc[hired, ["home_zip"]])
    if len(df) and "home_zip" in df:
        from civicgrid.workforce.spells import new_hires_by_hire_date

        parts.append(df.loc[new_hires_by_hire_date(df, s.new_hire_window_months), ["home_zip"]])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["home_zip"])


def _hiring(df, postings, applicants, s: WorkforceSettings, srcs: dict) -> dict:
    ttf, ttf_s = hiring.time_to_fill(postings, s)
    tth, tth_s = hiring.time_to_hire(applicants, postings, s)
    vac, vac_s = hiring.vacancy_rate(df, s.authorized_positions, s) if len(df) else (
        pd.DataFrame(), {"status": "not_available", "reason": "no roster"})
    return {
        "time_to_fill": {"definition": "days from requisition opened to offer accepted; percentiles by job class",
                         "source": f"job_postings: {', '.join(srcs['job_postings']) or 'none loaded'}",
                         **ttf_s, "by_job_class": records(ttf)},
        "time_to_hire": {"definition": "days from application to accepted offer; percentiles by job class",
                         "source": f"job_applicants: {', '.join(srcs['job_applicants']) or 'none loaded'}",
                         **tth_s, "by_job_class": records(tth)},
        "vacancy_rate": {"definition": "vacant ÷ authorized positions (authorized from settings); filled = latest "
                                       "roster", "source": SOURCE_ROSTER + "; settings authorized_positions",
                         **vac_s, "by_department": records(vac)},
    }


def after_ingest_hook(con, cfg, report) -> None:
    """``build_warehouse(..., after_ingest=after_ingest_hook)``: write the workforce tables into the new
    file before it is swapped in (settings: ``workforce.yaml`` beside the city config)."""
    cur = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'roster_records'").fetchone()
    if not cur or not cur[0]:
        return
    found = settings_beside(getattr(cfg, "path", None))
    workforce_report(con, found if found else WorkforceSettings(), write_tables=True)


def summary_lines(report: dict) -> list[str]:
    """A few plain-text lines summarising a report (for the CLI's non-JSON output)."""
    def pct(v):
        return "—" if v is None else f"{100 * v:.1f} %"

    def num(v):
        return "—" if v is None else f"{v:,.0f}"

    lines = [f"Workforce report — {report.get('city') or 'city'} (groups under "
             f"{report['privacy']['min_group']} people suppressed)"]
    tur = report.get("turnover", {})
    for r in tur.get("city", []):
        lines.append(f"  {r['year']}: headcount {num(r['headcount_end'])}, hires {num(r['hires'])}, "
                     f"separations {num(r['separations'])}, turnover {pct(r['turnover'])}, "
                     f"first-year turnover {pct(r['first_year_turnover'])}")
    ret = report.get("retention", {})
    if ret.get("status") == "ok":
        allg = ret["groupings"]["all"]["groups"][0]
        med = allg.get("median_tenure_years")
        lines.append(f"  retention: median tenure {'not reached' if med is None else f'{med:.1f} years'} "
                     f"({allg['people']:,} people, {allg['separations']:,} separations)")
    else:
        lines.append(f"  retention: {ret.get('status')} — {ret.get('reason', '')}")
    rep = report.get("representation", {})
    lines.append(f"  representation: {rep.get('status')}" + (f" — {rep['reason']}" if rep.get("reason") else
                                                            f", {len(rep.get('table', []))} cells"))
    for key in ("time_to_fill", "time_to_hire", "vacancy_rate"):
        h = report.get("hiring", {}).get(key, {})
        reason = f" — {h['reason']}" if h.get("reason") else ""
        lines.append(f"  {key.replace('_', ' ')}: {h.get('status')}{reason}")
    htf_ = report.get("hard_to_fill", {})
    top = [c["job_class"] for c in htf_.get("classes", [])[:5]]
    if top:
        lines.append(f"  hard to fill (signals: {', '.join(htf_['signals_used'])}): {'; '.join(top)}")
    lines.append("  " + report.get("representation", {}).get("resident_hire_rate", {}).get("note", ""))
    return lines
