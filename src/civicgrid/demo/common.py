"""Shared pieces of the demo generator: the time window, seeded random streams, file writers.

Writers are byte-deterministic: CSV with ``\\n`` line ends, gzip with a zero mtime and no
file name, XLSX re-zipped with fixed entry times and fixed document properties.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

MARKER = "SYNTHETIC DEMO DATA — not real records"
START = np.datetime64("2024-11-01T00:00:00", "s")
END = np.datetime64("2026-11-01T00:00:00", "s")  # exclusive: data end 2026-10-31
RECENT = np.datetime64("2026-05-01T00:00:00", "s")  # planted problems cluster after this
FIXED_ZIP_TIME = (2026, 11, 1, 0, 0, 0)
DAY = np.timedelta64(1, "D").astype("timedelta64[s]")


def rng_for(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per (seed, part), stable across Python runs."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


def counts(scale: float) -> dict[str, int]:
    """Record counts at ``scale`` (1.0 is the full-size city)."""
    base = {"parcels": 25_000, "work_orders": 20_000, "code_cases": 8_000, "cad_calls": 30_000,
            "fire": 2_000, "crm": 40_000, "employees": 1_000}
    return {k: max(30, int(round(v * scale))) for k, v in base.items()}


def sample_times(
    rng: np.random.Generator,
    n: int,
    start: np.datetime64 = START,
    end: np.datetime64 = END,
    hour_w: list[float] | np.ndarray | None = None,
    dow_w: list[float] | np.ndarray | None = None,
    month_w: list[float] | np.ndarray | None = None,
    trend: float = 0.0,
) -> np.ndarray:
    """``n`` local timestamps in ``[start, end)`` with hour-of-day, weekday (Mon=0) and month
    (Jan=0) weights; ``trend`` > 0 tilts volume toward the end of the window."""
    days = ((end - start) // DAY).astype(int)
    d = start.astype("datetime64[D]") + np.arange(days)
    w = np.ones(days)
    if dow_w is not None:
        w *= np.asarray(dow_w, float)[(d.astype(int) + 3) % 7]
    if month_w is not None:
        w *= np.asarray(month_w, float)[d.astype("datetime64[M]").astype(int) % 12]
    w *= 1.0 + trend * np.linspace(0, 1, days)
    day = rng.choice(days, n, p=w / w.sum())
    hours = rng.choice(24, n, p=np.asarray(hour_w, float) / np.sum(hour_w)) if hour_w is not None else rng.integers(0, 24, n)
    secs = rng.integers(0, 3600, n)
    return _skip_dst_gap(start + day * DAY + (hours * 3600 + secs).astype("timedelta64[s]"))


def seconds(x: np.ndarray | float) -> np.ndarray:
    """Durations in seconds as ``timedelta64[s]`` (NaN stays NaT)."""
    a = np.asarray(x, dtype=float)
    out = np.full(a.shape, np.timedelta64("NaT"), dtype="timedelta64[s]")
    ok = np.isfinite(a)
    out[ok] = np.round(a[ok]).astype(np.int64).astype("timedelta64[s]")
    return out


_H12 = {f"{h:02d}": f"{(h + 11) % 12 + 1:02d}" for h in range(24)}
_AMPM = {f"{h:02d}": ("AM" if h < 12 else "PM") for h in range(24)}
_SLICE = {"Y": (0, 4), "y": (2, 4), "m": (5, 7), "d": (8, 10), "H": (11, 13), "M": (14, 16), "S": (17, 19)}


def fmt(ts: np.ndarray, pattern: str) -> np.ndarray:
    """Format timestamps with a strftime-like ``pattern`` (``%Y %y %m %d %H %I %M %S %p`` and
    literal text; fast for large arrays); NaT becomes an empty string."""
    iso = np.datetime_as_string(np.asarray(ts).astype("datetime64[s]"), unit="s").tolist()
    cols: list[list[str]] = []
    for lit, code in re.findall(r"([^%]*)(?:%(.))?", pattern):
        if lit:
            cols.append([lit] * len(iso))
        if code in _SLICE:
            a, b = _SLICE[code]
            cols.append([s[a:b] for s in iso])
        elif code in ("I", "p"):
            table = _H12 if code == "I" else _AMPM
            cols.append([table.get(s[11:13], "") for s in iso])
        elif code:
            raise ValueError(f"unsupported format code %{code}")
    out = np.array(["".join(parts) for parts in zip(*cols)], dtype=object)
    out[np.array([s == "NaT" for s in iso], dtype=bool)] = ""
    return out


def _skip_dst_gap(ts: np.ndarray) -> np.ndarray:
    """Move local times that do not exist (the spring-forward hour) one hour later."""
    hour = ts.astype("datetime64[h]")
    gap = np.isin(hour.astype("datetime64[D]"), _SPRING_FORWARD) & (hour.astype(np.int64) % 24 == 2)
    return np.where(gap, ts + np.timedelta64(3600, "s"), ts)


_SPRING_FORWARD = np.array(["2024-03-10", "2025-03-09", "2026-03-08"], dtype="datetime64[D]")


def to_utc_iso(ts: np.ndarray, tz: str = "America/Chicago") -> np.ndarray:
    """Local naive timestamps → ``2025-03-04T19:22:05.000Z`` (UTC) strings; NaT → empty."""
    idx = pd.DatetimeIndex(pd.to_datetime(ts))
    loc = idx.tz_localize(tz, ambiguous=np.zeros(len(idx), dtype=bool), nonexistent="shift_forward")
    utc = loc.tz_convert("UTC").tz_localize(None).to_numpy()
    return fmt(utc, "%Y-%m-%dT%H:%M:%S.000Z")


def write_csv(df: pd.DataFrame, path: Path, inject: list[tuple[int, str]] | None = None) -> None:
    """Write a CSV (UTF-8, ``\\n``); ``inject`` puts raw lines (e.g. a short row) after data row i."""
    text = df.to_csv(index=False, lineterminator="\n")
    if inject:
        lines = text.split("\n")
        for pos, raw in sorted(inject, reverse=True):
            lines.insert(min(pos + 1, len(lines) - 1), raw)
        text = "\n".join(lines)
    path.write_bytes(text.encode("utf-8"))


def write_jsonl_gz(records: list[dict], path: Path) -> None:
    """Write JSON Lines, gzip-compressed, with no timestamp in the gzip header."""
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    with open(path, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=6) as gz:
        gz.write(body)


def write_xlsx(df: pd.DataFrame, path: Path, sheet: str) -> None:
    """Write one sheet with openpyxl (``NaN`` → empty cell; timestamps as Excel dates), then
    re-zip with fixed entry times so two runs give identical bytes."""
    from openpyxl import Workbook

    wb = Workbook()  # normal mode: faster than write_only without lxml
    wb.properties.title = MARKER
    wb.properties.creator = "civicgrid demo generator"
    ws = wb.active
    ws.title = sheet
    ws.append(list(df.columns))
    cols = []
    for c in df.columns:
        col = df[c]
        if pd.api.types.is_datetime64_any_dtype(col):
            vals = [None if pd.isna(v) else v.to_pydatetime() for v in col]
        else:
            vals = [None if (v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v))) else v for v in col.tolist()]
        cols.append(vals)
    for row in zip(*cols):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_normalize_zip(buf.getvalue()))


def _normalize_zip(data: bytes) -> bytes:
    stamp = b"2026-11-01T00:00:00Z"
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return out.getvalue()
