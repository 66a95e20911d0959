"""PDF summary of the hometown workforce report (issue 7), rendered with WeasyPrint.

The input is the dict from :func:`civicgrid.workforce.workforce_report`, which is already
privacy-safe (groups under 5 suppressed, no names or tokens); this module only lays it out.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, select_autoescape

_TEMPLATE = """<!doctype html><html><head><meta charset="utf-8"><style>
@page { size: Letter; margin: 18mm 15mm; @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; color: #222; }
h1 { font-size: 16pt; margin: 0 0 2mm; } h2 { font-size: 11.5pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2mm; } th, td { border: 1px solid #ccc; padding: 1.2mm 1.8mm; }
th { background: #eef; text-align: left; } td.n { text-align: right; } .note { color: #555; font-size: 8pt; }
.banner { background: #fff3cd; border: 1px solid #d9b600; padding: 2mm; margin-bottom: 3mm; }
</style></head><body>
{% if synthetic %}<div class="banner"><b>SYNTHETIC DEMO DATA</b> — not real records.</div>{% endif %}
<h1>Hometown workforce — {{ city }}</h1>
<p class="note">Generated {{ r.generated_at }}. Groups under {{ r.privacy.min_group }} people are suppressed (shown as "—"). No names appear in this report.</p>

<h2>Headcount, hires, separations and turnover</h2>
<p class="note">{{ r.turnover.definition }}</p>
{% if r.turnover.city %}<table><tr><th>Year</th><th>Headcount (end)</th><th>Hires</th><th>Separations</th><th>Transfers in / out</th><th>Turnover</th><th>First-year turnover</th></tr>
{% for y in r.turnover.city %}<tr><td>{{ y.year }}</td><td class="n">{{ num(y.headcount_end) }}</td><td class="n">{{ num(y.hires) }}</td><td class="n">{{ num(y.separations) }}</td>
<td class="n">{{ num(y.transfers_in) }} / {{ num(y.transfers_out) }}</td><td class="n">{{ pct(y.turnover) }}</td><td class="n">{{ pct(y.first_year_turnover) }}</td></tr>{% endfor %}</table>
{% else %}<p>{{ r.turnover.get('reason', 'Not available.') }}</p>{% endif %}

<h2>Retention</h2>
<p class="note">{{ r.retention.definition }}</p>
{% if r.retention.status == 'ok' %}<table><tr><th>Grouping</th><th>Group</th><th>People</th><th>Separations</th><th>Median tenure (years)</th></tr>
{% for gname, g in r.retention.groupings.items() %}{% for grp in g.groups[:12] %}<tr><td>{{ gname }}</td><td>{{ grp.group }}</td>
<td class="n">{{ num(grp.people) }}</td><td class="n">{{ num(grp.separations) }}</td><td class="n">{{ '—' if grp.median_tenure_years is none else '%.1f'|format(grp.median_tenure_years) }}</td></tr>{% endfor %}{% endfor %}</table>
{% else %}<p>{{ r.retention.get('reason', 'Not available.') }}</p>{% endif %}

<h2>Representation</h2>
<p class="note">{{ r.representation.definition }}</p>
{% set rows = r.representation.get('table', []) | selectattr('people') | list %}
{% if rows %}<table><tr><th>EEO-4 category</th><th>Race / ethnicity</th><th>Sex</th><th>People</th><th>Workforce share</th><th>Benchmark share</th><th>Index</th></tr>
{% for c in rows[:40] %}<tr><td>{{ c.eeo4_category }}</td><td>{{ c.race_group }}</td><td>{{ c.sex }}</td><td class="n">{{ num(c.people) }}</td>
<td class="n">{{ pct(c.workforce_share) }}</td><td class="n">{{ pct(c.benchmark_share) }}</td><td class="n">{{ '—' if c.representation_index is none else '%.2f'|format(c.representation_index) }}</td></tr>{% endfor %}</table>
{% if rows|length > 40 %}<p class="note">First 40 of {{ rows|length }} cells; the full table is in the warehouse (workforce_representation) and the JSON report.</p>{% endif %}
{% else %}<p>{{ r.representation.benchmark.reason if r.representation.benchmark is mapping and r.representation.benchmark.reason else 'No comparable cells.' }}</p>{% endif %}

<h2>Time to fill</h2>
{% set ttf = r.hiring.time_to_fill %}
{% if ttf.status == 'ok' %}<p class="note">{{ ttf.definition }}</p><table><tr><th>Job class</th><th>Postings</th><th>P25</th><th>Median</th><th>P75</th><th>P90 (days)</th></tr>
{% for j in ttf.by_job_class[:25] %}<tr><td>{{ j.job_class }}</td><td class="n">{{ num(j.postings) }}</td><td class="n">{{ num(j.p25) }}</td><td class="n">{{ num(j.median) }}</td><td class="n">{{ num(j.p75) }}</td><td class="n">{{ num(j.p90) }}</td></tr>{% endfor %}</table>
{% else %}<p>{{ ttf.get('reason', 'Not available.') }}</p>{% endif %}

<h2>Hard-to-fill job classes</h2>
<p class="note">{{ r.hard_to_fill.definition }}</p>
{% if r.hard_to_fill.classes %}<table><tr><th>Rank</th><th>Job class</th><th>Median days to fill</th><th>Postings</th><th>Applicants per posting</th><th>Turnover</th></tr>
{% for c in r.hard_to_fill.classes[:15] %}<tr><td>{{ c.rank }}</td><td>{{ c.job_class }}</td><td class="n">{{ num(c.get('median_days_to_fill')) }}</td><td class="n">{{ num(c.get('postings')) }}</td>
<td class="n">{{ num(c.get('applicants_per_posting')) }}</td><td class="n">{{ pct(c.get('turnover')) }}</td></tr>{% endfor %}</table>{% endif %}
<p class="note">{{ r.hard_to_fill.get('note', '') }}</p>

<h2>Resident ("hometown") hiring</h2>
<p>{{ residency_note }}</p>
</body></html>"""


def _num(v) -> str:
    return "—" if v is None else f"{v:,.0f}"


def _pct(v) -> str:
    return "—" if v is None else f"{100 * v:.1f} %"


def render_workforce_html(report: dict) -> str:
    """HTML of the summary (also usable on screen). ``report`` is the workforce report dict."""
    env = Environment(autoescape=select_autoescape(default=True))
    tpl = env.from_string(_TEMPLATE)
    build = report.get("build") or {}
    synthetic = bool(build.get("synthetic")) if isinstance(build, dict) else False
    from civicgrid.workforce.representation import RESIDENCY_NOTE

    return tpl.render(r=report, city=report.get("city") or "City", synthetic=synthetic, num=_num, pct=_pct,
                      residency_note=RESIDENCY_NOTE)


def write_workforce_pdf(report: dict, path: str | Path) -> Path:
    """Write the workforce summary as a PDF (US Letter) and return its path.

    Raises:
        OSError: the file cannot be written.
    """
    from weasyprint import HTML

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=render_workforce_html(report)).write_pdf(str(path))
    return path
