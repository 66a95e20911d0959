"""Data-quality flags for service requests: counted and shown, never silently dropped.

Flags (one boolean column each, see :data:`FLAG_DEFINITIONS`):

``missing_opened``   no ``opened_at``: the request cannot enter any time-based metric.
``missing_closed``   the status says closed/cancelled/resolved but there is no ``closed_at``.
``negative``         closed before it was opened (negative time to close).
``auto_closure``     closed within ``auto_close_minutes`` (default 10) of opening — often a
                     system closure, a duplicate, or work logged after it was done.
``mass_closure``     one of at least ``mass_min`` (default 10) requests closed in the same
                     minute by the same agent (else team, else responsible agency).

Metric functions decide, per definition, which flags exclude a row (e.g. time to close drops
negative durations but keeps auto-closures) and report how many rows they excluded.
"""

from __future__ import annotations

import pandas as pd

AUTO_CLOSE_MINUTES = 10
MASS_CLOSURE_MIN = 10
CLOSED_STATUS_WORDS = r"(?i)\b(?:closed?|resolved|completed?|cancel+ed|referred out|duplicate|done)\b"

FLAG_DEFINITIONS = {
    "missing_opened": "no opened_at date; left out of every time-based metric",
    "missing_closed": "status says closed/resolved/cancelled but closed_at is empty",
    "negative": "closed_at earlier than opened_at (negative time to close)",
    "auto_closure": "closed within {auto} minutes of opening (possible automatic closure)",
    "mass_closure": "at least {mass} requests closed in the same minute by the same {who}",
}


def closure_actor(df: pd.DataFrame) -> tuple[pd.Series, str]:
    """Who closed each request, for mass-closure detection: agent, else team, else agency."""
    actor = pd.Series(pd.NA, index=df.index, dtype="object")
    used = []
    for col in ("agent", "team", "agency_responsible"):
        if col in df and df[col].notna().any():
            actor = actor.fillna(df[col])
            used.append(col)
    return actor.fillna("(unassigned)"), " / ".join(used) or "source"


def quality_flags(df: pd.DataFrame, auto_close_minutes: float = AUTO_CLOSE_MINUTES,
                  mass_min: int = MASS_CLOSURE_MIN) -> pd.DataFrame:
    """Boolean flag columns aligned with ``df`` (``opened_at``, ``closed_at`` as UTC timestamps)."""
    opened = pd.to_datetime(df["opened_at"], utc=True)
    closed = pd.to_datetime(df["closed_at"], utc=True)
    minutes = (closed - opened).dt.total_seconds() / 60
    status = df["status"].astype("string") if "status" in df else pd.Series(pd.NA, index=df.index, dtype="string")
    out = pd.DataFrame(index=df.index)
    out["missing_opened"] = opened.isna()
    out["missing_closed"] = closed.isna() & status.str.contains(CLOSED_STATUS_WORDS, regex=True).fillna(False)
    out["negative"] = (minutes < 0).fillna(False)
    out["auto_closure"] = ((minutes >= 0) & (minutes < auto_close_minutes)).fillna(False)
    actor, _ = closure_actor(df)
    key = pd.DataFrame({"minute": closed.dt.floor("min"), "actor": actor})
    size = key.groupby(["minute", "actor"], dropna=True)["minute"].transform("size")
    out["mass_closure"] = (closed.notna() & (size >= mass_min)).fillna(False).astype(bool)
    return out


def quality_summary(df: pd.DataFrame, flags: pd.DataFrame | None = None,
                    auto_close_minutes: float = AUTO_CLOSE_MINUTES, mass_min: int = MASS_CLOSURE_MIN) -> dict:
    """Counts of each flag with its definition, plus the mass-closure batches (largest first)."""
    if flags is None:
        flags = quality_flags(df, auto_close_minutes, mass_min)
    _, who = closure_actor(df)
    n = len(df)
    out = {"rows": n, "flags": {}}
    for name, text in FLAG_DEFINITIONS.items():
        k = int(flags[name].sum())
        out["flags"][name] = {"count": k, "share": (k / n) if n else None,
                              "definition": text.format(auto=auto_close_minutes, mass=mass_min, who=who)}
    out["rows_with_any_flag"] = int(flags.any(axis=1).sum())
    if "source" in df:
        per = flags.groupby(df["source"]).sum()
        out["by_source"] = {str(src): {k: int(v) for k, v in row.items()} for src, row in per.iterrows()}
    if flags["mass_closure"].any():
        actor, _ = closure_actor(df)
        closed = pd.to_datetime(df["closed_at"], utc=True)
        m = pd.DataFrame({"minute": closed.dt.floor("min"), "actor": actor})[flags["mass_closure"]]
        batches = m.groupby(["minute", "actor"]).size().sort_values(ascending=False)
        out["mass_closure_batches"] = [{"minute_utc": t.isoformat(), "closed_by": a, "requests": int(c)}
                                       for (t, a), c in batches.head(20).items()]
        out["mass_closure_batch_count"] = int(len(batches))
    return out
