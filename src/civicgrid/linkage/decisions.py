"""Re-apply people's review decisions (app state ``link_decisions``) to freshly computed links.

A decision names a record (``source`` + ``record_id``) or an address (``address_key``: every
record with that address, police and fire excepted). A record decision beats an address
decision; among decisions on the same target the latest wins.

- ``reassign`` P: link to P (even when P is not in the current spine; the explanation says so).
- ``confirm`` P: keep the link if the cascade still gives P; if it now gives something else the
  confirmation is stale and the record goes back to review with a note. ``confirm`` with no
  parcel confirms that the record has no parcel.
- ``reject`` P: drop the link to P (the record keeps its block); stale like ``confirm`` when
  the cascade now links elsewhere. ``reject`` with no parcel drops any link.
"""

from __future__ import annotations

import pandas as pd

from civicgrid.linkage import matchtypes as mt

DECISION_COLUMNS = ["id", "source", "record_id", "address_key", "decision", "parcel_id", "decided_by",
                    "decided_at", "note"]


def empty_decisions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in DECISION_COLUMNS})


def load_decisions(app_db=None) -> pd.DataFrame:
    """All decisions from the app-state database; empty when it does not exist yet (never created here)."""
    from sqlalchemy import select

    from civicgrid.appstate import LinkDecision, current_revision, session_scope
    from civicgrid.appstate.db import exists

    if not exists(app_db) or current_revision(app_db) is None:
        return empty_decisions()
    with session_scope(app_db) as s:
        rows = [d.as_dict() for d in s.scalars(select(LinkDecision).order_by(LinkDecision.id))]
    return pd.DataFrame(rows, columns=DECISION_COLUMNS) if rows else empty_decisions()


def _latest(decisions: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    d = decisions.dropna(subset=keys)
    if d.empty:
        return d
    d = d.assign(_at=pd.to_datetime(d["decided_at"], utc=True, errors="coerce"))
    return d.sort_values(["_at", "id"]).drop_duplicates(keys, keep="last")


def _who(d) -> str:
    when = pd.to_datetime(d.decided_at, utc=True, errors="coerce")
    day = when.strftime("%Y-%m-%d") if pd.notna(when) else "?"
    note = f" ({d.note})" if isinstance(d.note, str) and d.note else ""
    return f"{d.decided_by} on {day}{note}"


def _apply_one(links: pd.DataFrame, rows, d, spine_ids: frozenset) -> None:
    if not len(rows):
        return
    cur = links.loc[rows, "parcel_id"]
    target = d.parcel_id if isinstance(d.parcel_id, str) and d.parcel_id else None
    who = _who(d)
    if d.decision == "reassign":
        note = "" if target in spine_ids else " (parcel not in the current spine)"
        links.loc[rows, ["parcel_id", "match_type", "score", "needs_review"]] = [target, mt.REVIEW_REASSIGNED, 1.0, False]
        links.loc[rows, "explanation"] = f"reassigned to {target} by {who}{note}"
        return
    if target is None:
        same = cur.isna() if d.decision == "confirm" else pd.Series(True, index=rows)
    else:
        same = cur.eq(target)
    ok, stale = [r for r in rows if same[r]], [r for r in rows if not same[r]]
    if ok and d.decision == "confirm":
        links.loc[ok, ["match_type", "score", "needs_review"]] = [mt.REVIEW_CONFIRMED, 1.0, False]
        links.loc[ok, "explanation"] = f"confirmed by {who}: " + links.loc[ok, "explanation"]
    elif ok:
        links.loc[ok, ["parcel_id", "match_type", "score", "needs_review"]] = [None, mt.REVIEW_REJECTED, 1.0, False]
        links.loc[ok, "explanation"] = f"link to {target or 'a parcel'} rejected by {who}"
    if stale:
        links.loc[stale, "needs_review"] = True
        links.loc[stale, "explanation"] = (links.loc[stale, "explanation"] + f"; stale {d.decision} of "
                                           f"{target or 'no parcel'} by {who}")


def apply_decisions(links: pd.DataFrame, decisions: pd.DataFrame | None, spine_ids: frozenset,
                    block_departments: list[str]) -> tuple[pd.DataFrame, int]:
    """Return ``(links with decisions applied, records a decision now holds for)``."""
    if decisions is None or decisions.empty or links.empty:
        return links, 0
    links = links.copy()
    links["needs_review"] = links["needs_review"].astype(object)
    movable = ~links["department"].isin(block_departments)
    by_addr = links.index[movable & links["address_key"].notna()].groupby(
        links.loc[movable & links["address_key"].notna(), "address_key"])
    on_record = decisions["source"].notna() & decisions["record_id"].notna()
    for d in _latest(decisions[~on_record], ["address_key"]).itertuples(index=False):
        _apply_one(links, list(by_addr.get(d.address_key, [])), d, spine_ids)
    pos = pd.Series(links.index, index=pd.MultiIndex.from_arrays([links["source"], links["record_id"]]))
    pos = pos[~pos.index.duplicated()]
    for d in _latest(decisions[on_record], ["source", "record_id"]).itertuples(index=False):
        key = (d.source, d.record_id)
        if key in pos.index:
            _apply_one(links, [pos[key]], d, spine_ids)
    links["needs_review"] = links["needs_review"].astype(bool)
    held = int(links["match_type"].isin([mt.REVIEW_CONFIRMED, mt.REVIEW_REASSIGNED, mt.REVIEW_REJECTED]).sum())
    return links, held
