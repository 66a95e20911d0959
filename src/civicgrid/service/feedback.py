"""Resident feedback: ratings and comments linked to the request they are about.

A rating is linked to its request by ``parent_id`` (the feedback row names the request's record id)
or, when the request row carries the rating itself, to that row. Summaries give the mean rating
and **CSAT** (share of ratings at or above ``satisfied_at``, default 4 on a 1–5 scale) by service
category, request type, department and team, and by how long the request took to close. Groups
with fewer than 5 ratings are suppressed. Low ratings (≤ ``low_at``) are listed with the requests
behind them; comments are left out unless asked for (they may name people).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.service.metrics import hours_between, request_type_of

MIN_GROUP = 5
TTC_BANDS = [(0, 24, "under 1 day"), (24, 168, "1-7 days"), (168, 720, "7-30 days"), (720, np.inf, "over 30 days")]


def link_feedback(df: pd.DataFrame, category: pd.Series | None = None) -> pd.DataFrame:
    """One row per rating or comment, with the linked request's type, category, team and hours to close.

    ``linked`` is False when the named parent is not among the requests (kept, counted).
    """
    has = pd.Series(False, index=df.index)
    for c in ("rating", "comment"):
        if c in df:
            has |= df[c].notna()
    fb = df[has]
    req = df.assign(request_type=df["request_type"] if "request_type" in df else request_type_of(df),
                    service_category=category if category is not None else None,
                    hours_to_close=hours_between(df["opened_at"], df["closed_at"]))
    keep = ["source", "record_id", "request_type", "service_category", "agency_responsible", "team",
            "hours_to_close", "opened_at"]
    keep = [c for c in keep if c in req]
    req = req[keep].drop_duplicates("record_id")
    parent = fb["parent_id"] if "parent_id" in fb else pd.Series(None, index=fb.index, dtype="object")
    link_id = parent.where(parent.notna(), fb["record_id"])
    out = pd.DataFrame({"feedback_id": fb["record_id"], "request_id": link_id,
                        "rating": fb["rating"] if "rating" in fb else np.nan,
                        "comment": fb["comment"] if "comment" in fb else None,
                        "via": np.where(parent.notna(), "parent_id", "same row")})
    merged = out.merge(req.rename(columns={"record_id": "request_id"}), on="request_id", how="left")
    merged["linked"] = merged["request_id"].isin(set(req["record_id"]))
    return merged


def _summ(r: pd.Series, satisfied_at: float) -> dict:
    return {"ratings": int(len(r)), "mean_rating": float(r.mean()), "csat": float((r >= satisfied_at).mean())}


def feedback_summary(linked: pd.DataFrame, satisfied_at: float = 4, low_at: float = 2,
                     min_group: int = MIN_GROUP, include_comments: bool = False) -> dict:
    """Mean rating and CSAT overall and by group (suppressed under ``min_group``), and the low-rated requests."""
    out = {"definition": f"CSAT = ratings ≥ {satisfied_at:g} ÷ ratings; groups under {min_group} ratings suppressed",
           "feedback_rows": int(len(linked)), "linked": int(linked["linked"].sum()) if len(linked) else 0,
           "unlinked": int((~linked["linked"]).sum()) if len(linked) else 0}
    rated = linked[linked["rating"].notna()] if len(linked) else linked
    if rated.empty:
        return out | {"available": False, "reason": "no resident ratings in these requests"}
    out |= {"available": True, "overall": _summ(rated["rating"], satisfied_at), "by": {}}
    rated = rated.assign(time_to_close=pd.cut(rated["hours_to_close"], [b[0] for b in TTC_BANDS] + [np.inf],
                                              labels=[b[2] for b in TTC_BANDS], right=False))
    for col in ("service_category", "request_type", "agency_responsible", "team", "time_to_close"):
        if col not in rated or rated[col].isna().all():
            continue
        rows = []
        for k, g in rated.groupby(col, dropna=False, observed=True):
            name = None if pd.isna(k) else str(k)
            if len(g) < min_group:
                rows.append({col: name, "suppressed": True, "ratings": None, "mean_rating": None, "csat": None})
            else:
                rows.append({col: name, "suppressed": False, **_summ(g["rating"], satisfied_at)})
        out["by"][col] = sorted(rows, key=lambda r: str(r[col]))
    low = rated[rated["rating"] <= low_at].sort_values("rating")
    cols = ["request_id", "rating", "request_type", "service_category", "agency_responsible", "hours_to_close"]
    cols += ["comment"] if include_comments else []
    cols = [c for c in cols if c in low]
    out["low_ratings"] = {"threshold": low_at, "count": int(len(low)),
                          "requests": low[cols].head(50).replace({np.nan: None}).to_dict("records")}
    return out
