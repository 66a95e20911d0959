"""examples/los_angeles/city.yaml over the real MyLA311 2017 subset: counts and quirks.

Expected values come from the CSV read with Python's ``csv`` module (conftest.read_csv).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from civicgrid.warehouse import open_readonly

pytestmark = pytest.mark.realdata

LA = ZoneInfo("America/Los_Angeles")
FMT = "%m/%d/%Y %I:%M:%S %p"
SOURCE = "myla311_2017"


def la_instant(text: str) -> datetime:
    return datetime.strptime(text, FMT).replace(tzinfo=LA).astimezone(timezone.utc)


def test_config_has_one_source_per_real_file(los_angeles):
    real = sorted(p.name for p in los_angeles.data_dir.glob("*.csv"))
    assert sorted(s.path for s in los_angeles.cfg.sources) == real


def test_rows_read_equal_true_record_count(los_angeles):
    _, records = los_angeles.raw(SOURCE)
    rep = los_angeles.file_report(SOURCE)
    assert los_angeles.report.status == "ok" and rep.status == "ok", rep.message
    assert rep.rows_read == len(records) == 9999
    assert rep.rows_read == rep.rows_loaded + rep.rows_quarantined + rep.rows_duplicate
    assert (rep.rows_quarantined, rep.rows_duplicate) == (0, 0)
    assert los_angeles.scalar("SELECT count(*) FROM quarantine") == 0
    assert los_angeles.scalar("SELECT count(DISTINCT record_id) FROM events WHERE source = ?", [SOURCE]) == len(records)
    ids = {r[0] for r in los_angeles.rows("SELECT record_id FROM events")}
    assert ids == {r["SRNumber"] for _, r in records}


def test_twelve_hour_clock_dates_in_los_angeles_time(los_angeles):
    """'12/31/2017 11:59:58 PM' is 23:59:58 Pacific; '12:xx AM' is just after midnight."""
    _, records = los_angeles.raw(SOURCE)
    got = los_angeles.by_line("events", SOURCE, "opened_at, updated_at, closed_at, due_at")
    cols = ("CreatedDate", "UpdatedDate", "ClosedDate", "ServiceDate")
    pm = midnight_hour = 0
    for line, rec in records:
        for value, col in zip(got[line], cols):
            if not rec[col]:
                assert value is None, (line, col)
                continue
            assert value == la_instant(rec[col]), (line, col)
            # round trip: the stored instant, shown in LA time, is the published text
            assert value.astimezone(LA).strftime(FMT) == rec[col]
        pm += rec["CreatedDate"].endswith("PM")
        midnight_hour += rec["CreatedDate"][11:13] == "12" and rec["CreatedDate"].endswith("AM")
    assert pm > 3000 and midnight_hour > 0
    first = los_angeles.rows("SELECT opened_at FROM events WHERE record_id = '1-870704831'")[0][0]
    assert first == datetime(2018, 1, 1, 7, 59, 58, tzinfo=timezone.utc)     # 2017-12-31 23:59:58 PST
    assert los_angeles.scalar("SELECT count(dq_flags) FROM events") == 0


def test_open_requests_have_no_closed_date(los_angeles):
    _, records = los_angeles.raw(SOURCE)
    open_ = {r["SRNumber"] for _, r in records if not r["ClosedDate"]}
    assert len(open_) == 5
    got = {r[0] for r in los_angeles.rows("SELECT record_id FROM events WHERE closed_at IS NULL")}
    assert got == open_
    assert dict(los_angeles.rows("SELECT status, count(*) FROM events GROUP BY 1")) == \
        dict(Counter(r["Status"] for _, r in records))


def test_fields_mapped(los_angeles):
    _, records = los_angeles.raw(SOURCE)
    got = los_angeles.by_line("events", SOURCE, "channel, agency_responsible, team, category, address, zip, "
                                                "council_district, neighborhood, police_zone")
    for line, rec in records:
        expected = (rec["RequestSource"], rec["Owner"], rec["AssignTo"], rec["RequestType"], rec["Address"],
                    rec["ZipCode"], rec["CD"], rec["NCName"], rec["PolicePrecinct"])
        assert got[line] == tuple(v or None for v in expected), line


def test_missing_coordinates_are_null_and_others_in_los_angeles(los_angeles):
    _, records = los_angeles.raw(SOURCE)
    got = los_angeles.by_line("events", SOURCE, "lat, lon")
    missing = 0
    for line, rec in records:
        if not rec["Latitude"]:
            missing += 1
            assert got[line] == (None, None)
        else:
            lat, lon = got[line]
            assert (lat, lon) == (float(rec["Latitude"]), float(rec["Longitude"]))
            assert 33.7 < lat < 34.35 and -118.7 < lon < -118.15
    assert missing == 1753                                                     # 17.5%


def test_unmapped_columns_kept_in_attributes(los_angeles):
    header, records = los_angeles.raw(SOURCE)
    mapped = los_angeles.source(SOURCE).mapped_columns()
    assert {"ActionTaken", "MobileOS", "Anonymous", "Location", "CDMember"} <= set(header) - mapped
    got = los_angeles.by_line("events", SOURCE, "attributes")
    for line, rec in records:
        expected = {k: v.strip() for k, v in rec.items() if k not in mapped and v.strip()}
        assert los_angeles.attrs(got[line][0]) == expected, line


def test_second_build_is_unchanged_and_events_identical(los_angeles, tmp_path_factory):
    report, copy = los_angeles.rebuild_on_copy(tmp_path_factory)
    assert [f.status for f in report.files] == ["unchanged"]
    con = open_readonly(copy)
    try:
        assert los_angeles.digest(con, "events") == los_angeles.digest(los_angeles.con, "events")
    finally:
        con.close()
