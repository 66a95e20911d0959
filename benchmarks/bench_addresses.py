"""Benchmark civicgrid.addresses on the real Pittsburgh exports.

Normalizes every distinct address string of the Pittsburgh files in ``../shared/data`` and
prints addresses per second and the share of each kind, overall and per file.

Usage::

    python benchmarks/bench_addresses.py [--data PATH] [--repeat N] [--show-unparsed N]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from civicgrid.addresses import KINDS, SUFFIX_SOURCE, AddressNormalizer  # noqa: E402

#: (file, address column) of every Pittsburgh export with a one-column address
PITTSBURGH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("property_tax_delinquency.csv", "address"),
    ("city_owned_property.csv", "address"),
    ("police_non_traffic_citations.csv", "INCIDENTLOCATION"),
    ("fire_incidents.csv", "address"),
    ("pli_condemned_deadend_properties.csv", "address"),
    ("pli_condemned_with_addresses_derived.csv", "final_address"),
    ("pli_business_licenses.csv", "address"),
    ("police_arrests_2020.csv", "ARRESTLOCATION"),
    ("police_arrests_2020.csv", "INCIDENTLOCATION"),
    ("police_incident_blotter_30day_2020.csv", "INCIDENTLOCATION"),
    ("police_incident_blotter_2023_jan_jul.csv", "INCIDENTLOCATION"),
)


def read_column(path: Path, column: str) -> list[str]:
    """All values of one column of a CSV file (UTF-8, BOM tolerated)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return [row[column] for row in csv.DictReader(fh)]


def shares(results, counts_too: bool = False) -> str:
    """``kind share`` for every kind present, in :data:`KINDS` order."""
    counts = Counter(r.kind for r in results)
    total = max(len(results), 1)
    if counts_too:
        return ", ".join(f"{k} {counts[k]:,} ({counts[k] / total:.2%})" for k in KINDS
                         if counts[k])
    return "  ".join(f"{k} {counts[k] / total:6.1%}" for k in KINDS if counts[k])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (best is reported)")
    parser.add_argument("--show-unparsed", type=int, default=15)
    args = parser.parse_args(argv)
    folder = args.data / "pittsburgh"
    if not folder.is_dir():
        print(f"{folder} not found")
        return 1

    per_file: dict[str, list[str]] = {}
    for name, column in PITTSBURGH_COLUMNS:
        if (folder / name).exists():
            per_file[f"{name}:{column}"] = read_column(folder / name, column)
    distinct = sorted({v for values in per_file.values() for v in values})
    print(f"suffix table: {SUFFIX_SOURCE}")
    print(f"{sum(map(len, per_file.values())):,} values, {len(distinct):,} distinct strings "
          f"from {len(per_file)} columns")

    best = float("inf")
    for _ in range(args.repeat):
        normalizer = AddressNormalizer()
        start = time.perf_counter()
        results = normalizer.normalize_many(distinct)
        best = min(best, time.perf_counter() - start)
    print(f"normalized {len(distinct):,} distinct strings in {best:.2f} s: "
          f"{len(distinct) / best:,.0f} addresses/second (uncached, best of {args.repeat})")

    rows = [v for values in per_file.values() for v in values]
    start = time.perf_counter()
    normalizer.normalize_many(rows)
    cached = time.perf_counter() - start
    print(f"all {len(rows):,} values through the warm cache: {cached:.3f} s "
          f"({normalizer.hits:,} hits, {normalizer.misses:,} misses)")

    print(f"\nkind shares, distinct strings: {shares(results, counts_too=True)}")
    street_only = sum(r.kind == "address" and r.house_number is None for r in results)
    print(f"of the addresses, {street_only:,} ({street_only / len(results):.2%} of all) have no "
          "house number (a street, landmark or area name only)")
    by_text = dict(zip(distinct, results))
    for label, values in per_file.items():
        uniq = sorted(set(values))
        print(f"  {label:<52} {len(uniq):>6,}  {shares([by_text[v] for v in uniq])}")
    unparsed = [r for r in results if r.kind == "unparsed"]
    if unparsed and args.show_unparsed:
        print(f"\n{len(unparsed)} unparsed, first {args.show_unparsed}:")
        for r in unparsed[: args.show_unparsed]:
            print(f"  {r.raw!r}: {r.reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
