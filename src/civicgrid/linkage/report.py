"""What a linkage run did: match types per source, spine size, timings."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from civicgrid.linkage import matchtypes as mt


@dataclass
class LinkReport:
    """Result of :func:`~civicgrid.linkage.link.link_warehouse`.

    ``by_source`` maps source -> {match_type: records}. ``rates()`` turns that into shares.
    """

    n_parcels: int = 0
    n_spine_addresses: int = 0
    n_ambiguous_addresses: int = 0
    spine_sources: list[str] = field(default_factory=list)
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    n_review: int = 0
    decisions_applied: int = 0
    addresses_parsed: int = 0
    addresses_reused: int = 0
    n_blocks: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def count(cls, links: pd.DataFrame, **kw) -> "LinkReport":
        by = links.groupby(["source", "match_type"]).size()
        table: dict[str, dict[str, int]] = {}
        for (src, kind), n in by.items():
            table.setdefault(src, {})[kind] = int(n)
        return cls(by_source=table, n_review=int(links["needs_review"].sum()), **kw)

    @property
    def n_records(self) -> int:
        return sum(sum(v.values()) for v in self.by_source.values())

    def rates(self) -> list[dict]:
        """Per source: records, share on a parcel, on a block only, ambiguous, unmatched, by type."""
        rows = []
        for src, counts in sorted(self.by_source.items()):
            n = sum(counts.values())
            parcel = sum(v for k, v in counts.items() if k in mt.PARCEL_TYPES)
            rows.append({
                "source": src, "records": n,
                "parcel_rate": round(parcel / n, 4) if n else 0.0,
                "block_rate": round(counts.get(mt.BLOCK, 0) / n, 4) if n else 0.0,
                "intersection_rate": round(counts.get(mt.INTERSECTION, 0) / n, 4) if n else 0.0,
                "ambiguous": counts.get(mt.AMBIGUOUS, 0), "unmatched": counts.get(mt.UNMATCHED, 0),
                "by_match_type": {k: counts[k] for k in mt.ALL if k in counts},
            })
        return rows

    def summary_frame(self, linked_at) -> pd.DataFrame:
        rows = []
        for src, counts in self.by_source.items():
            n = sum(counts.values())
            for kind, k in counts.items():
                rows.append((src, kind, k, k / n if n else 0.0, linked_at))
        return pd.DataFrame(rows, columns=["source", "match_type", "records", "share", "linked_at"])

    def as_dict(self) -> dict:
        return {"n_records": self.n_records, "n_parcels": self.n_parcels,
                "n_spine_addresses": self.n_spine_addresses,
                "n_ambiguous_addresses": self.n_ambiguous_addresses, "spine_sources": self.spine_sources,
                "n_blocks": self.n_blocks, "n_review": self.n_review,
                "decisions_applied": self.decisions_applied, "addresses_parsed": self.addresses_parsed,
                "addresses_reused": self.addresses_reused, "seconds": self.seconds, "sources": self.rates()}
