"""examples/sacramento/city.yaml over the real Sacramento police dispatch export (Jan 2019).

Expected values come from the CSV read with Python's ``csv`` module (conftest.read_csv).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from civicgrid.warehouse import open_readonly

pytestmark = pytest.mark.realdata

LOCAL = ZoneInfo("America/Los_Angeles")
SOURCE = "police_dispatch"
SENTINEL = "1900-01-01T00:00:00Z"
DATES = (("Received_Date", "opened_at"), ("Dispatch_Date", "dispatched_at"), ("Enroute_Date", "enroute_at"),
         ("At_Scene_Date", "onscene_at"), ("Clear_Date", "closed_at"))
# City of Sacramento, generously boxed
CITY_BOX = (38.4, 38.7, -121.6, -121.3)


def test_config_has_one_source_per_real_file(sacramento):
    real = sorted(p.name for p in sacramento.data_dir.glob("*.csv"))
    assert sorted(s.path for s in sacramento.cfg.sources) == real


def test_rows_read_equal_true_record_count(sacramento):
    _, records = sacramento.raw(SOURCE)
    rep = sacramento.file_report(SOURCE)
    assert sacramento.report.status == "ok" and rep.status == "ok", rep.message
    assert rep.rows_read == len(records) == 25_000
    assert rep.rows_read == rep.rows_loaded + rep.rows_quarantined + rep.rows_duplicate
    assert (rep.rows_quarantined, rep.rows_duplicate) == (0, 0)
    assert sacramento.scalar("SELECT count(*) FROM quarantine") == 0
    ids = {r[0] for r in sacramento.rows("SELECT record_id FROM events")}
    assert ids == {r["Record_ID"] for _, r in records}


def test_1900_sentinel_is_null_and_a_quarter_never_dispatched(sacramento):
    _, records = sacramento.raw(SOURCE)
    for col, field in DATES:
        expected = sum(1 for _, r in records if r[col] == SENTINEL)
        assert sacramento.scalar(f"SELECT count(*) FROM events WHERE {field} IS NULL") == expected, field
    never = sum(1 for _, r in records if r["Dispatch_Date"] == SENTINEL)
    assert never == 6672 and 0.25 < never / len(records) < 0.29                 # ~27% never dispatched
    # a sentinel is a missing value, not an implausible date: nothing is flagged, nothing before 1901
    assert sacramento.scalar("SELECT count(dq_flags) FROM events") == 0
    assert sacramento.scalar("SELECT min(least(opened_at, dispatched_at, enroute_at, onscene_at, closed_at)) "
                             "FROM events") >= datetime(2019, 1, 1, tzinfo=LOCAL)


def test_dates_keep_the_local_calendar_day(sacramento):
    """'2019-01-10T00:00:00Z' is a calendar day (midnight UTC is an artefact of the R export)."""
    _, records = sacramento.raw(SOURCE)
    got = sacramento.by_line("events", SOURCE, ", ".join(f for _, f in DATES))
    for line, rec in records:
        for (col, _), value in zip(DATES, got[line]):
            if rec[col] == SENTINEL:
                continue
            local = value.astimezone(LOCAL)
            assert local.date() == date.fromisoformat(rec[col][:10]), (line, col)
            assert (local.hour, local.minute) == (0, 0)
    # Received_Date runs 2019-01-01 .. 2019-02-01 in Sacramento, not from 2018-12-31
    days = {v.astimezone(LOCAL).date() for (v,) in sacramento.rows("SELECT opened_at FROM events")}
    assert min(days) == date(2019, 1, 1) and max(days) == date(2019, 2, 1)


def test_state_plane_coordinates_land_in_sacramento(sacramento):
    _, records = sacramento.raw(SOURCE)
    got = sacramento.by_line("events", SOURCE, "lat, lon, x, y, police_zone")
    lat_min, lat_max, lon_min, lon_max = CITY_BOX
    inside = outside_city_districts = 0
    for line, rec in records:
        lat, lon, x, y, district = got[line]
        if rec["X_Coordinate"] in ("0", "1"):                 # 0/0: no location; 1/1: a phone message
            assert (lat, lon, x, y) == (None, None, None, None), line
            continue
        assert (x, y) == (float(rec["X_Coordinate"]), float(rec["Y_Coordinate"]))
        in_city = lat_min <= lat <= lat_max and lon_min <= lon <= lon_max
        if district == "UI":
            # calls outside the city's districts (Rancho Cordova, Folsom ...): still Sacramento County
            outside_city_districts += not in_city
            assert 38.2 < lat < 38.9 and -121.7 < lon < -121.0, line
        else:
            assert in_city, (line, rec["Location"], lat, lon)
        inside += in_city
    located = sum(1 for _, r in records if r["X_Coordinate"] not in ("0", "1"))
    assert located == 24_831 and inside / located > 0.997
    assert 0 < outside_city_districts < 60
    # a known address: 3987 8TH AVE (Oak Park)
    lat, lon = sacramento.rows("SELECT lat, lon FROM events WHERE record_id = '7304328'")[0]
    assert abs(lat - 38.5448) < 0.001 and abs(lon - (-121.4608)) < 0.001


def test_phone_messages_are_not_addresses(sacramento):
    _, records = sacramento.raw(SOURCE)
    got = sacramento.by_line("events", SOURCE, "address")
    notes = [ln for ln, r in records if r["Location"].endswith("MESSAGE")]
    assert len(notes) == 18
    assert all(got[ln][0] is None for ln in notes)
    assert sacramento.scalar("SELECT count(*) FROM events WHERE address LIKE '%MESSAGE'") == 0


def test_cad_fields_mapped(sacramento):
    _, records = sacramento.raw(SOURCE)
    got = sacramento.by_line("events", SOURCE, "type_code, category, description, agent, team, police_zone, police_beat")
    for line, rec in records:
        expected = (rec["Call_Type"], rec["Call_Type"], rec["Description"], rec["Reporting_Officer"],
                    rec["Unit_ID"], rec["Police_District"], rec["Beat"])
        assert got[line] == tuple(v or None for v in expected), line
    assert sacramento.scalar("SELECT count(*) FROM events WHERE agent IS NULL") == \
        sum(1 for _, r in records if not r["Reporting_Officer"])
    assert Counter(r[0] for r in sacramento.rows("SELECT kind FROM events")) == {"police_call": 25_000}


def test_unmapped_columns_kept_in_attributes(sacramento):
    header, records = sacramento.raw(SOURCE)
    mapped = sacramento.source(SOURCE).mapped_columns()
    assert set(header) - mapped == {"OBJECTID", "Report_Created", "Grid", "Day_of_Week", "Occurence_Date"}
    got = sacramento.by_line("events", SOURCE, "attributes")
    for line, rec in records:
        expected = {k: v.strip() for k, v in rec.items() if k not in mapped and v.strip()}
        assert sacramento.attrs(got[line][0]) == expected, line


def test_second_build_is_unchanged_and_events_identical(sacramento, tmp_path_factory):
    report, copy = sacramento.rebuild_on_copy(tmp_path_factory)
    assert [f.status for f in report.files] == ["unchanged"]
    con = open_readonly(copy)
    try:
        assert sacramento.digest(con, "events") == sacramento.digest(sacramento.con, "events")
    finally:
        con.close()
