"""Probabilistic match (Splink 5 on DuckDB) for house-number addresses the exact steps left.

Off unless ``linkage.probabilistic: true``. Runs after the exact and fuzzy-street steps, before
the centroid step, and only for records that are still unmatched and have an address of kind
``address`` with a non-zero house number. Each such address is compared with the spine's
**unambiguous** addresses (an address key on exactly one parcel; lots and wide ranges left out)
on parsed components:

- house number with its suffix: **equal** (both blocking rules require it, so ``14A`` never
  meets ``14C`` or ``14``);
- street name: exact, Jaro-Winkler >= 0.95, Levenshtein <= 2, Jaro-Winkler >= 0.88, else;
- street type (``ST``/``AVE``/...): equal, one side missing, different;
- directions (``N``/``S``... before or after the name): equal, one side missing, different;
- area: same ZIP, same neighbourhood, neither.

Blocking: same house number and same first two letters of the street name, or same house
number and same ZIP. The m/u probabilities are set by hand (:data:`HAND_SET`); ``train=True``
instead estimates u by random sampling and m with ONE EM session blocked on the street name
(which does not fix the house number), then checks the trained values against
:data:`SANITY` and falls back to the hand-set ones, with a warning, when they are implausible
(GUIDE §8: Splink's textbook training fixed on the wrong pattern on this data). No
term-frequency adjustments (they hurt on this data).

A link is made only when the best candidate's match probability is at least
``linkage.probabilistic_threshold``, it beats the runner-up by :data:`RUNNER_UP_GAP` bits of
match weight, the record's street is not itself in the spine (then the street is right and the
number is simply absent: "FAIRLAND" must not become "FAIRLAWN"), directions do not conflict,
numbered streets are equal ("S 23RD" is not "S 22ND") and the record's unit (if any) is
compatible with the parcel. Otherwise the record stays ``unmatched`` (so it goes to the review queue) with the
candidate named in the explanation. Splink is imported lazily: civicgrid works without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from civicgrid.addresses import NormalizedAddress
from civicgrid.addresses.pub28 import directional_abbreviation, suffix_abbreviation
from civicgrid.config import LinkageSettings
from civicgrid.linkage.spine import Spine
from civicgrid.linkage.units import unit_of

log = logging.getLogger(__name__)

PROBABILISTIC = "probabilistic"     # match type of the links this step makes
RUNNER_UP_GAP = 4.0                 # bits of match weight the best candidate must lead by
REVIEW_FLOOR = 0.5                  # candidates at least this probable are named in the explanation
COMPARED = "house number (exact), street name (Jaro-Winkler/Levenshtein), street type, directions, ZIP/neighbourhood"

#: hand-set (m, u) per comparison level, in level order (null level excluded)
HAND_SET: dict[str, list[tuple[float, float]]] = {
    "number": [(0.95, 0.001), (0.05, 0.999)],
    "street_name": [(0.85, 0.002), (0.08, 0.0005), (0.04, 0.002), (0.005, 0.004), (0.025, 0.9915)],
    "street_type": [(0.86, 0.40), (0.08, 0.10), (0.06, 0.50)],
    "dirs": [(0.93, 0.80), (0.06, 0.12), (0.01, 0.08)],
    "area": [(0.90, 0.08), (0.06, 0.04), (0.04, 0.88)],
}
#: trained values are implausible when an agreement level's m is below the bound, or when an
#: agreement level is not more likely among matches than among non-matches (m <= u)
SANITY: dict[str, float] = {"number": 0.7, "street_name": 0.5, "area": 0.5}


def splink_available() -> bool:
    try:
        import splink  # noqa: F401
    except ImportError:
        return False
    return True


def split_street(street_key: str) -> tuple[str, str | None, str | None]:
    """``"N MOUNT OLIVER ST"`` -> ``("MOUNT OLIVER", "ST", "N")`` (name, type, directions)."""
    words = street_key.split()
    dirs = []
    if len(words) > 1 and directional_abbreviation(words[0]) == words[0]:
        dirs.append(words.pop(0))
    if len(words) > 1 and directional_abbreviation(words[-1]) == words[-1]:
        dirs.append(words.pop())
    stype = None
    if len(words) > 1 and suffix_abbreviation(words[-1]) == words[-1]:
        stype = words.pop()
    return " ".join(words), stype, (" ".join(dirs) or None)


@dataclass(frozen=True)
class Query:
    """One distinct unmatched address to look for (with the record's unit, ZIP and neighbourhood)."""

    address: NormalizedAddress
    unit: str | None
    zip5: str | None
    hood: str | None


@dataclass(frozen=True)
class Result:
    parcel_id: str | None       # None: no link (see explanation)
    score: float
    explanation: str


def _levels(col: str, levels: list[tuple[str, str]], values: list[tuple[float, float]]) -> dict:
    out = [{"sql_condition": f'"{col}_l" IS NULL OR "{col}_r" IS NULL', "label_for_charts": "null",
            "is_null_level": True}]
    for (cond, label), (m, u) in zip(levels, values):
        out.append({"sql_condition": cond, "label_for_charts": label, "m_probability": m, "u_probability": u})
    return {"output_column_name": col, "comparison_levels": out}


def _settings(prior: float, values: dict[str, list[tuple[float, float]]]) -> dict:
    jw = "jaro_winkler_similarity(street_name_l, street_name_r)"
    return {
        "link_type": "link_only",
        "unique_id_column_name": "uid",
        "probability_two_random_records_match": prior,
        "retain_intermediate_calculation_columns": False,
        "blocking_rules_to_generate_predictions": [
            "l.number = r.number AND substr(l.street_name, 1, 2) = substr(r.street_name, 1, 2)",
            "l.number = r.number AND l.zip = r.zip",
        ],
        "comparisons": [
            _levels("number", [("number_l = number_r", "exact"), ("ELSE", "else")], values["number"]),
            _levels("street_name", [("street_name_l = street_name_r", "exact"),
                                    (f"{jw} >= 0.95", "jaro-winkler >= 0.95"),
                                    ("levenshtein(street_name_l, street_name_r) <= 2", "levenshtein <= 2"),
                                    (f"{jw} >= 0.88", "jaro-winkler >= 0.88"), ("ELSE", "else")],
                    values["street_name"]),
            _levels("street_type", [("street_type_l = street_type_r", "exact"),
                                    ("street_type_l IS NULL OR street_type_r IS NULL", "one missing"),
                                    ("ELSE", "different")], values["street_type"]),
            _levels("dirs", [("coalesce(dirs_l, '') = coalesce(dirs_r, '')", "equal"),
                             ("dirs_l IS NULL OR dirs_r IS NULL", "one missing"), ("ELSE", "different")],
                    values["dirs"]),
            _levels("area", [("zip_l = zip_r", "same ZIP"), ("hood_l = hood_r", "same neighbourhood"),
                             ("ELSE", "neither")], values["area"]),
        ],
    }


def _fix_null_levels(settings: dict) -> dict:
    """Null levels whose condition makes no sense for the column (dirs/type may legitimately be null)."""
    for comp in settings["comparisons"]:
        name = comp["output_column_name"]
        if name in ("dirs", "street_type"):   # both absent: neutral; one absent: a level of its own
            comp["comparison_levels"][0]["sql_condition"] = f'"{name}_l" IS NULL AND "{name}_r" IS NULL'
        elif name == "area":
            comp["comparison_levels"][0]["sql_condition"] = ("(zip_l IS NULL OR zip_r IS NULL) AND "
                                                             "(hood_l IS NULL OR hood_r IS NULL)")
    return settings


def _frame(rows: list[tuple[str, str, str, str | None, str | None, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["uid", "number", "street_name", "street_type", "dirs", "zip", "hood"])


def spine_candidates(spine: Spine, settings: LinkageSettings) -> pd.DataFrame:
    """The spine's unambiguous address keys (one parcel each) with parsed components."""
    a = spine.addresses
    if a.empty:
        return pd.DataFrame(columns=["uid", "number", "street_name", "street_type", "dirs", "zip", "hood",
                                     "parcel_id"])
    a = a[~a["lot"].astype(bool) & a["house_number"].ne("0")
          & ~(a["from_range"].astype(bool) & a["range_numbers"].fillna(0).gt(settings.max_range_numbers))]
    keys = a.drop_duplicates("address_key")[["address_key", "street_key", "house_number"]]
    par = spine.parcels.set_index("parcel_id")
    rows, pids = [], []
    for key, street, number in keys.itertuples(index=False):
        p = spine.parcels_at(key)
        if len(p) != 1:
            continue
        pid = next(iter(p))
        name, stype, dirs = split_street(street)
        hood = par.at[pid, "neighborhood"] if pid in par.index else None
        z = par.at[pid, "zip"] if pid in par.index else None
        rows.append((key, number, name, stype, dirs, z if isinstance(z, str) else None,
                     hood.upper() if isinstance(hood, str) else None))
        pids.append(pid)
    return _frame(rows).assign(parcel_id=pids)


def _plausible(trained: dict[str, list[tuple[float, float]]]) -> str | None:
    """None when the trained values pass :data:`SANITY`, else the reason they do not."""
    for comp, levels in trained.items():
        m, u = levels[0]
        if not (m > u):
            return f"{comp}: agreement is not more likely among matches (m {m:.3g} <= u {u:.3g})"
        if comp in SANITY and m < SANITY[comp]:
            return f"{comp}: m of exact agreement {m:.3g} below {SANITY[comp]}"
    return None


def _trained_values(linker) -> dict[str, list[tuple[float, float]]]:
    out = {}
    for comp in linker.misc.save_model_to_json()["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        out[comp["output_column_name"]] = [(float(lv.get("m_probability") or 0.0),
                                            float(lv.get("u_probability") or 0.0)) for lv in levels]
    return out


def probabilistic_match(queries: list[Query], spine: Spine, settings: LinkageSettings,
                        candidates: pd.DataFrame | None = None, train: bool = False) -> dict[Query, Result]:
    """Score each query against the spine's unambiguous addresses; return a result per query
    that has a candidate (links and review notes). Raises ImportError without splink."""
    import splink  # noqa: F401  (lazy: an optional dependency)
    from splink import DuckDBAPI, Linker

    cand = spine_candidates(spine, settings) if candidates is None else candidates
    if not queries or cand.empty:
        return {}
    left_rows = []
    for i, q in enumerate(queries):
        name, stype, dirs = split_street(q.address.street_key)
        left_rows.append((f"q{i}", q.address.number_text, name, stype, dirs, q.zip5, q.hood))
    left = _frame(left_rows)
    right = cand.drop(columns="parcel_id")
    prior = min(0.5, 1.0 / max(len(right), 1))
    params = HAND_SET
    db = DuckDBAPI()
    l_df = db.register(left, dataset_display_name="unmatched")
    r_df = db.register(right, dataset_display_name="spine")
    linker = Linker([l_df, r_df], _fix_null_levels(_settings(prior, params)), log_level=logging.WARNING)
    if train:
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
        linker.training.estimate_parameters_using_expectation_maximisation(
            "l.street_name = r.street_name", fix_u_probabilities=True)
        trained = _trained_values(linker)
        why = _plausible(trained)
        if why:
            log.warning("probabilistic linkage: trained weights implausible (%s); using hand-set weights", why)
            linker = Linker([l_df, r_df], _fix_null_levels(_settings(prior, params)), log_level=logging.WARNING)
    floor = 2 ** -30
    pred = linker.inference.predict(threshold_match_probability=floor).as_pandas_dataframe()
    if pred.empty:
        return {}
    pred = pred.rename(columns={"uid_l": "q", "uid_r": "key"})
    if pred["q"].str.startswith("q").sum() < len(pred):   # the sides may come back swapped
        swap = ~pred["q"].str.startswith("q")
        pred.loc[swap, ["q", "key"]] = pred.loc[swap, ["key", "q"]].to_numpy()
    pid_of = dict(zip(cand["uid"], cand["parcel_id"]))
    dirs_of = dict(zip(right["uid"], right["dirs"]))
    name_of = dict(zip(right["uid"], right["street_name"]))
    out: dict[Query, Result] = {}
    for qid, g in pred.sort_values("match_weight", ascending=False).groupby("q", sort=False):
        q = queries[int(qid[1:])]
        best = g.iloc[0]
        key, p, w = best["key"], float(best["match_probability"]), float(best["match_weight"])
        pid = pid_of[key]
        what = f"probabilistic candidate '{key}' (parcel {pid}, match probability {p:.3f}; compared {COMPARED})"
        runner = g.iloc[1] if len(g) > 1 else None
        qdirs = split_street(q.address.street_key)[2]
        if p < REVIEW_FLOOR:
            continue
        qname, cname = split_street(q.address.street_key)[0], name_of[key]
        if q.address.street_key in spine.streets:
            reason = (f"street '{q.address.street_key}' is in the spine without this number: a similar "
                      f"street elsewhere is not taken")
        elif qdirs and dirs_of.get(key) and qdirs != dirs_of[key]:
            reason = f"directions differ ({qdirs} vs {dirs_of[key]}): another street"
        elif qname != cname and (any(c.isdigit() for c in qname) or any(c.isdigit() for c in cname)):
            reason = f"numbered streets differ ({qname} vs {cname})"
        elif not _unit_ok(q, key, pid, spine):
            reason = f"unit #{q.unit} is not among the spine's units at '{key}'"
        elif p < settings.probabilistic_threshold:
            reason = f"below the threshold {settings.probabilistic_threshold:g}"
        elif runner is not None and w - float(runner["match_weight"]) < RUNNER_UP_GAP:
            reason = (f"runner-up '{runner['key']}' (probability {float(runner['match_probability']):.3f}) "
                      f"is too close")
        else:
            out[q] = Result(pid, round(p, 4), f"'{q.address.address_key}' ~ '{key}' on 1 parcel: "
                            f"match probability {p:.3f} over {COMPARED}"
                            + (f"; runner-up '{runner['key']}' at {float(runner['match_probability']):.3f}"
                               if runner is not None else ""))
            continue
        out[q] = Result(None, 0.0, f"{what}: {reason}; review")
    return out


def _unit_ok(q: Query, key: str, pid: str, spine: Spine) -> bool:
    if not q.unit:
        return True
    at = spine.by_unit.get(f"{key} #{q.unit}")
    if at:
        return pid in at
    return not spine.units_at.get(key)


def query_for(a: NormalizedAddress, zip5: str | None, hood: str | None,
              settings: LinkageSettings) -> Query | None:
    """The query for one unmatched record, or None when the step does not apply to it."""
    if a.kind != "address" or not a.house_number or a.house_number == "0" or not a.street_key:
        return None
    unit, lot = unit_of(a, settings.lot_qualifiers)
    if lot:
        return None
    return Query(a, unit, zip5 or None, hood.upper() if isinstance(hood, str) and hood else None)
