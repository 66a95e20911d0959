"""Alerts: what raises one, repeat suppression, and delivery to a loopback SMTP server and webhook."""

from __future__ import annotations

import json
import socket
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace as NS

import pytest
import yaml
from typer.testing import CliRunner

from civicgrid.config import load_config
from civicgrid.refresh.alerts import Alert, due, evaluate, mark_sent, quarantine_stats
from civicgrid.refresh.cli import refresh_app
from civicgrid.refresh.notify import deliver
from civicgrid.refresh.run import run_refresh
from civicgrid.refresh.runlog import read_runs
from civicgrid.settings.alerts import AlertSettings


# ---------------------------------------------------------------- loopback receivers
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    """An SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""
    aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is the test SMTP server (pip install aiosmtpd)")
    from email import message_from_bytes

    got: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            got.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
            return "250 OK"

    ctl = aiosmtpd.Controller(Handler(), hostname="127.0.0.1", port=_free_port())
    ctl.start()
    yield NS(port=ctl.port, messages=got)
    ctl.stop()


@pytest.fixture
def webhook():
    """An HTTP server on 127.0.0.1 that keeps the JSON POSTed to it."""
    got: list = []

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield NS(url=f"http://127.0.0.1:{srv.server_address[1]}/hook", posts=got)
    srv.shutdown()
    srv.server_close()


# ---------------------------------------------------------------- what raises an alert
def _file(source, read, q, status="ok", message=""):
    return NS(source=source, file=f"{source}.csv", status=status, rows_read=read, rows_quarantined=q, message=message)


def _eval(**kw):
    base = dict(status="ok", message="", pulls=[], files=[], freshness={}, quarantine={}, rates={}, previous=None)
    base.update(kw)
    return evaluate(AlertSettings(), **base)


def test_quarantine_jump_by_share_and_by_factor():
    q = quarantine_stats([_file("a", 1000, 80), _file("b", 1000, 30), _file("c", 1000, 3), _file("d", 100, 0, "unchanged")])
    assert set(q) == {"a", "b", "c"} and q["a"]["share"] == 0.08
    kinds = {a.source: a for a in _eval(quarantine=q, previous={"quarantine": {"b": {"share": 0.005}}})}
    assert "above the 5% threshold" in kinds["a"].message
    assert "6.0× the previous run's 0.50%" in kinds["b"].message
    assert "c" not in kinds  # 3 rows: under quarantine_min_rows


def test_failures_staleness_and_match_rate_drop():
    alerts = _eval(status="failed", message="IOException: disk full.",
                   pulls=[NS(source="s311", connector="socrata", status="failed", message="HTTP 503 after 5 attempt(s).")],
                   files=[_file("fire", 0, 0, "failed", "mapped column(s) 'alarm_time' not in the file's header")],
                   freshness={"fire": {"state": "stale", "age_days": 9.5, "expected_cadence_days": 7},
                              "s311": {"state": "failing", "age_days": 1, "expected_cadence_days": 1}},
                   rates={"fire": 0.62}, previous={"match_rates": {"fire": 0.91}})
    kinds = [(a.kind, a.source) for a in alerts]
    assert kinds == [("run_failed", None), ("pull_failed", "s311"), ("file_failed", "fire"), ("stale", "fire"),
                     ("match_rate_drop", "fire")]
    assert "last new rows 9.5 days ago; expected every 7 day(s)" in alerts[3].message
    assert "91.0% to 62.0%" in alerts[4].message


def test_the_same_alert_is_sent_once_per_repeat_window(tmp_path):
    state, now = tmp_path / "alerts.json", datetime(2026, 1, 1, tzinfo=timezone.utc)
    a, b = Alert("stale", "warning", "x", "fire"), Alert("pull_failed", "error", "y", "s311")
    assert due([a, b], state, 24, now) == [a, b]
    mark_sent([a, b], [a, b], state, now)
    assert due([a, b], state, 24, now + timedelta(hours=2)) == []
    assert due([a], state, 24, now + timedelta(hours=25)) == [a]
    mark_sent([a], [], state, now + timedelta(hours=3))  # b cleared: forgotten, so it fires at once next time
    assert due([b], state, 24, now + timedelta(hours=4)) == [b]


# ---------------------------------------------------------------- delivery
def test_email_and_webhook_delivery(smtp, webhook):
    settings = AlertSettings.model_validate({
        "email": {"host": "127.0.0.1", "port": smtp.port, "sender": "civicgrid@racine.example",
                  "to": ["data@racine.example", "it@racine.example"]},
        "webhook": {"url": webhook.url}})
    alerts = [Alert("pull_failed", "error", "s311: pull from socrata failed: HTTP 503.", "s311")]
    outcomes, ok = deliver(settings, "Racine, WI", alerts, "run-1")
    assert ok and outcomes == ["email: sent to 2 recipient(s)", "webhook: HTTP 204"]
    (rcpts, msg), = smtp.messages
    assert rcpts == ["data@racine.example", "it@racine.example"]
    assert msg["Subject"] == "[civicgrid] Racine, WI: 1 alert(s), 1 error(s)"
    assert "s311: pull from socrata failed: HTTP 503." in msg.get_payload()
    (post,) = webhook.posts
    assert post["alerts"][0]["kind"] == "pull_failed" and post["text"].startswith("[civicgrid] Racine, WI")


def test_a_dead_channel_is_reported_not_raised():
    settings = AlertSettings.model_validate({"email": {"host": "127.0.0.1", "port": _free_port(), "sender": "a@b",
                                                       "to": ["c@d"], "timeout": 2}})
    outcomes, ok = deliver(settings, "T", [Alert("stale", "warning", "x", "s")])
    assert not ok and outcomes[0].startswith("email via 127.0.0.1:") and "failed" in outcomes[0]


def test_refresh_raises_logs_and_sends_alerts_once(tmp_path, smtp, webhook, fakeapi):
    """A failing API source and a quarantine jump in a file source → one e-mail and one POST; the
    next run logs the same alerts but does not send them again."""
    apis = fakeapi.FakeApis(max_rows=300).start()
    try:
        fire = fakeapi.connector_city(apis.url)["sources"][0]
        socrata = fakeapi.connector_city(apis.url)["sources"][1]
        socrata["connector"]["retries"] = 0
        rows = ["call_no,alarm_time,address"] + [f"F{i},2020-01-{i % 28 + 1:02d}T10:00:00,100 MAIN ST" for i in range(40)]
        rows += [f"B{i},not a date,100 MAIN ST" for i in range(10)]  # 20 % unreadable dates → quarantined
        (tmp_path / "works.csv").write_text("\n".join(rows) + "\n")
        works = {"name": "works", "department": "fire", "kind": "fire_incident", "path": "works.csv",
                 "record_id": ["call_no"], "columns": {"opened_at": "alarm_time", "address": "address"}}
        doc = {"city": {"name": "Racine, WI", "timezone": "America/Chicago"}, "sources": [fire, socrata, works],
               "alerts": {"email": {"host": "127.0.0.1", "port": smtp.port, "sender": "cg@racine.example",
                                    "to": ["data@racine.example"]},
                          "webhook": {"url": webhook.url}}}
        (tmp_path / "city.yaml").write_text(yaml.safe_dump(doc))
        cfg, db = load_config(tmp_path / "city.yaml"), tmp_path / "civicgrid.duckdb"
        apis.fault("socrata", "500", at=1)
        rep = run_refresh(cfg, db)
        assert rep.status == "partial"
        assert sorted(a.kind for a in rep.alerts) == ["pull_failed", "quarantine_jump"]
        assert len(smtp.messages) == 1 and len(webhook.posts) == 1
        assert "works: 10 of 50 new rows quarantined (20.0%" in smtp.messages[0][1].get_payload()
        apis.fault("socrata", "500", at=1)
        rep2 = run_refresh(cfg, db)
        assert [a.kind for a in rep2.alerts] == ["pull_failed"]  # works.csv unchanged: nothing new read
        assert len(smtp.messages) == 1 and len(webhook.posts) == 1  # already sent within repeat_hours
        log = read_runs(db)
        assert [len(r["alerts"]) for r in log] == [2, 1]
        assert log[1]["delivery"] == ["1 alert(s) already sent within 24 h"]
        assert log[1]["freshness"]["myla311_socrata"] == "failing"
    finally:
        apis.stop()


def test_alerts_test_command(tmp_path, smtp):
    doc = {"city": {"name": "T"}, "sources": [{"name": "a", "department": "fire", "kind": "fire_incident",
                                                "path": "a.csv", "columns": {"address": "x"}}],
           "alerts": {"email": {"host": "127.0.0.1", "port": smtp.port, "sender": "a@b", "to": ["c@d"]}}}
    (tmp_path / "city.yaml").write_text(yaml.safe_dump(doc))
    res = CliRunner().invoke(refresh_app, ["alerts", "test", str(tmp_path / "city.yaml")])
    assert res.exit_code == 0 and "email: sent to 1 recipient(s)" in res.output
    assert "test alert from civicgrid" in smtp.messages[0][1].get_payload()
    doc.pop("alerts")
    (tmp_path / "city.yaml").write_text(yaml.safe_dump(doc))
    res = CliRunner().invoke(refresh_app, ["alerts", "test", str(tmp_path / "city.yaml")])
    assert res.exit_code == 1 and "no alert was delivered" in res.output


def test_a_file_source_past_its_cadence_is_stale(tmp_path):
    (tmp_path / "works.csv").write_text("call_no,alarm_time,address\nF1,2020-01-02T10:00:00,100 MAIN ST\n")
    doc = {"city": {"name": "T"}, "sources": [{"name": "works", "department": "fire", "kind": "fire_incident",
                                               "path": "works.csv", "record_id": ["call_no"], "expected_cadence_days": 1,
                                               "columns": {"opened_at": "alarm_time", "address": "address"}}]}
    (tmp_path / "city.yaml").write_text(yaml.safe_dump(doc))
    cfg, db = load_config(tmp_path / "city.yaml"), tmp_path / "civicgrid.duckdb"
    first = run_refresh(cfg, db)
    assert first.freshness["works"]["state"] == "fresh" and not first.alerts
    later = run_refresh(cfg, db, now=datetime.now(timezone.utc) + timedelta(days=2))  # the same export again
    assert later.freshness["works"]["state"] == "stale"
    (alert,) = later.alerts
    assert alert.kind == "stale" and "expected every 1 day(s)" in alert.message
    assert later.delivery == ["no alert channel configured (alerts: email / webhook); alerts are in the run log only"]
