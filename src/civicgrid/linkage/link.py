"""Link a warehouse: build the spine, run the cascade, re-apply decisions, write the tables.

``link_warehouse(con, cfg)`` has the signature of the build's ``after_ingest`` hook (plus
keyword options), so a build links every time::

    build_warehouse(cfg, db, after_ingest=link_warehouse)

It writes ``parcel_spine``, ``parcel_addresses``, ``event_links``, ``blocks``, ``link_summary``
and the ``normalized_addresses`` cache (docs/linkage.md). :func:`relink` links an existing
warehouse file again (copy, link, swap) without re-reading any export.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from civicgrid.config import CityConfig
from civicgrid.linkage.assemble import link_records
from civicgrid.linkage.blocks import build_blocks
from civicgrid.linkage.decisions import apply_decisions, load_decisions
from civicgrid.linkage.keys import AddressBook
from civicgrid.linkage.records import link_sources, load_records, spine_sources
from civicgrid.linkage.report import LinkReport
from civicgrid.linkage.spine import build_spine
from civicgrid.linkage.tables import write_table


def link_warehouse(con, cfg: CityConfig, report=None, *, decisions: pd.DataFrame | None = None,
                   app_db: str | Path | None = None) -> LinkReport:
    """Link every event of ``cfg``'s link sources to a parcel or a block, in the open warehouse ``con``.

    Args:
        con: a writable DuckDB connection to the warehouse (the build's copy when used as hook).
        cfg: the city configuration (``cfg.linkage`` steers the cascade).
        report: the build's :class:`~civicgrid.warehouse.build.BuildReport` when run as the
            ``after_ingest`` hook; the link report is attached to it as ``report.linkage``.
        decisions: review decisions to re-apply (rows like ``link_decisions``); None reads them
            from the app-state database ``app_db`` (default ``$CIVICGRID_APP_DB`` or
            ``civicgrid_app.sqlite``), if it exists.
        app_db: path or URL of the app-state database.

    Returns:
        A :class:`LinkReport` with match types per source.
    """
    s = cfg.linkage
    t0 = time.perf_counter()
    clock: dict[str, float] = {}
    book = AddressBook(s)
    spine_names = spine_sources(cfg)
    spine_rec = load_records(con, cfg, spine_names)
    events = load_records(con, cfg, link_sources(cfg))
    book.add(pd.concat([spine_rec["address"], events["address"]]), con=con)
    clock["normalize"] = time.perf_counter() - t0

    t = time.perf_counter()
    spine = build_spine(spine_rec, book, s, spine_names)
    clock["spine"] = time.perf_counter() - t
    t = time.perf_counter()
    links = link_records(events, spine, book, s)
    clock["cascade"] = time.perf_counter() - t

    if decisions is None:
        decisions = load_decisions(app_db)
    links, applied = apply_decisions(links, decisions, spine.parcel_ids, s.block_departments)

    t = time.perf_counter()
    blocks = build_blocks(links, events, spine)
    addr = spine.addresses
    rep = LinkReport.count(
        links, n_parcels=len(spine.parcels), n_spine_addresses=int(addr["address_key"].nunique()),
        n_ambiguous_addresses=int(addr.loc[addr["n_parcels_sharing"] > 1, "address_key"].nunique()),
        spine_sources=spine_names, decisions_applied=applied, addresses_parsed=book.parsed,
        addresses_reused=book.reused, n_blocks=len(blocks))
    write_table(con, "parcel_spine", spine.parcels)
    write_table(con, "parcel_addresses", addr)
    write_table(con, "event_links", links)
    write_table(con, "blocks", blocks)
    write_table(con, "link_summary", rep.summary_frame(datetime.now(timezone.utc)))
    clock["write"] = time.perf_counter() - t
    clock["total"] = time.perf_counter() - t0
    rep.seconds = {k: round(v, 3) for k, v in clock.items()}
    if report is not None:
        report.linkage = rep
    return rep


def link_hook(app_db: str | Path | None = None):
    """An ``after_ingest`` hook that links with the decisions of ``app_db``."""
    def hook(con, cfg, report=None):
        return link_warehouse(con, cfg, report, app_db=app_db)
    return hook


def relink(cfg: CityConfig, db_path: str | Path, app_db: str | Path | None = None,
           decisions: pd.DataFrame | None = None, lock_wait: float = 0.0) -> LinkReport:
    """Link an existing warehouse file again: copy it, link the copy, swap it in atomically.

    Holds the warehouse lock ``<db>.lock`` that a refresh, backup and restore take (so a link
    never interleaves with them and neither swap undoes the other) and the build lock (so a
    plain ``civicgrid build`` cannot swap in between).

    Args:
        cfg: the city configuration (``cfg.linkage`` steers the cascade).
        db_path: the warehouse file.
        app_db: app-state database whose review decisions are re-applied.
        decisions: decisions to apply instead of reading ``app_db``.
        lock_wait: seconds to wait for a running refresh, backup or link (0: fail at once).

    Returns:
        The :class:`LinkReport`.

    Raises:
        LockBusy: another refresh, link, backup or restore held the lock for ``lock_wait`` seconds.
        WarehouseError: there is no warehouse yet, or a build is writing it.
    """
    from civicgrid.warehouse.db import WarehouseError
    from civicgrid.warehouse.lock import WarehouseLock, build_lock

    db_path = Path(db_path)
    if not db_path.exists():
        raise WarehouseError(f"{db_path}: no warehouse here yet; run `civicgrid build CONFIG --db {db_path}` first.")
    with WarehouseLock(db_path, wait=lock_wait, purpose="link"):
        build = build_lock(db_path)
        try:
            return _relink_locked(cfg, db_path, app_db, decisions)
        finally:
            build.close()


def _relink_locked(cfg: CityConfig, db_path: Path, app_db, decisions) -> LinkReport:
    from civicgrid.warehouse.db import connect

    tmp = db_path.with_name(f"{db_path.name}.linking-{os.getpid()}")
    shutil.copy2(db_path, tmp)
    try:
        con = connect(tmp)
        try:
            rep = link_warehouse(con, cfg, decisions=decisions, app_db=app_db)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db_path)
    except BaseException:
        for p in (tmp, tmp.with_name(tmp.name + ".wal")):
            p.unlink(missing_ok=True)
        raise
    return rep
