"""``civicgrid linkage …``: link, evaluate, and the review queue (typer sub-app).

Wired into the main CLI with ``app.add_typer(linkage_app, name="linkage")``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from civicgrid.clitools import guard
from civicgrid.config import load_config
from civicgrid.warehouse.db import DEFAULT_DB, WarehouseError
from civicgrid.warehouse.lock import EXIT_LOCKED, LockBusy

linkage_app = typer.Typer(help="Records to parcels and blocks: link, review, evaluate.", no_args_is_help=True)
review_app = typer.Typer(help="Links a person should look at, and their decisions.", no_args_is_help=True)
linkage_app.add_typer(review_app, name="review")

console = Console(stderr=True)
out = Console()

DB_OPT = typer.Option(DEFAULT_DB, "--db", help="Warehouse file (DuckDB).")
APP_DB_OPT = typer.Option(None, "--app-db", help="App-state database: SQLite path or URL "
                          "(default $CIVICGRID_APP_DB or civicgrid_app.sqlite).")
JSON_OPT = typer.Option(False, "--json", help="Print machine-readable JSON.")
DATA_OPT = typer.Option(None, "--data-dir", help="Folder holding the exports (default: the config's folder).")


# a link refused because a refresh, backup or other link holds the warehouse lock exits 75, as a
# refresh does (cron and systemd: "try again later")
_guard = guard(ValueError, codes={LockBusy: EXIT_LOCKED})


def _print_rates(rep) -> None:
    t = Table(title=f"Linkage — {rep.n_parcels:,} spine parcels, {rep.n_ambiguous_addresses:,} ambiguous "
                    f"addresses, {rep.n_review:,} records to review")
    for col in ("source", "records", "on a parcel", "on a block", "intersection", "ambiguous", "unmatched", "by match type"):
        t.add_column(col, justify="left" if col in ("source", "by match type") else "right")
    for r in rep.rates():
        kinds = ", ".join(f"{k} {v:,}" for k, v in r["by_match_type"].items())
        t.add_row(r["source"], f"{r['records']:,}", f"{r['parcel_rate']:.1%}", f"{r['block_rate']:.1%}",
                  f"{r['intersection_rate']:.1%}", f"{r['ambiguous']:,}", f"{r['unmatched']:,}", kinds)
    out.print(t)


@linkage_app.command("link")
@_guard
def link_cmd(config: Path = typer.Argument(..., help="City configuration (city.yaml)."),
             data_dir: Optional[Path] = DATA_OPT, db: Path = DB_OPT, app_db: Optional[str] = APP_DB_OPT,
             wait: float = typer.Option(0.0, "--wait", help="Seconds to wait for a running refresh, backup or link (default: exit at once)."),
             as_json: bool = JSON_OPT) -> None:
    """Link an existing warehouse again (new decisions, changed settings) without re-reading exports.

    Takes the warehouse lock a refresh takes: while a refresh, backup or another link runs it
    exits with code 75 (or waits ``--wait`` seconds)."""
    from civicgrid.linkage.link import relink

    cfg = load_config(config, data_dir)
    rep = relink(cfg, db, app_db=app_db, lock_wait=wait)
    if as_json:
        out.print_json(json.dumps(rep.as_dict(), default=str))
    else:
        _print_rates(rep)


def _eval_warehouse(cfg, names: list[str], tmp: Path) -> Path:
    """Build a throw-away warehouse holding only ``names`` (the spine and evaluated sources)."""
    from civicgrid.warehouse.build import build_warehouse

    sub = cfg.model_copy(update={"sources": [s for s in cfg.sources if s.name in names]})
    sub._path, sub._data_dir = cfg._path, cfg._data_dir
    db = tmp / "evaluate.duckdb"
    rep = build_warehouse(sub, db)
    if rep.status != "ok":
        failed = "; ".join(f"{f.source}/{f.file}: {f.message}" for f in rep.files if f.status == "failed")
        raise WarehouseError(f"could not read the sources to evaluate: {failed}")
    return db


@linkage_app.command("evaluate")
@_guard
def evaluate_cmd(config: Path = typer.Argument(..., help="City configuration (city.yaml)."),
                 data_dir: Optional[Path] = DATA_OPT,
                 db: Optional[Path] = typer.Option(None, "--db", help="Use this built warehouse instead of reading the exports."),
                 source: Optional[list[str]] = typer.Option(None, "--source", help="Evaluate only this source (repeatable)."),
                 spine: Optional[str] = typer.Option(None, "--spine", help="Comma-separated spine sources (default: linkage.spine_sources)."),
                 examples: int = typer.Option(5, help="Wrong links and misses to list per source."),
                 as_json: bool = JSON_OPT) -> None:
    """Hide each source's parcel ids, link it by address and coordinates, report precision and recall."""
    from civicgrid.linkage.evaluate import evaluate
    from civicgrid.linkage.records import evaluate_sources, spine_sources
    from civicgrid.warehouse.db import open_readonly

    cfg = load_config(config, data_dir)
    spine_names = [s.strip() for s in spine.split(",") if s.strip()] if spine else spine_sources(cfg)
    sources = list(source) if source else evaluate_sources(cfg)
    tmp = None
    try:
        if db is None:
            tmp = Path(tempfile.mkdtemp(prefix="civicgrid-eval-"))
            with console.status("Reading the spine and evaluated sources…"):
                db = _eval_warehouse(cfg, set(spine_names) | set(sources), tmp)
        con = open_readonly(db)
        try:
            result = evaluate(cfg, con, sources, spine_names, examples)
        finally:
            con.close()
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    if as_json:
        out.print_json(json.dumps(result, default=str))
        return
    print_evaluation(result)


def print_evaluation(result: dict) -> None:
    """Rich tables of an evaluation result."""
    for r in result["sources"]:
        t = Table(title=f"{r['source']}: {r['records']:,} records with a parcel id — {r['in_spine']:,} in the "
                        f"spine, {r['out_of_spine']:,} not, {r['ambiguous']:,} ambiguous, {r['no_location']:,} "
                        f"without address or coordinates; recall over {r['recall_base']:,} "
                        f"(findable {r['findable_base']:,})")
        for col in ("method", "links", "precision", "precision in spine", "recall", "recall findable", "seconds"):
            t.add_column(col, justify="left" if col == "method" else "right")
        fmt = lambda v: "—" if v is None else f"{v:.4f}"
        for name, m in r["methods"].items():
            t.add_row(name, f"{m['links']:,}", fmt(m["precision"]), fmt(m["precision_in_spine"]),
                      fmt(m["recall"]), fmt(m["recall_findable"]), f"{m['seconds']:.2f}")
        out.print(t)
        kinds = ", ".join(f"{k} {v['links']:,}" + (f" (P {v['precision']:.3f})" if v["precision"] is not None else "")
                          for k, v in r["cascade_by_match_type"].items() if v["links"])
        out.print(f"  cascade links by match type: {kinds}", highlight=False)
    out.print(f"[dim]{result['seconds']} s[/]")


@review_app.command("list")
@_guard
def review_list(db: Path = DB_OPT, source: Optional[str] = typer.Option(None, help="Only this source."),
                match_type: Optional[str] = typer.Option(None, "--match-type", help="Only this match type (e.g. ambiguous)."),
                limit: int = typer.Option(50, help="Address groups to show."), as_json: bool = JSON_OPT) -> None:
    """Links to review, grouped by address, most records first."""
    from civicgrid.linkage.review import review_queue

    q = review_queue(db, source=source, match_type=match_type, limit=limit)
    if as_json:
        out.print_json(json.dumps(q.to_dict(orient="records"), default=str))
        return
    t = Table(title=f"Review queue (top {len(q)} addresses)")
    for col in ("address", "records", "sources", "match", "parcel", "candidates", "why", "example"):
        t.add_column(col)
    for r in q.itertuples(index=False):
        t.add_row(str(r.group_key), f"{r.records:,}", r.sources, r.match_types, r.parcel_id or "",
                  (r.candidates or "")[:60], r.explanation or "", f"{r.example_source}:{r.example_record_id}")
    out.print(t)


@review_app.command("decide")
@_guard
def review_decide(decision: str = typer.Argument(..., help="confirm, reject or reassign."),
                  by: str = typer.Option(..., "--by", help="Who decides (user name)."),
                  source: Optional[str] = typer.Option(None, help="Source of the record."),
                  record_id: Optional[str] = typer.Option(None, "--record-id", help="Record id in that source."),
                  address_key: Optional[str] = typer.Option(None, "--address-key", help="Decide for every record at this normalized address."),
                  parcel_id: Optional[str] = typer.Option(None, "--parcel", help="Parcel id (required for reassign)."),
                  note: Optional[str] = typer.Option(None, help="Why."),
                  db: Path = DB_OPT, app_db: Optional[str] = APP_DB_OPT, as_json: bool = JSON_OPT) -> None:
    """Record a decision in the app state; it is re-applied on every build (run `linkage link` to apply now)."""
    from civicgrid.linkage.review import decide

    row = decide(app_db, decision, decided_by=by, source=source, record_id=record_id, address_key=address_key,
                 parcel_id=parcel_id, note=note, db=db if Path(db).exists() else None)
    if as_json:
        out.print_json(json.dumps(row, default=str))
        return
    target = f"{row['source']}:{row['record_id']}" if row["source"] else f"address {row['address_key']!r}"
    out.print(f"Decision {row['id']}: {row['decision']} {target}"
              + (f" -> {row['parcel_id']}" if row["parcel_id"] else "")
              + f" by {row['decided_by']}. It applies from the next build or `civicgrid linkage link`.")
