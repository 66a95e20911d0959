"""Meetings on a cadence, and the agenda generated for each.

An agenda holds, in this order:

1. **carried over**: every open case — a location stays on the list until a decision closes it
   (its open action items are shown with it);
2. **new**: locations over threshold now that were not at the previous meeting's data date;
3. **escalating**: locations with an early-warning flag (rate spike, first crossing, escalation);
4. **high score**: locations still over threshold that have not been discussed yet;
5. **added**: locations a person put on this agenda by hand (:func:`add_to_agenda`, before or after
   the agenda was generated).

Carried-over cases always appear; the others fill the team's capacity (``team_capacity``, 25) in
that order and the rest are listed as waiting. A block is left out when a parcel on it is already
on the agenda. New locations get a case (``integration_cases``) with the suggested lead department.
A cancelled meeting gets no agenda, and is not the "previous meeting" a later agenda compares with.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
from sqlalchemy import select

from civicgrid.appstate import ActionItem, AgendaItem, Decision, IntegrationCase, Meeting, MeetingNote, session_scope
from civicgrid.integration.api import resolve_settings, tables, warehouse
from civicgrid.integration.casework import open_case, ready, row
# changed by hand (status, additions) in meeting_state; re-exported here for older callers
from civicgrid.integration.meeting_state import add_to_agenda, next_date_in, set_meeting_status  # noqa: F401


def next_meeting_date(app_db, cadence_days: int = 14) -> date:
    """The date :func:`new_meeting` gives a meeting created without one."""
    with session_scope(ready(app_db)) as s:
        return next_date_in(s, cadence_days)


def new_meeting(app_db, held_on: date | None = None, *, title: str | None = None, created_by: str | None = None,
                cadence_days: int = 14) -> dict:
    """Create the next meeting: ``held_on``, else the last meeting's date + the cadence, else today."""
    with session_scope(ready(app_db)) as s:
        if held_on is None:
            held_on = next_date_in(s, cadence_days)
        m = Meeting(held_on=held_on, title=title or f"Integration Team — {held_on.isoformat()}", status="planned",
                    created_by=created_by)
        s.add(m)
        s.flush()
        return row(m)


def list_meetings(app_db) -> list[dict]:
    with session_scope(ready(app_db)) as s:
        return [row(m) for m in s.scalars(select(Meeting).order_by(Meeting.held_on, Meeting.id))]


def _current(db, cfg, settings, as_of):
    """(parcel+block scores, flags, settings, as_of, parcel→block map) from the warehouse."""
    with warehouse(db) as con:
        s = resolve_settings(con, cfg, settings)
        stored = as_of is None and cfg is None and settings is None and "property_scores" in tables(con)
        if stored:
            sc = con.execute("SELECT * FROM property_scores").df()
            fl = con.execute("SELECT * FROM early_warnings").df() if "early_warnings" in tables(con) else pd.DataFrame()
            t = sc["as_of"].max() if len(sc) else None
            from civicgrid.integration.events import Prepared, load_spine
            prep = Prepared(pd.DataFrame(), load_spine(con), s, _utc(t), {})
        else:
            from civicgrid.integration.compute import compute_all
            res = compute_all(con, s, as_of)
            sc = pd.concat([x.scores for x in res.scores.values()], ignore_index=True)
            fl, prep, t = res.warnings, res.prep, res.prep.as_of
    return sc, fl, s, _utc(t), prep


def _utc(t) -> pd.Timestamp | None:
    if t is None or pd.isna(t):
        return None
    t = pd.Timestamp(t)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _over_before(db, prep, s, sc: pd.DataFrame, prev_as_of) -> set[tuple[str, str]]:
    """Locations over threshold at the previous meeting's data date (overlap taken from now)."""
    prev_as_of = _utc(prev_as_of)
    if prev_as_of is None:
        return set()
    if prev_as_of >= prep.as_of:  # the same data as last time
        return set(zip(sc.loc[sc["over_threshold"], "level"], sc.loc[sc["over_threshold"], "location_key"]))
    from civicgrid.integration.events import days, prepare
    from civicgrid.integration.scores import score_matrix

    if prep.ev.empty:
        with warehouse(db) as con:
            prep = prepare(con, s, prep.as_of)
    out = set()
    for lv in ("parcel", "block"):
        m = score_matrix(prep, lv, [days(prev_as_of)], include_undated=True).iloc[:, 0]
        ov = sc[(sc["level"] == lv) & sc["overlap"]].set_index("location_key")
        out |= {(lv, k) for k in ov.index if m.get(k, 0.0) >= s.score_threshold}
    return out


def generate_agenda(app_db, db, meeting_id: int, *, as_of=None, cfg=None, settings=None,
                    username: str | None = None) -> dict:
    """Build the agenda of ``meeting_id`` (once; later calls return it unchanged)."""
    url = ready(app_db)
    with session_scope(url) as s:
        m = s.get(Meeting, meeting_id)
        if m is None:
            raise ValueError(f"no meeting {meeting_id}; create one with `civicgrid meeting new`")
        if m.agenda_generated_at is not None:
            return get_agenda(app_db, meeting_id)
        if m.status == "cancelled":
            raise ValueError(f"Meeting {meeting_id} is cancelled; reinstate it before generating its agenda.")
        prev = s.scalars(select(Meeting).where(Meeting.held_on < m.held_on, Meeting.agenda_generated_at.is_not(None),
                                               Meeting.status != "cancelled")
                         .order_by(Meeting.held_on.desc())).first()
        prev_as_of = prev.data_as_of if prev else None
        open_cases = list(s.scalars(select(IntegrationCase).where(IntegrationCase.status == "open")))
        closed = [(c.level, c.location_key, c.closed_at) for c in
                  s.scalars(select(IntegrationCase).where(IntegrationCase.status == "closed"))]
    sc, fl, st, t, prep = _current(db, cfg, settings, as_of)
    idx = sc.set_index(["level", "location_key"])
    flags = fl.groupby(["level", "location_key"])["flag"].agg(lambda f: ", ".join(sorted(set(f)))) if len(fl) else {}
    details = fl.groupby(["level", "location_key"])["detail"].agg(" ".join) if len(fl) else {}
    block_of = prep.spine.dropna(subset=["block_key"]).set_index("parcel_id")["block_key"].to_dict()
    before = _over_before(db, prep, st, sc, prev_as_of) if prev else set()
    on_list = {(c.level, c.location_key) for c in open_cases}
    # a case closed after the data's date comes back only when newer data flags it again
    on_list |= {(lv, k) for lv, k, at in closed if t is not None and _utc(at) >= t}
    blocks_taken = {block_of.get(c.location_key) for c in open_cases if c.level == "parcel"}
    levels = [lv for lv in ("parcel", "block") if lv in st.agenda_levels]
    over = sc[sc["over_threshold"] & sc["level"].isin(levels)]
    # properties first; within a level highest score first
    over = over.assign(_o=over["level"].map({lv: i for i, lv in enumerate(levels)})).sort_values(
        ["_o", "score"], ascending=[True, False])
    cand_new = [(r.level, r.location_key) for r in over.itertuples() if (r.level, r.location_key) not in before]
    cand_high = [(r.level, r.location_key) for r in over.itertuples() if (r.level, r.location_key) in before]
    flagged = []
    if len(fl):
        f = fl[fl["level"].isin(levels)].groupby(["level", "location_key"])["score"].max().reset_index()
        f["_o"] = f["level"].map({lv: i for i, lv in enumerate(levels)})
        flagged = list(zip(*f.sort_values(["_o", "score"], ascending=[True, False])[["level", "location_key"]].T.values))
    # a block waits while a property on it is a candidate: the property is the better handle
    blocks_taken |= {block_of.get(k) for lv, k in cand_new + cand_high + flagged if lv == "parcel"}
    chosen, waiting = [], []
    room = max(0, st.team_capacity - len(open_cases))
    for reason, cands in (("new", cand_new), ("escalating", flagged), ("high_score", cand_high)):
        for key in cands:
            lv, k = key
            if key in on_list or (lv == "block" and k in blocks_taken):
                continue
            if len(chosen) >= room:
                waiting.append({"level": lv, "location_key": k, "reason": reason})
                on_list.add(key)
                continue
            chosen.append((reason, key))
            on_list.add(key)
            if lv == "parcel":
                blocks_taken.add(block_of.get(k))

    def info(key):
        r = idx.loc[key] if key in idx.index else None
        get = (lambda c: None if r is None or pd.isna(r[c]) else r[c])
        return (get("score"), get("rank"), get("lead_department"), get("address"))

    with session_scope(url) as s:
        m = s.get(Meeting, meeting_id)
        # locations added by hand before the agenda was generated keep their item, after the generated ones
        added = list(s.scalars(select(AgendaItem).where(AgendaItem.meeting_id == m.id).order_by(AgendaItem.position)))
        pos, on_agenda = 0, {a.case_id for a in added}
        still_open = select(IntegrationCase).where(IntegrationCase.status == "open").order_by(IntegrationCase.id)
        for c in s.scalars(still_open):
            if c.id in on_agenda:
                continue
            sc_, rk, _, _ = info((c.level, c.location_key))
            pos += 1
            s.add(AgendaItem(meeting_id=m.id, case_id=c.id, reason="carried_over", position=pos, score=sc_,
                             rank=_int(rk), flags=flags.get((c.level, c.location_key)) if len(fl) else None,
                             detail=details.get((c.level, c.location_key)) if len(fl) else None))
        for reason, (lv, k) in chosen:
            sc_, rk, lead, addr = info((lv, k))
            case = open_case(s, lv, k) or IntegrationCase(level=lv, location_key=k, address=addr, status="open",
                                                          lead_department=lead, first_meeting_id=m.id)
            s.add(case)
            s.flush()
            pos += 1
            s.add(AgendaItem(meeting_id=m.id, case_id=case.id, reason=reason, position=pos, score=sc_, rank=_int(rk),
                             flags=flags.get((lv, k)) if len(fl) else None,
                             detail=details.get((lv, k)) if len(fl) else None))
        for a in added:
            pos += 1
            a.position = pos
        m.data_as_of = t.to_pydatetime() if t is not None and not pd.isna(t) else None
        m.agenda_generated_at = datetime.now(timezone.utc)
    out = get_agenda(app_db, meeting_id)
    out["waiting"] = waiting
    return out


def _int(v):
    return None if v is None or pd.isna(v) else int(v)


def get_agenda(app_db, meeting_id: int) -> dict:
    """The meeting with its agenda items; each with its case, actions, notes and decisions."""
    with session_scope(ready(app_db)) as s:
        m = s.get(Meeting, meeting_id)
        if m is None:
            raise ValueError(f"no meeting {meeting_id}")
        items = []
        q = select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
        for a in s.scalars(q):
            c = s.get(IntegrationCase, a.case_id)
            acts = [row(x) for x in s.scalars(select(ActionItem).where(ActionItem.case_id == c.id).order_by(ActionItem.id))]
            notes = [row(x) for x in s.scalars(select(MeetingNote).where(MeetingNote.case_id == c.id).order_by(MeetingNote.id))]
            decs = [row(x) for x in s.scalars(select(Decision).where(Decision.case_id == c.id).order_by(Decision.id))]
            items.append({**row(a), "case": row(c), "actions": acts, "notes": notes, "decisions": decs,
                          "open_actions": sum(1 for x in acts if x["status"] == "open")})
        return {"meeting": row(m), "items": items,
                "counts": {r: sum(1 for i in items if i["reason"] == r)
                           for r in ("carried_over", "new", "escalating", "high_score", "added")}}

