"""CSV of every table shown, PNG/SVG of the charts (vl-convert), each export audited."""

from __future__ import annotations

import csv
import io

import pytest

from civicgrid.web.charts import VL_SCHEMA
from civicgrid.web.registry import CHARTS, TABLES


def _params(name: str, parcel: str) -> str:
    return f"?parcel={parcel}" if name.startswith("property_") else ""


def test_every_table_exports_as_csv(clients, top_parcel):
    admin = clients["admin"]
    assert len(TABLES) > 50
    for name in TABLES:
        r = admin.get(f"/export/{name}.csv{_params(name, top_parcel)}")
        assert r.status_code == 200, (name, r.text[:200])
        assert r.headers["content-type"].startswith("text/csv")
        assert f'filename="civicgrid-{name}' in r.headers["content-disposition"]
        lines = r.text.splitlines()
        assert lines[0] == "# SYNTHETIC DEMO DATA - not real records"
        rows = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
        api = admin.get(f"/api/v1/tables/{name}{_params(name, top_parcel)}").json()["rows"]
        if name != "admin_audit":  # the export itself adds an audit row between the two reads
            assert len(rows) - 1 == len(api) or (len(rows) == 0 and not api), name


def test_csv_holds_every_row_the_page_truncates(clients):
    admin = clients["admin"]
    page = admin.get("/integration").text
    assert "Showing 200 of" in page
    n = len(admin.get("/export/integration_ranked.csv").text.splitlines()) - 2
    assert f"Showing 200 of {n:,} rows" in page


def test_charts_are_embedded_as_the_vendored_vega_lite(clients):
    assert all(spec.permission for spec in CHARTS.values())
    html = clients["admin"].get("/service").text
    assert html.count('type="application/json" id="spec-') == 3 and VL_SCHEMA.replace("/", "\\/") not in html
    assert VL_SCHEMA in html


@pytest.mark.parametrize("name,fmt", [("service_weekly", "png"), ("data_rows_by_source", "svg"),
                                      ("workforce_turnover_chart", "png")])
def test_chart_exports(clients, name, fmt):
    r = clients["admin"].get(f"/export/chart/{name}.{fmt}")
    assert r.status_code == 200
    if fmt == "png":
        assert r.content[:8] == b"\x89PNG\r\n\x1a\n" and r.headers["content-type"] == "image/png"
    else:
        assert b"<svg" in r.content[:400] and b"SYNTHETIC DEMO DATA" in r.content


def test_unknown_exports(clients):
    assert clients["admin"].get("/export/nope.csv").status_code == 404
    assert clients["admin"].get("/export/chart/service_weekly.gif").status_code == 404
