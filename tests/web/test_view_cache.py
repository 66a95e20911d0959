"""The per-build cache of table and chart views (``cached=True`` in the registry) never lets one role
see what only another role may see, and is emptied by a new build."""

from __future__ import annotations

import os
import shutil

import pytest
from web_helpers import make_app, signed_in

from civicgrid.web import permissions
from civicgrid.web.registry import TABLES


def _police_texts(client, parcels) -> tuple[str, set[str]]:
    """A parcel whose profile shows police narratives to an admin, and those narratives."""
    for pid in parcels:
        tl = client.get(f"/api/v1/properties/{pid}").json()["timeline"]
        texts = {t["description"] for t in tl if t["department"] == "police" and t.get("description")}
        texts = {t for t in texts if len(t) > 12}
        if texts:
            return pid, texts
    pytest.skip("no profile among the top parcels shows a police narrative")


def test_cached_profile_tables_are_kept_per_role(scored_db, tmp_path, monkeypatch):
    app = make_app(scored_db, tmp_path / "app.sqlite")
    admin, team = signed_in(app, "admin"), signed_in(app, "integration")
    parcels = [p["parcel_id"] for p in admin.get("/api/v1/properties?limit=40").json()["properties"]]
    pid, texts = _police_texts(admin, parcels)
    page = admin.get(f"/integration/property/{pid}").text  # fills the cache with the admin's view
    assert any(t in page for t in texts)
    # a city that takes police narratives away from the integration role
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, "integration",
                        permissions.ROLE_PERMISSIONS["integration"] - {"police.narratives"})
    html = team.get(f"/integration/property/{pid}").text
    assert "Records at this property" in html
    assert not any(t in html for t in texts), "a cached admin view leaked police narratives to another role"


def test_profile_views_are_cached_only_for_warehouse_tables():
    cached = {n for n, s in TABLES.items() if s.cached}
    assert {"property_timeline", "property_facts", "integration_ranked"} <= cached
    # tables that show the team's own records or the audit log are read fresh every time
    assert not cached & {"integration_review_queue", "admin_audit", "admin_users"}


def test_a_new_build_empties_the_view_cache(demo_db, scored_db, tmp_path):
    live = tmp_path / "live.duckdb"
    shutil.copy2(demo_db, live)  # interim ranking (no scores)
    app = make_app(live, tmp_path / "a.sqlite")
    c = signed_in(app, "admin")
    before = c.get("/integration").text
    assert "score" not in before.split("<table", 1)[-1].split("</thead>", 1)[0]
    staged = tmp_path / "live.duckdb.building-1"
    shutil.copy2(scored_db, staged)
    os.replace(staged, live)
    after = c.get("/integration").text
    assert "score" in after.split("<table", 1)[-1].split("</thead>", 1)[0]


def test_start_up_warms_the_top_ranked_profiles(scored_db, tmp_path):
    from civicgrid.web.areas.property import stored_profile
    from civicgrid.web.warm import warm_profiles

    app = make_app(scored_db, tmp_path / "app.sqlite")
    handle = app.state.wh
    assert warm_profiles(handle, 5) == 5
    with handle.cursor() as con:
        top = [r[0] for r in con.execute("SELECT location_key FROM property_scores WHERE level = 'parcel' "
                                         "ORDER BY rank, location_key LIMIT 5").fetchall()]
    cached = {k[3] for k in handle._cache if k[0] == "profiles"}  # (bucket, build, "profile", pid, detail)
    assert set(top) <= cached
    assert stored_profile(handle, top[0], True)["parcel_id"] == top[0]
