"""The synthetic demo city: Racine, WI, as a folder of messy departmental exports and a ``city.yaml``.

    >>> from civicgrid.demo import generate_demo_city
    >>> folder = generate_demo_city("demo-city")            # seed 2026, full size (~25k parcels)
    >>> folder = generate_demo_city("small", seed=1, scale=0.1)

Every file is SYNTHETIC DEMO DATA — not real records. The same seed and scale give
byte-identical files. Street names and ZIP codes are Racine's; everything else is invented.
"""

from __future__ import annotations

from pathlib import Path

from civicgrid.demo.common import MARKER, counts, rng_for, write_csv, write_jsonl_gz, write_xlsx

__all__ = ["generate_demo_city", "MARKER", "FILES"]

#: files written by :func:`generate_demo_city` (besides ``hr_roster_<year>.csv``)
FILES = ["README.txt", "city.yaml", "parcels.csv", "work_orders.csv", "code_cases.xlsx", "cad_calls.csv",
         "fire_incidents.jsonl.gz", "crm_interactions.csv", "job_postings.csv", "job_applicants.csv",
         "answer_key/planted_properties.csv", "answer_key/planted_records.csv"]


def generate_demo_city(out_dir: str | Path, seed: int = 2026, scale: float = 1.0) -> Path:
    """Write the synthetic Racine demo city into ``out_dir`` and return the folder.

    Args:
        out_dir: folder to write (created if missing; files of the same name are overwritten).
        seed: random seed; the same seed and scale give byte-identical files.
        scale: size factor; 1.0 gives ~25k parcels, 20k work orders, 8k code cases, 30k CAD
            calls, 2k fire incidents, 40k CRM interactions and ~1,000 employees. The 50 planted
            properties (40 problem properties, 10 decoys) are planted at every scale.

    Returns:
        The output folder, holding the exports, ``city.yaml`` (load it with
        :func:`civicgrid.config.load_config`), ``README.txt`` and ``answer_key/``.
    """
    import pandas as pd

    from civicgrid.demo import crm, hiring, hr, parcels, planted, safety, works
    from civicgrid.demo.config import write_city_yaml
    from civicgrid.demo.workforce import write_workforce_files

    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    out = Path(out_dir)
    (out / "answer_key").mkdir(parents=True, exist_ok=True)
    n = counts(scale)

    par = parcels.make_parcels(rng_for(seed, "parcels"), n["parcels"])
    write_csv(parcels.assessor_roll(rng_for(seed, "roll"), par), out / "parcels.csv")
    chosen, plan = planted.plant(rng_for(seed, "planted"), par)

    wo, short, p_wo = works.work_orders(rng_for(seed, "work_orders"), par, n["work_orders"], plan.get("work_orders"))
    write_csv(wo, out / "work_orders.csv", inject=short)
    cases, p_cc = works.code_cases(rng_for(seed, "code_cases"), par, n["code_cases"], plan.get("code_cases"))
    write_xlsx(cases, out / "code_cases.xlsx", sheet="Cases")
    cad, p_pd = safety.cad_calls(rng_for(seed, "cad"), par, n["cad_calls"], plan.get("police"))
    write_csv(cad, out / "cad_calls.csv")
    fire, p_fd = safety.fire_incidents(rng_for(seed, "fire"), par, n["fire"], plan.get("fire"))
    write_jsonl_gz(fire, out / "fire_incidents.jsonl.gz")
    inter, p_crm = crm.interactions(rng_for(seed, "crm"), par, n["crm"], plan.get("crm"))
    write_csv(inter, out / "crm_interactions.csv")

    emp, req = hr.simulate(rng_for(seed, "hr"), n["employees"])
    for year, roster in hr.rosters(rng_for(seed, "rosters"), emp).items():
        write_csv(roster, out / f"hr_roster_{year}.csv")
    posts, req = hiring.postings(rng_for(seed, "postings"), emp, req)
    write_csv(posts, out / "job_postings.csv")
    write_csv(hiring.applicants(rng_for(seed, "applicants"), emp, req, posts), out / "job_applicants.csv")

    records = pd.concat([p_wo, p_cc, p_pd, p_fd, p_crm], ignore_index=True)
    props, recs = planted.answer_key(par, chosen, records)
    write_csv(props, out / "answer_key" / "planted_properties.csv")
    write_csv(recs, out / "answer_key" / "planted_records.csv")
    write_city_yaml(out, seed, scale)
    write_workforce_files(out)
    (out / "README.txt").write_bytes(_readme(seed, scale, n).encode("utf-8"))
    return out


def _readme(seed: int, scale: float, n: dict[str, int]) -> str:
    return f"""{MARKER}

civicgrid demo city — Racine, WI (synthetic). seed={seed}, scale={scale:g}.
Regenerate with: python -m civicgrid.demo OUT_DIR --seed {seed} --scale {scale:g}
Street names and ZIP codes are Racine's; street geometry is simplified and every parcel,
owner, call, case, person and number is invented. Owners are synthetic company names, public
bodies or OWNER-xxxxx tokens; people are PT-xxxxxxxx tokens and AGENT-/INSP-/SUP- codes.

Files (sources in city.yaml):
  parcels.csv               assessor roll, ~{n['parcels']:,} parcels (15-digit tax keys 2760000NNNNNSSS)
  work_orders.csv           Public Works, Cityworks AMS style, ~{n['work_orders']:,} work orders
  code_cases.xlsx           code enforcement, Cityworks PLL style, ~{n['code_cases']:,} cases (sheet "Cases")
  cad_calls.csv             police CAD calls for service, ~{n['cad_calls']:,}
  fire_incidents.jsonl.gz   NFIRS incidents, ~{n['fire']:,}, gzip-compressed JSON Lines
  crm_interactions.csv      customer-service CRM (Polimorphic style), ~{n['crm']:,}, times in UTC
  hr_roster_2021.csv …      year-end HR roster snapshots 2021–2025, ~{n['employees']:,} employees
  job_postings.csv          requisitions 2021–2026
  job_applicants.csv        applications, with the stage reached
  city.yaml                 civicgrid city configuration mapping every file above

Events span 2024-11-01 … 2026-10-31 (America/Chicago); HR spans 2021-01-01 … 2026-10-31.

Deliberate mess, as in real exports: misspelled streets (WASHINGTN AVE), AV/AVE/AVENUE,
units as APT 2 / #2 / UNIT 2, hundred blocks (1400 BLOCK OF WASHINGTON AVE) and intersections
(DOUGLAS AVE / 16TH ST), parcel ids with dashes or missing, shared addresses (condos, 0 DURAND AVE),
coordinates 0 or missing, an unparseable date in several files, a future date, a closing before its
opening, a duplicated row and a row with too few fields in work_orders.csv, two-digit years in the
2021 roster, EEO-4 numbers in 2021–2022, currency-formatted salaries in 2024.

Planted story: 40 problem properties where CRM complaints, code cases, work orders, police
nuisance calls and fires cluster after 2026-05-01 (15 escalating, 25 steady), plus 10 decoy
properties with only domestic-violence, welfare-check, medical and EMS calls, which must never
be flagged. The answer key is in answer_key/ (not a source; do not load it as data).
"""
