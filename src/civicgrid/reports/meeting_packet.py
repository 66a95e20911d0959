"""The Integration Team's meeting packet: HTML, PDF (WeasyPrint) with charts, and CSV.

One page section per agenda location: why it is on the agenda, its score and components, the
lead department, a chart of counted records per month by department (Altair, rendered offline by
vl-convert), open action items with due dates, notes and decisions. Protected calls never appear
(not counted, not charted); police detail is never printed in a packet. Every export is audited.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from jinja2 import Environment, select_autoescape

from civicgrid.integration.api import jsonable, records, resolve_settings, tables, warehouse
from civicgrid.integration.casework import audit, contests_for
from civicgrid.integration.events import load_events
from civicgrid.integration.meetings import generate_agenda, get_agenda
from civicgrid.integration.rules import classify

_TEMPLATE = """<!doctype html><html><head><meta charset="utf-8"><title>{{ m.title }}</title><style>
@page { size: Letter; margin: 15mm 13mm; @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 7.5pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 8.5pt; color: #222; }
h1 { font-size: 15pt; margin: 0 0 1mm; } h2 { font-size: 11pt; margin: 5mm 0 1.5mm; border-bottom: 1px solid #999; }
h3 { font-size: 10pt; margin: 0 0 1mm; } .item { page-break-inside: avoid; border-top: 1px solid #bbb; padding-top: 2mm; margin-top: 3mm; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; } th, td { border: 1px solid #ccc; padding: .8mm 1.4mm; vertical-align: top; }
th { background: #eef; text-align: left; } td.n { text-align: right; } .note { color: #555; font-size: 7.5pt; }
.tag { display: inline-block; padding: 0 1.5mm; border-radius: 1mm; background: #eee; font-size: 7.5pt; }
.new { background: #fde2c8; } .escalating { background: #f8c9c4; } .carried_over { background: #d6e4f5; } .high_score { background: #e8e0f4; }
.banner { background: #fff3cd; border: 1px solid #d9b600; padding: 1.5mm; margin-bottom: 2mm; }
img.chart { max-width: 100%; } .cols { display: flex; gap: 3mm; } .cols > div { flex: 1; }
</style></head><body>
{% if p.synthetic %}<div class="banner"><b>SYNTHETIC DEMO DATA</b> — not real records.</div>{% endif %}
<h1>{{ m.title }}</h1>
<p>Meeting {{ m.id }} on <b>{{ m.held_on }}</b> · data as of <b>{{ p.as_of[:10] if p.as_of else '—' }}</b> ·
{{ items|length }} location(s): {% for r, n in p.counts.items() if n %}{{ n }} {{ r.replace('_', ' ') }}{% if not loop.last %}, {% endif %}{% endfor %}
· team capacity {{ p.capacity }}.</p>
{% if p.stale %}<p class="note">No recent records from: {{ p.stale|join(', ') }} (their exports end before the overlap window).</p>{% endif %}
<p class="note">Scores are points per record (department, category), halving every {{ p.half_life }} days; block-published police and fire records
count at {{ p.block_weight }} for a parcel on that block. Calls where the resident is the victim, domestic-violence, medical/EMS and welfare-check
calls never add points and are not shown. Disagree with a score? Record a contest (score_contests).</p>
{% if p.scores_chart %}<img class="chart" src="{{ p.scores_chart }}" alt="scores of the agenda's locations">{% endif %}
<h2>Agenda</h2>
<table><tr><th>#</th><th>Location</th><th>Why</th><th class="n">Score</th><th class="n">Rank</th><th>Lead</th><th class="n">Open actions</th><th>Next due</th></tr>
{% for i in items %}<tr><td>{{ i.position }}</td><td>{{ i.case.address or i.case.location_key }}{% if i.case.level == 'block' %} (block){% endif %}</td>
<td><span class="tag {{ i.reason }}">{{ i.reason.replace('_', ' ') }}</span> {{ i.flags or '' }}</td><td class="n">{{ num(i.score) }}</td><td class="n">{{ i.rank or '—' }}</td>
<td>{{ i.case.lead_department or '—' }}</td><td class="n">{{ i.open_actions }}</td><td>{{ i.next_due or '—' }}</td></tr>{% endfor %}</table>
{% for i in items %}<div class="item">
<h3>{{ i.position }}. {{ i.case.address or i.case.location_key }} <span class="tag {{ i.reason }}">{{ i.reason.replace('_', ' ') }}</span></h3>
<p class="note">{{ i.case.level }} {{ i.case.location_key }}{% if i.neighborhood %} · {{ i.neighborhood }}{% endif %} · case {{ i.case.id }} open since {{ (i.case.opened_at or '')[:10] }}
· lead: <b>{{ i.case.lead_department or 'not set' }}</b>{% if i.detail %} · {{ i.detail }}{% endif %}</p>
<div class="cols"><div>
<table><tr><th>Component</th><th class="n">Records</th><th class="n">Points</th></tr>
{% for c in i.components[:8] %}<tr><td>{{ c.department }} · {{ c.category }}{% if c.attribution == 'block' %} (block){% endif %}</td><td class="n">{{ c.n_events }}</td><td class="n">{{ num(c.points) }}</td></tr>{% endfor %}
{% if not i.components %}<tr><td colspan="3">No points at the data date.</td></tr>{% endif %}</table>
{% if i.contests %}<p class="note">Open score contests: {% for c in i.contests %}{{ c.reason }} ({{ c.submitted_by or 'anonymous' }}){% if not loop.last %}; {% endif %}{% endfor %}</p>{% endif %}
</div><div>{% if i.chart %}<img class="chart" src="{{ i.chart }}" alt="records per month">{% else %}<p class="note">No counted records in the last 12 months.</p>{% endif %}</div></div>
<table><tr><th>Action</th><th>Department</th><th>Due</th><th>Status</th></tr>
{% for a in i.actions %}<tr><td>{{ a.description }}</td><td>{{ a.department }}</td><td>{{ a.due_on or '—' }}</td><td>{{ a.status }}</td></tr>{% endfor %}
{% if not i.actions %}<tr><td colspan="4">No action items yet.</td></tr>{% endif %}</table>
{% if i.notes %}<p><b>Notes:</b> {% for n in i.notes %}{{ n.text }} <span class="note">({{ n.author or '' }} {{ n.created_at[:10] }})</span>{% if not loop.last %} · {% endif %}{% endfor %}</p>{% endif %}
{% if i.decisions %}<p><b>Decisions:</b> {% for d in i.decisions %}{{ d.decision }}{% if d.text %}: {{ d.text }}{% endif %} <span class="note">({{ d.decided_at[:10] }})</span>{% if not loop.last %} · {% endif %}{% endfor %}</p>{% endif %}
</div>{% endfor %}
<p class="note">Generated by civicgrid from the warehouse (data as of {{ p.as_of }}) and the app-state database.</p>
</body></html>"""

CSV_COLUMNS = ["position", "reason", "level", "location_key", "address", "neighborhood", "score", "rank", "flags",
               "lead_department", "open_actions", "next_due", "actions", "last_decision", "case_id"]


def _monthly(con, settings, items: list[dict], as_of: pd.Timestamp) -> dict[tuple[str, str], pd.DataFrame]:
    """Counted records per month and department, last 12 months, for each agenda location."""
    parcels = [i["case"]["location_key"] for i in items if i["case"]["level"] == "parcel"]
    blocks = {i["case"]["location_key"] for i in items if i["case"]["level"] == "block"}
    if not items or "event_links" not in tables(con):
        return {}
    pblock = dict(con.execute("SELECT parcel_id, block_key FROM parcel_spine WHERE parcel_id IN (SELECT unnest(?))",
                              [parcels]).fetchall()) if parcels else {}
    blocks |= {b for b in pblock.values() if b}
    ev = classify(load_events(con, "l.parcel_id IN (SELECT unnest(?)) OR l.block_key IN (SELECT unnest(?))",
                              [parcels or [""], sorted(blocks) or [""]]), settings)
    start = as_of - pd.Timedelta(days=365)
    ev = ev[(ev["points"] > 0) & ev["opened_at"].notna() & (ev["opened_at"] > start) & (ev["opened_at"] <= as_of)]
    ev = ev.assign(month=ev["opened_at"].dt.tz_convert(None).dt.to_period("M").dt.to_timestamp())
    out = {}
    for i in items:
        lv, k = i["case"]["level"], i["case"]["location_key"]
        if lv == "parcel":
            sub = ev[(ev["parcel_id"] == k) | ((ev["match_type"] == "block") & (ev["block_key"] == pblock.get(k)))]
        else:
            sub = ev[ev["block_key"] == k]
        out[(lv, k)] = sub.groupby(["month", "department"]).size().rename("n").reset_index()
    return out


def build_packet(app_db, db, meeting_id: int, *, cfg=None, settings=None, charts: bool = True) -> dict:
    """Everything the packet shows, as a JSON-ready dict (the agenda is generated if it is not yet)."""
    ag = get_agenda(app_db, meeting_id)
    if ag["meeting"]["agenda_generated_at"] is None:
        ag = generate_agenda(app_db, db, meeting_id, cfg=cfg, settings=settings)
    items = ag["items"]
    with warehouse(db) as con:
        s = resolve_settings(con, cfg, settings)
        if "property_scores" in tables(con) and cfg is None and settings is None:
            sc = con.execute("SELECT * FROM property_scores").df()
            comp = con.execute("SELECT * FROM property_score_components").df()
        else:  # tables not built (or other settings): compute them
            from civicgrid.integration.compute import compute_all

            res = compute_all(con, s)
            sc = pd.concat([t.scores for t in res.scores.values()], ignore_index=True)
            comp = pd.concat([t.components for t in res.scores.values()], ignore_index=True)
        as_of = pd.Timestamp(sc["as_of"].max()) if len(sc) else pd.Timestamp(ag["meeting"]["data_as_of"] or "now", tz="UTC")
        monthly = _monthly(con, s, items, as_of) if charts else {}
        synthetic = bool(con.execute("SELECT bool_or(synthetic) FROM builds").fetchone()[0]) if "builds" in tables(con) else False
        coverage = dict(con.execute("SELECT department, max(opened_at) FROM events GROUP BY 1").fetchall())
    from civicgrid.integration.charts import monthly_png, scores_png

    for i in items:
        key = (i["case"]["level"], i["case"]["location_key"])
        row = sc[(sc["level"] == key[0]) & (sc["location_key"] == key[1])] if len(sc) else sc
        i["neighborhood"] = jsonable(row["neighborhood"].iloc[0]) if len(row) else None
        c = comp[(comp["level"] == key[0]) & (comp["location_key"] == key[1])].sort_values("points", ascending=False) \
            if len(comp) else comp
        i["components"] = records(c[["department", "category", "attribution", "n_events", "points"]]) if len(c) else []
        opened = [a for a in i["actions"] if a["status"] == "open"]
        i["next_due"] = min((a["due_on"] for a in opened if a["due_on"]), default=None)
        i["contests"] = [x for x in contests_for(app_db, *key) if x["status"] == "open"]
        m = monthly.get(key)
        i["chart"] = monthly_png(m, "counted records per month") if charts and m is not None and len(m) else None
    stale = [d for d, t in coverage.items() if t is not None and (as_of - pd.Timestamp(t)).days > s.overlap_window_days]
    chart_rows = pd.DataFrame([{"label": f"{i['position']}. {i['case']['address'] or i['case']['location_key']}",
                                "score": i["score"] or 0.0, "reason": i["reason"].replace("_", " ")} for i in items])
    return {"meeting": ag["meeting"], "items": items, "counts": ag["counts"], "as_of": jsonable(as_of),
            "capacity": s.team_capacity, "half_life": s.half_life_days, "block_weight": s.block_weight,
            "stale": stale, "synthetic": synthetic,
            "scores_chart": scores_png(chart_rows) if charts and len(chart_rows) else None}


def render_packet_html(packet: dict) -> str:
    env = Environment(autoescape=select_autoescape(default=True))
    num = (lambda v: "—" if v is None else f"{v:,.1f}")
    return env.from_string(_TEMPLATE).render(p=packet, m=packet["meeting"], items=packet["items"], num=num)


def packet_csv(packet: dict) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for i in packet["items"]:
        decs = i["decisions"]
        w.writerow({"position": i["position"], "reason": i["reason"], "level": i["case"]["level"],
                    "location_key": i["case"]["location_key"], "address": i["case"]["address"],
                    "neighborhood": i.get("neighborhood"), "score": i["score"], "rank": i["rank"], "flags": i["flags"],
                    "lead_department": i["case"]["lead_department"], "open_actions": i["open_actions"],
                    "next_due": i.get("next_due"),
                    "actions": " | ".join(f"{a['department']}: {a['description']} (due {a['due_on'] or '—'}, {a['status']})"
                                          for a in i["actions"]),
                    "last_decision": decs[-1]["decision"] if decs else None, "case_id": i["case"]["id"]})
    return buf.getvalue()


def write_packet(app_db, db, meeting_id: int, fmt: str, out: str | Path, *, cfg=None, settings=None,
                 username: str | None = None, packet: dict | None = None) -> Path:
    """Write the packet as ``html``, ``pdf`` or ``csv`` to ``out``; the export is audited.

    ``packet``: a dict from :func:`build_packet` to reuse (several formats of one meeting).
    """
    if fmt not in ("html", "pdf", "csv"):
        raise ValueError("format must be html, pdf or csv")
    packet = packet or build_packet(app_db, db, meeting_id, cfg=cfg, settings=settings, charts=fmt != "csv")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        out.write_text(packet_csv(packet), encoding="utf-8")
    elif fmt == "html":
        out.write_text(render_packet_html(packet), encoding="utf-8")
    else:
        from weasyprint import HTML

        HTML(string=render_packet_html(packet)).write_pdf(str(out))
    audit(app_db, username, f"export.packet.{fmt}", "meeting", str(meeting_id), {"file": str(out),
                                                                                   "items": len(packet["items"])})
    return out
