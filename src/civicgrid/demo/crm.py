"""Customer-service CRM interactions, modelled on a Polimorphic export (timestamps in UTC)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from civicgrid.demo.addressing import crossing_text, full_address
from civicgrid.demo.common import sample_times, seconds, to_utc_iso
from civicgrid.demo.events import combine, pick_parcels, planted_ids
from civicgrid.demo.streets import nearest_intersection

CATEGORIES = ["Inquiry", "Complaint", "Service Request", "Transfer", "Permit", "Feedback"]
CATEGORY_MAP = {c: c.lower().replace(" ", "_") for c in CATEGORIES}
# topic, department, weight, located, SLA hours (0: none), median days to close, category weights (order above)
TOPICS = [
    ("Garbage & Recycling", "Public Works", 12, True, 48, 1.5, (4, 2, 6, 0.5, 0, 0.2)),
    ("Bulk Item Pickup", "Public Works", 8, True, 120, 4, (2, 0, 8, 0, 0, 0)),
    ("Pothole", "Public Works", 5, True, 120, 5, (1, 2, 7, 0, 0, 0)),
    ("Street Light Out", "Public Works", 3, True, 240, 8, (0.5, 1, 8, 0, 0, 0)),
    ("Tree / Forestry", "Public Works", 3, True, 720, 30, (2, 1, 7, 0, 0, 0)),
    ("Snow & Ice", "Public Works", 3, True, 48, 1.5, (2, 5, 3, 0, 0, 0)),
    ("Property Complaint", "City Development", 5, True, 120, 10, (1, 8, 1, 0.5, 0, 0)),
    ("Tall Grass / Weeds", "City Development", 3, True, 120, 7, (0.5, 8, 1, 0, 0, 0)),
    ("Junk & Debris", "City Development", 2, True, 120, 10, (0.5, 8, 1, 0, 0, 0)),
    ("Noise / Neighbor", "Police", 3, True, 0, 0, (2, 4, 0, 4, 0, 0)),
    ("Abandoned Vehicle", "Police", 2, True, 120, 6, (1, 3, 2, 4, 0, 0)),
    ("Parking Ticket", "Finance", 5, False, 0, 0, (7, 2, 0, 1, 0, 0)),
    ("Property Tax Bill", "Finance", 7, False, 0, 0, (8, 1, 0, 1, 0, 0)),
    ("Water Bill", "Water Utility", 6, False, 0, 0, (3, 1, 0, 6, 0, 0)),
    ("Building Permit", "City Development", 4, True, 240, 6, (4, 0, 0, 1, 5, 0)),
    ("Dog License", "City Clerk", 2, False, 72, 1, (3, 0, 0, 0, 7, 0)),
    ("Elections / Voting", "City Clerk", 4, False, 0, 0, (9, 0.5, 0, 0.5, 0, 0)),
    ("Parks & Recreation", "Parks, Recreation & Cultural Services", 4, False, 0, 0, (6, 1, 1, 2, 1, 0)),
    ("Health Department", "Public Health", 2, False, 0, 0, (4, 1, 0, 5, 0, 0)),
    ("Job Openings", "Human Resources", 2, False, 0, 0, (8, 0, 0, 2, 0, 0)),
    ("General Question", "Customer Service", 10, False, 0, 0, (10, 0.3, 0, 1, 0, 0)),
    ("Compliment / Feedback", "Customer Service", 2, False, 0, 0, (0, 1, 0, 0, 0, 9)),
]
TOPIC_CODES = {t[0]: i for i, t in enumerate(TOPICS)}
CHANNELS = ["Phone", "Web", "Email", "Walk-in", "App"]
_AHT = {"Phone": 210, "Web": 90, "Email": 240, "Walk-in": 360, "App": 80}
_COMMENTS_GOOD = ["Thank you, very helpful", "Quick response", "Friendly staff", "Problem fixed fast", "Great service"]
_COMMENTS_BAD = ["Took too long", "Still not fixed", "Nobody called me back", "Was transferred twice", "Had to call again"]


def _agents(rng: np.random.Generator, ts: np.ndarray, channel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Agent and team per interaction; one seat turns over (AGENT-11 → AGENT-12 → AGENT-13)."""
    k = len(ts)
    seat = rng.integers(1, 12, k)
    rotating = np.select([ts < np.datetime64("2025-08-16"), ts < np.datetime64("2026-03-01")], [11, 12], default=13)
    num = np.where(seat == 11, rotating, seat)
    clerk = (channel == "Walk-in") & (rng.random(k) < 0.3)
    num = np.where(clerk, rng.integers(14, 16, k), num)
    agent = np.array([f"AGENT-{i:02d}" for i in range(17)], dtype=object)[num]
    team = np.where(num >= 14, "Clerk-Treasurer Counter", "Customer Service").astype(object)
    return agent, team


def interactions(
    rng: np.random.Generator, parcels: pd.DataFrame, n: int, planted: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CRM interactions: (published frame, planted rows with their interaction ids)."""
    ch = rng.choice(len(CHANNELS), n, p=[0.55, 0.18, 0.10, 0.09, 0.08])
    office = np.isin(ch, [0, 3])
    biz = [0, 0, 0, 0, 0, 0, 0, 0.5, 9, 11, 11, 10, 8, 10, 10, 9, 7, 1, 0, 0, 0, 0, 0, 0]
    anytime = [1, 0.5, 0.3, 0.3, 0.3, 0.5, 1.5, 3, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 4, 3, 2]
    ts = np.where(office, sample_times(rng, n, hour_w=biz, dow_w=[12, 10, 10, 10, 9, 0, 0], trend=0.25),
                  sample_times(rng, n, hour_w=anytime, dow_w=[10, 9, 9, 9, 8, 5, 5], trend=0.4))
    w = np.array([t[2] for t in TOPICS], float)
    month = ts.astype("datetime64[M]").astype(int) % 12
    w_topic = np.tile(w, (n, 1))
    w_topic[:, TOPIC_CODES["Snow & Ice"]] *= np.isin(month, [11, 0, 1, 2]) * 4 + 0.05
    w_topic[:, TOPIC_CODES["Tall Grass / Weeds"]] *= np.isin(month, [4, 5, 6, 7, 8]) * 2.5 + 0.05
    w_topic[:, TOPIC_CODES["Elections / Voting"]] *= np.isin(month, [1, 2, 3, 9, 10]) * 2 + 0.3
    cdf = np.cumsum(w_topic, axis=1)
    topic = (cdf < rng.random(n)[:, None] * cdf[:, -1:]).sum(axis=1)
    cat_w = np.array([t[6] for t in TOPICS], float)[topic]
    cdf = np.cumsum(cat_w, axis=1)
    cat = (cdf < rng.random(n)[:, None] * cdf[:, -1:]).sum(axis=1)
    bg = pd.DataFrame({"ts": ts, "topic": topic, "cat": cat, "ch": ch, "pidx": pick_parcels(rng, parcels, n, 0.7)})
    pl = None
    if planted is not None and len(planted):
        pl = planted.assign(topic=planted["code"].map(TOPIC_CODES), cat=1,
                            ch=rng.choice(len(CHANNELS), len(planted), p=[0.5, 0.25, 0.1, 0.05, 0.1]))
    ev = combine(bg, pl)
    k, planted_mask = len(ev), ev["planted"].to_numpy()
    topic, cat, channel = ev["topic"].to_numpy(), ev["cat"].to_numpy(), np.array(CHANNELS, dtype=object)[ev["ch"].to_numpy()]
    created = ev["ts"].to_numpy()
    t = [TOPICS[i] for i in range(len(TOPICS))]
    dept = np.array([x[1] for x in t], dtype=object)[topic]
    sla_h = np.array([x[4] for x in t], float)[topic]
    med_days = np.array([x[5] for x in t], float)[topic]
    located = np.array([x[3] for x in t])[topic]
    catname = np.array(CATEGORIES, dtype=object)[cat]
    work = np.isin(cat, [1, 2, 4]) & (med_days > 0)
    aht = np.array([_AHT[c] for c in channel], float)
    handle = np.round(rng.lognormal(np.log(aht), 0.55, k))
    closed = created + seconds(handle)
    lag = seconds(rng.lognormal(np.log(np.maximum(med_days, 0.1) * 86400), 0.9, k))
    closed = np.where(work, created + lag, closed)
    due = np.where((sla_h > 0) & np.isin(cat, [1, 2, 4]), created + seconds(sla_h * 3600), np.datetime64("NaT"))
    still = closed >= np.datetime64("2026-11-01")
    status = np.where(work, "Resolved", "Closed").astype(object)
    status[still] = rng.choice(["Open", "In Progress"], still.sum())
    closed[still] = np.datetime64("NaT")
    auto = (channel == "Web") & work & (rng.random(k) < 0.03) & ~still
    closed[auto] = created[auto] + seconds(rng.uniform(20, 300, auto.sum()))
    status[auto] = "Closed - Duplicate"
    handle[np.isin(channel, ["Web", "App"]) & (rng.random(k) < 0.3)] = np.nan
    handle[rng.random(k) < 0.02] = np.nan
    transfer = np.where(cat == 3, dept, None)
    agent, team = _agents(rng, created, channel)
    p = parcels.iloc[ev["pidx"].to_numpy()].reset_index(drop=True)
    addr = full_address(rng, p["house_text"].to_numpy(), p["sidx"].to_numpy(), p["unit"].to_numpy(), p_typo=0.06,
                        p_suffix=0.3, p_title=0.45, p_lower=0.1, p_unit_drop=0.4, p_city=0.15, zips=p["zip"].to_numpy())
    crossing = crossing_text(rng, nearest_intersection(p["lat"].to_numpy(), p["lon"].to_numpy()), seps=(" & ", " and "))
    near = "near " + pd.Series(crossing).str.title()
    addr = np.where(rng.random(k) < 0.08, near.to_numpy(dtype=object), addr)
    has_addr = (located & np.isin(cat, [1, 2, 4]) & (rng.random(k) < 0.85)) | planted_mask | (located & (rng.random(k) < 0.1))
    addr = np.where(has_addr, addr, "")
    late = ~pd.isna(due) & (pd.isna(closed) | (closed > due))
    rated = ~still & (rng.random(k) < 0.12)
    rating = np.where(rated, np.clip(np.round(rng.normal(np.where(late, 2.6, 4.2), 1.0)), 1, 5), np.nan)
    said = np.where(rating >= 4, rng.choice(_COMMENTS_GOOD, k), rng.choice(_COMMENTS_BAD, k))
    comment = np.where(rated & (rng.random(k) < 0.35), said, "")
    ids = [f"INT-{i:07d}" for i in range(1, k + 1)]
    df = pd.DataFrame({
        "Interaction ID": ids, "Created At": to_utc_iso(created), "Closed At": to_utc_iso(closed), "Channel": channel,
        "Agent": agent, "Team": team, "Category": catname, "Topic": np.array([x[0] for x in t], dtype=object)[topic],
        "Department": dept, "Transferred To": transfer, "Handle Time (sec)": pd.array(handle, dtype="Int64"),
        "SLA Due": to_utc_iso(due), "Status": status, "Rating": pd.array(rating, dtype="Int64"), "Comment": comment,
        "Address": addr,
    })
    bad = rng.choice(np.flatnonzero(~planted_mask & ~still), 3, replace=False)
    df.loc[bad[0], "Closed At"] = to_utc_iso(created[bad[0]:bad[0] + 1] - seconds([7200]))[0]  # closed before created
    df.loc[bad[1], "Channel"] = "phone "
    df.loc[bad[2], "Created At"] = "N/A"
    return df, planted_ids("crm", ids, ev)
