"""``civicgrid integration …`` and ``civicgrid meeting …`` (typer sub-apps).

Wired into the main CLI with ``app.add_typer(integration_app, name="integration")`` and
``app.add_typer(meeting_app, name="meeting")`` (the meeting commands live in ``meeting_cli``).
Every command takes ``--json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from civicgrid.integration.cli_common import (APP_DB_OPT, AS_OF_OPT, CONFIG_OPT, DB_OPT, JSON_OPT, LEVEL_OPT,
                                              USER_OPT, _cfg, _date, _dump, _guard, console, out)

integration_app = typer.Typer(help="Problem properties: scores, profiles, early warning, back-test, areas.",
                              no_args_is_help=True)


@integration_app.command("scores")
@_guard
def scores_cmd(db: Path = DB_OPT, level: str = LEVEL_OPT, limit: int = typer.Option(25, min=1, help="Rows to show."),
               over_threshold: bool = typer.Option(False, "--over-threshold", help="Only locations over threshold."),
               as_of: Optional[str] = AS_OF_OPT, config: Optional[Path] = CONFIG_OPT, as_json: bool = JSON_OPT) -> None:
    """The ranked list: score, departments, lead and the largest components."""
    from civicgrid.integration.api import ranked_list

    r = ranked_list(db, level, limit, over_threshold_only=over_threshold, as_of=_date(as_of), cfg=_cfg(config))
    if as_json:
        return _dump(r)
    t = Table(title=f"Ranked {level}s — data as of {str(r['as_of'])[:10]} (threshold {r['threshold']:g}, "
                    f"overlap = {r['min_departments']}+ departments)")
    key_col = "parcel id" if level == "parcel" else "block"
    for c in ("rank", key_col, "address", "score", "depts", "over", "lead", "largest components"):
        t.add_column(c, justify="right" if c in ("rank", "score", "depts") else "left", overflow="fold")
    for x in r["rows"]:
        # the parcel id is what `civicgrid integration profile` takes
        t.add_row(str(x["rank"]), str(x["location_key"]), str(x.get("address") or ""), f"{x['score']:.1f}",
                  str(x["n_departments"]), "yes" if x["over_threshold"] else "", str(x.get("lead_department") or ""),
                  str(x.get("top_components") or ""))
    out.print(t)
    if r["stale_departments"]:
        console.print(f"note: no records in the overlap window from {', '.join(r['stale_departments'])}; "
                      "their exports end earlier.", highlight=False)


@integration_app.command("profile")
@_guard
def profile_cmd(parcel: str = typer.Argument(..., help="Parcel id (as in parcel_spine)."), db: Path = DB_OPT,
                police_detail: bool = typer.Option(False, "--police-detail", help="Show police detail and protected "
                                                   "calls (roles that need them only; audited)."),
                app_db: Optional[str] = APP_DB_OPT, user: Optional[str] = USER_OPT, as_of: Optional[str] = AS_OF_OPT,
                config: Optional[Path] = CONFIG_OPT, as_json: bool = JSON_OPT) -> None:
    """One property: facts, owner's other parcels, timeline, open items, score, block activity."""
    from civicgrid.integration.profile import property_profile

    p = property_profile(db, parcel, can_see_police_detail=police_detail, as_of=_date(as_of), cfg=_cfg(config),
                         app_db=app_db, username=user)
    if as_json:
        return _dump(p)
    f = p["facts"]
    out.print(f"[bold]{p['address'] or parcel}[/] ({parcel}) · {p['neighborhood'] or ''} · data as of {str(p['as_of'])[:10]}")
    out.print(f"class {f['property_class']} · use {f['land_use']} · owner {f['owner']} · assessed {f['assessed_value']} · "
              f"city-owned {f['city_owned']} · rental registration {f['rental_registration']}", highlight=False)
    if f["tax_delinquency"]:
        out.print(f"tax delinquent: {f['tax_delinquency']}", highlight=False)
    if f["condemned"]:
        out.print(f"condemned: {f['condemned']}", highlight=False)
    o = p["owner_other_parcels"]
    out.print(f"owner's other parcels: {o['total']} {o['by_owner'][:5]}", highlight=False)
    s = p["score"]
    out.print(f"[bold]score {s.get('score', 0):.1f}[/] (rank {s.get('rank')})")
    for c in s["components"][:10]:
        out.print(f"  {c['department']} · {c['category']} ({c['attribution']}): {c['n_events']} record(s), "
                  f"{c['points']:.2f} points", highlight=False)
    out.print(f"timeline: {len(p['timeline'])} record(s); open items: {len(p['open_items'])}")
    for e in p["timeline"][:15]:
        out.print(f"  {str(e['date'])[:10]} {e['department']:<17} {e['kind']:<16} {str(e.get('category') or '')[:60]}"
                  f"{' (block)' if e['attribution'] == 'block' else ''}", highlight=False)


@integration_app.command("early-warning")
@_guard
def early_warning_cmd(db: Path = DB_OPT, level: str = LEVEL_OPT, limit: int = typer.Option(40, min=1, help="Rows to show."),
                      as_of: Optional[str] = AS_OF_OPT, config: Optional[Path] = CONFIG_OPT,
                      as_json: bool = JSON_OPT) -> None:
    """Rate spikes, first crossings and escalations, with one-sentence reasons."""
    from civicgrid.integration.api import early_warning_list

    r = early_warning_list(db, level, as_of=_date(as_of), cfg=_cfg(config))
    if as_json:
        return _dump(r)
    t = Table(title=f"Early warning ({level}s) — data as of {str(r['as_of'])[:10]}: {len(r['rows'])} flag(s)")
    for c in ("location", "flag", "score", "why"):
        t.add_column(c, overflow="fold")
    for x in r["rows"][:limit]:
        t.add_row(x["location_key"], x["flag"], f"{x['score']:.1f}", x["detail"])
    out.print(t)


@integration_app.command("backtest")
@_guard
def backtest_cmd(db: Path = DB_OPT, level: str = typer.Option("block", "--level", help="block or parcel."),
                 start: Optional[str] = typer.Option(None, help="First flag date (default: from the data)."),
                 end: Optional[str] = typer.Option(None, help="Last flag date."),
                 horizon: Optional[int] = typer.Option(None, help="Days ahead a serious event counts (90)."),
                 k: Optional[int] = typer.Option(None, help="Locations per meeting (team capacity, 25)."),
                 config: Optional[Path] = CONFIG_OPT, as_json: bool = JSON_OPT) -> None:
    """Flags raised at past dates vs serious events (fire, condemnation, arrest) in the next 90 days."""
    from civicgrid.integration.api import run_backtest

    r = run_backtest(db, level, start=_date(start), end=_date(end), horizon_days=horizon, k=k, cfg=_cfg(config))
    if as_json:
        return _dump(r)
    w = r["window"]
    out.print(f"[bold]Back-test ({level}s)[/]: {w['n_dates']} flag dates {w['start']} .. {w['end']}, every "
              f"{r['step_days']} days; serious event within {r['horizon_days']} days; base rate {r['base_rate']:.1%} "
              f"of {r['eligible_location_dates']:,} active location-dates.")
    t = Table(title=f"precision at the team's capacity (top {r['k']})")
    for c in ("ranking", "picks", "hits", "precision", "lift vs base rate"):
        t.add_column(c, justify="left" if c == "ranking" else "right")
    for m, d in r["methods"].items():
        t.add_row(m, f"{d['picks']:,}", f"{d['hits']:,}", f"{d['precision']:.1%}" if d["precision"] is not None else "—",
                  f"{d['lift']:.2f}" if d["lift"] is not None else "—")
    out.print(t)


@integration_app.command("areas")
@_guard
def areas_cmd(db: Path = DB_OPT, area_type: str = typer.Option("neighborhood", "--by", help="neighborhood or council_district."),
              as_of: Optional[str] = AS_OF_OPT, config: Optional[Path] = CONFIG_OPT, as_json: bool = JSON_OPT) -> None:
    """Counts and per-1,000-resident rates by area, flags next to demographics."""
    from civicgrid.integration.api import area_report

    r = area_report(db, as_of=_date(as_of), cfg=_cfg(config))
    if as_json:
        return _dump(r)
    rows = sorted((x for x in r["rows"] if x["area_type"] == area_type),
                  key=lambda x: -(x["flagged_per_1000"] or 0) * 1e6 - x["n_events_365"])
    t = Table(title=f"By {area_type} — data as of {str(r.get('as_of'))[:10]}")
    cols = ["area", "residents", "records (365 d)", "per 1,000", "over threshold", "flagged", "flags per 1,000", "demographics"]
    for c in cols:
        t.add_column(c, justify="left" if c in ("area", "demographics") else "right", overflow="fold")
    for x in rows[:40]:
        demo = ", ".join(f"{k} {v:g}" for k, v in (x["demographics"] or {}).items() if v is not None)
        t.add_row(x["area"], f"{x['population']:,.0f}" if x["population"] else "—", str(x["n_events_365"]),
                  f"{x['events_per_1000']:.1f}" if x["events_per_1000"] is not None else "—",
                  str(x["n_parcels_over_threshold"]), str(x["n_flagged"]),
                  f"{x['flagged_per_1000']:.2f}" if x["flagged_per_1000"] is not None else "—", demo)
    out.print(t)
    for d in r.get("disparity", []):
        out.print(f"{d['measure']}: Spearman ρ = {d['spearman_rho']:+.2f} over {d['neighbourhoods']} neighbourhoods "
                  f"({d['reading']})", highlight=False)


@integration_app.command("outcomes")
@_guard
def outcomes_cmd(db: Path = DB_OPT, app_db: Optional[str] = APP_DB_OPT, months: int = typer.Option(6, help="Months before/after."),
                 config: Optional[Path] = CONFIG_OPT, as_json: bool = JSON_OPT) -> None:
    """Records per month before and after first discussion vs similar never-discussed locations."""
    from civicgrid.integration.outcomes import outcomes

    r = outcomes(app_db, db, months=months, cfg=_cfg(config))
    if as_json:
        return _dump(r)
    for lv, d in r["levels"].items():
        out.print(f"[bold]{lv}s[/]: {d['discussed']} discussed, {d['with_after_data']} with data after; "
                  f"change per month {d['discussed_change_per_month']} vs comparison {d['comparison_change_per_month']} "
                  f"→ DiD {d['difference_in_differences']} (SE {d['standard_error']}): {d['reading']}", highlight=False)
    if r.get("note"):
        out.print(r["note"])


@integration_app.command("contest")
@_guard
def contest_cmd(location: str = typer.Argument(..., help="Parcel id or block key."), reason: str = typer.Option(..., "--reason"),
                level: str = LEVEL_OPT, component: Optional[str] = typer.Option(None, help="The component contested."),
                app_db: Optional[str] = APP_DB_OPT, user: Optional[str] = USER_OPT, as_json: bool = JSON_OPT) -> None:
    """Record a disagreement with a score (score_contests)."""
    from civicgrid.integration.casework import contest_score

    r = contest_score(app_db, level=level, location_key=location, reason=reason, component=component, submitted_by=user)
    _dump(r) if as_json else out.print(f"contest {r['id']} recorded for {level} {location}")


@integration_app.command("resolve-contest")
@_guard
def resolve_contest_cmd(contest_id: int = typer.Argument(...),
                        status: str = typer.Option(..., "--status", help="upheld, rejected or corrected."),
                        note: str = typer.Option(..., "--note", help="Why it is resolved this way."),
                        app_db: Optional[str] = APP_DB_OPT, user: Optional[str] = USER_OPT,
                        as_json: bool = JSON_OPT) -> None:
    """Resolve a score contest with a note (audited)."""
    from civicgrid.integration.casework import resolve_contest

    r = resolve_contest(app_db, contest_id, status=status, resolution=note, resolved_by=user)
    _dump(r) if as_json else out.print(f"contest {contest_id} {r['status']}")


from civicgrid.integration.meeting_cli import meeting_app  # noqa: E402  (re-exported for the main CLI)

__all__ = ["integration_app", "meeting_app"]
