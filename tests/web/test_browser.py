"""Real-browser test: Playwright driving Debian's Chromium against uvicorn on a free loopback port.

Signs in, opens the Data page (a vega-embed chart renders), checks keyboard access (skip link, then
the main navigation), walks property search → profile, checks the map has markers, runs a meeting
(agenda → action → packet download), adds a property to a meeting from its profile, changes the
case's lead department from the keyboard and marks the meeting held, and exports a chart.
Never runs `playwright install`: it uses /usr/bin/chromium (`apt-get install -y chromium`) and skips
with the reason when that is absent. Set CIVICGRID_SCREENSHOTS=DIR to keep the screenshots.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import date
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is absent (apt-get install -y chromium); "
                                       "the browser test never downloads a browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(scored_app):
    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(scored_app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(timeout=10)


@pytest.fixture(scope="module")
def page(server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright python package is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
        pg = ctx.new_page()
        pg.set_default_timeout(20_000)
        pg.errors = []
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
        yield pg
        browser.close()


def _shot(page, name: str, tmp_path_factory) -> None:
    folder = Path(os.environ.get("CIVICGRID_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def test_sign_in_data_page_chart_map_profile_export_keyboard(page, server, tmp_path_factory):
    page.goto(server + "/data")
    assert "/login" in page.url
    page.fill("#username", "integration")
    page.fill("#password", "correct horse battery staple")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(server + "/data")
    assert page.locator(".synthetic-banner").inner_text().startswith("SYNTHETIC DEMO DATA")

    # the Data page's chart: vega-embed drew an SVG
    page.wait_for_selector("#chart-data_rows_by_source[data-rendered=done] svg")
    assert page.locator("#chart-data_rows_by_source svg .mark-rect path, #chart-data_rows_by_source svg path").count() > 0
    _shot(page, "data", tmp_path_factory)

    # keyboard: the first Tab reaches the skip link, the next ones the main navigation
    page.goto(server + "/data")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    reached_nav = False
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#main-nav')"):
            reached_nav = True
            break
    assert reached_nav, "Tab never reached the main navigation"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focused link has no visible outline"
    page.keyboard.press("Enter")  # follow the focused nav link
    page.wait_for_load_state()

    # property search → profile
    page.goto(server + "/integration?window=365")
    first = page.locator("#t-integration_ranked ~ .table-wrap a, .table-wrap a[href^='/integration/property/']").first
    parcel = first.inner_text()
    first.click()
    page.wait_for_url(f"**/integration/property/{parcel}*")
    assert page.get_by_role("heading", name="Score", exact=True).count() == 1
    page.wait_for_selector("#parcel-map[data-markers='1']")
    _shot(page, "property", tmp_path_factory)

    # map of ranked properties: markers drawn
    page.goto(server + "/integration/map")
    page.wait_for_selector("#property-map[data-markers]")
    n = int(page.get_attribute("#property-map", "data-markers"))
    assert n > 50
    assert page.locator("#property-map path.leaflet-interactive").count() == n  # SVG markers, no cap
    _shot(page, "map", tmp_path_factory)

    # meeting: agenda → action → packet
    page.goto(server + "/integration/meetings")
    page.click("form[action='/integration/meetings'] button[type=submit]")
    page.wait_for_url("**/integration/meetings/*")
    page.click("form[action$='/agenda'] button[type=submit]")
    page.wait_for_selector("li[id^='case-']")
    first_case = page.locator("li[id^='case-']").first
    first_case.locator("summary").click()
    first_case.locator("input[name=description]").fill("reinspect the porch")
    first_case.locator("form[action$='/action'] button[type=submit]").click()
    page.wait_for_selector("text=reinspect the porch")
    with page.expect_download() as dl:
        page.click("a[href$='/packet.csv']")
    assert dl.value.suggested_filename.endswith(".csv")
    _shot(page, "meeting", tmp_path_factory)

    # property → add to today's meeting (htmx, reason prefilled) → lead department by keyboard → held
    page.goto(server + "/integration/meetings")
    page.fill("#m-date", date.today().isoformat())
    page.fill("#m-title", "Browser walk")
    page.click("form[action='/integration/meetings'] button[type=submit]")
    page.wait_for_url("**/integration/meetings/*")
    mid = page.url.split("/integration/meetings/")[1].split("?")[0]
    page.goto(f"{server}/integration/property/{parcel}")
    page.select_option("#ag-meeting", mid)
    assert page.input_value("#ag-detail").startswith("Score ")
    page.focus("#ag-add")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#agenda .ok:has-text('meeting {mid}')")
    page.locator("#agenda").scroll_into_view_if_needed()
    _shot(page, "property-agenda", tmp_path_factory)
    page.goto(f"{server}/integration/meetings/{mid}")
    case = page.get_attribute("li[id^='case-']", "id").removeprefix("case-")
    lead = page.locator(f"#lead-sel-{case}")
    other = next(v for v in lead.locator("option").evaluate_all("os => os.map(o => o.value)") if v != lead.input_value())
    lead.select_option(other)
    page.focus(f"#lead-btn-{case}")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#lead-{case} .ok")
    assert page.input_value(f"#lead-sel-{case}") == other
    assert page.evaluate("document.activeElement.id") == f"lead-btn-{case}"  # focus kept across the swap
    page.click("form[action$='/agenda'] button[type=submit]")
    page.wait_for_selector("#m-status")
    page.select_option("#m-status", "held")
    page.click("#m-status-btn")
    page.wait_for_selector("#meeting-status:has-text('held')")
    page.wait_for_selector("#outcomes-body table, #outcomes-body .note")
    _shot(page, "meeting-held", tmp_path_factory)

    # chart export from a page (PNG download)
    page.goto(server + "/service")
    page.wait_for_selector("#chart-service_weekly[data-rendered=done] svg")
    with page.expect_download() as dl:
        page.click("a[href^='/export/chart/service_weekly.png']")
    assert dl.value.suggested_filename.startswith("civicgrid-service_weekly") and dl.value.suggested_filename.endswith(".png")
    _shot(page, "service", tmp_path_factory)

    assert not [e for e in page.errors if "favicon" not in e], page.errors
