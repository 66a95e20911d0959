"""Schemathesis over the app's own OpenAPI schema: every ``/api/v1`` and ``/open311/v2`` operation.

The schema is loaded from the ASGI app (``/api/v1/openapi.json`` needs a signed-in session, so the
admin's session cookie rides on every request, with the CSRF token for the POST). Generation is
deterministic and bounded (``MAX_EXAMPLES`` per operation in the fuzzing phase, plus schemathesis's
example and coverage cases) so the run is stable and quick in CI. It has an app state of its own,
because the POST writes link decisions.

Checks: no 5xx; every status code, content type, header and body as the schema declares it; and
schema-invalid input refused with a 4xx. Not checked: that every schema-valid request succeeds
(``positive_data_acceptance``) — some rules cannot be said in OpenAPI (a date range of at most 90
days, an address that must be waiting for review, traffic the staffing calculator can handle), and
those answers are declared 400/422s.
"""

from __future__ import annotations

import pytest
from web_helpers import make_app, signed_in

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import (content_type_conformance, negative_data_rejection,  # noqa: E402
                                 not_a_server_error, response_headers_conformance, response_schema_conformance,
                                 status_code_conformance)

MAX_EXAMPLES = 25
PREFIXES = ("/api/v1/", "/open311/v2/")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]


def _headers(app) -> dict[str, str]:
    """A signed-in admin's session cookie and CSRF token, as request headers."""
    client = signed_in(app, "admin")
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": client.get("/api/v1/me").json()["csrf_token"]}


def _schema(app):
    """The OpenAPI schema as the app serves it, set up for bounded, deterministic generation as the admin."""
    headers = _headers(app)
    config = schemathesis.Config.from_dict({
        "headers": headers,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        # constants mined from the loaded modules depend on what else the session imported: off, so a run
        # alone and a run in the full suite generate the same cases
        "analysis": {"constants": {"enabled": False}},
    })
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=config, headers=headers)


@pytest.fixture(scope="module")
def st_app(demo_db, tmp_path_factory):
    """The demo warehouse (interim ranking, no scores) with an app state of its own."""
    return make_app(demo_db, tmp_path_factory.mktemp("schemathesis") / "app.sqlite")


@pytest.fixture(scope="module")
def api_schema(st_app):
    """The schema the parametrized test below runs over (``from_fixture``: loaded when the test runs)."""
    return _schema(st_app)


schema = schemathesis.pytest.from_fixture("api_schema")


def test_schema_covers_every_api_route(st_app):
    """Every JSON API and Open311 route is in the schema, so the run below reaches all of them."""
    from civicgrid.web.permissions import iter_routes

    paths = set(signed_in(st_app, "admin").get("/api/v1/openapi.json").json()["paths"])
    routes = {p for name, p, _, _ in iter_routes(st_app) if p and p.startswith(PREFIXES) and name != "openapi"}
    assert paths == routes


@schema.parametrize()
def test_api_conforms_to_its_schema(case):
    """No server errors; status codes, content types, headers and bodies as the schema declares them."""
    case.call_and_validate(checks=CHECKS)


def test_open311_errors_are_400s_in_the_spec_format(st_app):
    """Open311 parameters outside their range are a 400 with ``[{"code", "description"}]``, never a 422."""
    c = signed_in(st_app, "viewer")
    for query, words in [("page=0", "page must be a whole number from 1"), ("page=x", "not 'x'"),
                         ("page=99999999999999999999", "page must be"), ("page_size=1001", "page_size must be"),
                         ("start_date=9999-12-31", "start_date is too near the end of the calendar"),
                         ("end_date=0001-01-01", "end_date is too near"), ("end_date=tomorrow", "ISO 8601"),
                         ("start_date=2020-02-01&end_date=2020-01-01", "end_date is before start_date"),
                         ("service_request_id=,,", "service_request_id must list one or more"),
                         ("service_code=%20,", "service_code must list"), ("status=,", "status must list"),
                         ("status=open,pending", "status must be open, closed or both")]:
        r = c.get(f"/open311/v2/requests.json?{query}")
        assert r.status_code == 400, (query, r.text)
        body = r.json()
        assert body[0]["code"] == 400 and words in body[0]["description"], (query, body)


def test_real_records_conform(scored_db, tmp_path):
    """Answers about records that exist (random ids mostly get 404s), on the scored demo: every table, a
    profile, a service request, a link decision and a meeting agenda, each checked against the schema."""
    app = make_app(scored_db, tmp_path / "app.sqlite")
    sch, c = _schema(app), signed_in(app, "admin")

    def check(path: str, method: str = "GET", **parts) -> None:
        r = sch[path][method].Case(**parts).call_and_validate(checks=CHECKS, headers=sch.config.headers)
        assert r.status_code == 200, (path, parts, r.text[:300])

    for table in c.get("/api/v1/tables").json():
        check("/api/v1/tables/{name}", path_parameters={"name": table["name"]})
    parcel = c.get("/api/v1/properties?limit=1").json()["properties"][0]["parcel_id"]
    check("/api/v1/properties/{parcel_id}", path_parameters={"parcel_id": parcel})
    rid = c.get("/open311/v2/requests.json?page_size=1").json()[0]["service_request_id"]
    check("/open311/v2/requests/{request_id}.json", path_parameters={"request_id": rid})
    check("/open311/v2/requests.json", query={"service_request_id": rid})
    addr = next(q for q in c.get("/api/v1/review-queue").json() if q["is_address"])
    check("/api/v1/review-decisions", "POST", body={"decision": "reject", "address_key": addr["group_key"]})
    ig = pytest.importorskip("civicgrid.integration")
    meeting = ig.new_meeting(app.state.app_db)
    ig.generate_agenda(app.state.app_db, scored_db, meeting["id"])
    check("/api/v1/meetings")
    check("/api/v1/meetings/{meeting_id}", path_parameters={"meeting_id": meeting["id"]})
