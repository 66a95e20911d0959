"""Turn one raw record into one canonical warehouse row, or a quarantine reason.

The rules, in order, for each mapped canonical field:
1. take the text from its column, template or constant; strip surrounding spaces;
2. the source's ``missing_values`` and the field's own missing values (e.g. ``0`` for
   coordinates, ``1900-01-01`` for dates) become NULL;
3. ``map`` translates published codes;
4. parse to the field's type. Text that cannot be parsed quarantines the row (the
   reason names the column and the value). A date before 1901, or after the run date
   for an event that has happened, is stored as NULL and written to ``dq_flags``
   (never silently kept). Latitude/longitude outside their ranges likewise.
Columns that are not mapped are kept, as text, in ``attributes`` (JSON).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from civicgrid.config import CityConfig, FieldSpec, Source
from civicgrid.ingest.fields import Field, fields_for_kind
from civicgrid.ingest.readers import RawRecord
from civicgrid.ingest.values import BadValue, DateParser, as_date, out_of_range, parse_bool, parse_float, parse_int

_MISS = object()
_NUMERIC = {"float": parse_float, "int": parse_int, "bool": parse_bool}
_PLACEHOLDER = re.compile(r"\{([^{}|]+)(?:\|([a-z]+))?\}")


class RowMapper:
    """Maps records of one source onto its table's canonical fields.

    Args:
        cfg: the city configuration (for the city time zone).
        source: the source being read.
        run_at: the run's clock (UTC); ``past_only`` dates after it are flagged.
    """

    def __init__(self, cfg: CityConfig, source: Source, run_at: datetime):
        self.source = source
        self.run_at = run_at
        self.fields: dict[str, Field] = fields_for_kind(source.kind)
        self.specs: dict[str, FieldSpec] = {name: source.spec(name) for name in source.columns}  # type: ignore[misc]
        self.missing = set(source.missing_values)
        self.tz_name = cfg.source_timezone(source)
        self.local_tz = ZoneInfo(self.tz_name)
        self.mapped_cols = source.mapped_columns()
        self.hash_exclude = set(source.hash_exclude)
        self._attr_keys: list[str] | None = None
        self._attr_src: set[str] = set()
        self._num_cache: dict[str, dict] = {n: {} for n in self.specs}
        self._parsers: dict[str, DateParser] = {}
        self._field_missing: dict[str, set[str]] = {}
        for name, spec in self.specs.items():
            miss = set(self.missing)
            miss.update(source.field_missing_values.get(name, []))
            if spec.missing:
                miss.update(spec.missing)
            self._field_missing[name] = miss
            if self.fields[name].type in ("timestamp", "date"):
                fmts = spec.formats if spec.formats is not None else source.date_formats
                self._parsers[name] = DateParser(fmts, spec.timezone or self.tz_name, source.two_digit_year_pivot)
        # snapshot_year must be parsed before dates that pivot on it
        self.order = sorted(self.specs, key=lambda n: 0 if n == "snapshot_year" else 1)
        self._transformer = None
        if source.coordinates and source.coordinates.crs.upper() not in ("EPSG:4326", "WGS84"):
            from pyproj import Transformer

            self._transformer = Transformer.from_crs(source.coordinates.crs, "EPSG:4326", always_xy=True)

    def output_fields(self) -> set[str]:
        """Canonical fields a mapped row can carry: the mapped ones plus those derived from them."""
        out = set(self.specs)
        if {"x", "y"} <= out:
            out |= {"lat", "lon"}
        if self.source.category_map and "category" in out:
            out.add("subcategory")
        return out

    def missing_columns(self, header: list[str]) -> list[str]:
        """Mapped or id columns that the file's header lacks (sorted)."""
        have = set(header)
        return sorted(c for c in self.mapped_cols if c not in have)

    def _text(self, name: str, spec: FieldSpec, values: dict[str, str]) -> str | None:
        if spec.value is not None:
            return str(spec.value)
        if spec.column is not None:
            t = values.get(spec.column, "").strip()
        else:
            def sub(m: re.Match) -> str:
                v = values.get(m.group(1), "").strip()
                if v in self.missing:
                    return ""
                if m.group(2) == "int" and v:
                    try:
                        return str(parse_int(v))
                    except BadValue:
                        return v
                return v
            t = " ".join(_PLACEHOLDER.sub(sub, spec.template or "").split())
        if t in self._field_missing[name]:
            return None
        if spec.map:
            t = spec.map.get(t, t)
        return t

    def map(self, rec: RawRecord) -> tuple[dict | None, str | None]:
        """Return ``(row, None)`` for a good record or ``(None, reason)`` to quarantine it."""
        if rec.error is not None or rec.values is None:
            return None, rec.error or "unreadable record"
        values = rec.values
        row: dict = {}
        flags: list[str] = []
        snapshot_year = None
        for name in self.order:
            spec = self.specs[name]
            field = self.fields[name]
            text = self._text(name, spec, values)
            if text is None or text == "":
                row[name] = None
                continue
            try:
                if field.type == "text":
                    row[name] = text
                elif field.type in ("float", "int", "bool"):
                    cache = self._num_cache[name]
                    v = cache.get(text, _MISS)
                    if v is _MISS:
                        v = _NUMERIC[field.type](text)
                        if len(cache) < 100_000:
                            cache[text] = v
                    row[name] = v
                    if name == "snapshot_year":
                        snapshot_year = v
                else:
                    dt = self._parsers[name].parse(text, snapshot_year)
                    bad = out_of_range(dt, self.run_at, field.past_only)
                    if bad:
                        flags.append(f"{name} {text!r} {bad}")
                        row[name] = None
                    else:
                        row[name] = as_date(dt, self.local_tz) if field.type == "date" else dt
            except BadValue as exc:
                return None, f"column {spec.column or spec.template or 'constant'!r}: {exc}"
        self._coordinates(row, flags)
        self._category(row)
        for name in self.source.required:
            if row.get(name) is None:
                spec = self.specs.get(name)
                col = (spec.column or spec.template) if spec else "(not mapped)"
                return None, f"required field {name!r} (column {col!r}) is empty"
        rid_parts = [values.get(c, "").strip() for c in self.source.record_id]
        if self.source.record_id:
            if not all(rid_parts):
                empty = [c for c, v in zip(self.source.record_id, rid_parts) if not v]
                return None, f"record id column(s) {', '.join(map(repr, empty))} empty"
            row["record_id"] = "|".join(rid_parts)
        if self._attr_keys is None or values.keys() != self._attr_src:
            # CSV rows share one header; JSON records may not, so recompute when keys change
            self._attr_src = set(values.keys())
            self._attr_keys = sorted(k for k in values if k not in self.mapped_cols)
        attrs = {}
        for k in self._attr_keys:
            v = values.get(k)
            if v:
                v = v.strip()
                if v:
                    attrs[k] = v
        row["attributes"] = json.dumps(attrs, ensure_ascii=False) if attrs else None
        row["dq_flags"] = "; ".join(flags) if flags else None
        if self.hash_exclude:
            hashed = "\x1f".join(f"{k}={v}" for k, v in values.items() if k not in self.hash_exclude)
        else:
            hashed = "\x1f".join(values.values())
        row["content_hash"] = hashlib.sha1(hashed.encode()).hexdigest()
        return row, None

    def _coordinates(self, row: dict, flags: list[str]) -> None:
        if self._transformer is not None and row.get("x") is not None and row.get("y") is not None:
            lon, lat = self._transformer.transform(row["x"], row["y"])
            row["lon"], row["lat"] = lon, lat
        lat, lon = row.get("lat"), row.get("lon")
        if lat is not None and not -90 <= lat <= 90:
            flags.append(f"lat {lat} outside -90..90")
            row["lat"] = None
        if lon is not None and not -180 <= lon <= 180:
            flags.append(f"lon {lon} outside -180..180")
            row["lon"] = None
        if (row.get("lat") is None) != (row.get("lon") is None):
            row["lat"] = row["lon"] = None  # half a coordinate is no location

    def _category(self, row: dict) -> None:
        cmap = self.source.category_map
        if not cmap or "category" not in self.fields:
            return
        raw = row.get("category")
        if raw is None:
            return
        mapped = cmap.get(raw)
        if mapped is not None:
            if "subcategory" not in self.specs:
                row["subcategory"] = raw
            row["category"] = mapped
