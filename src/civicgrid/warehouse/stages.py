"""The analytics stages every build runs on the new warehouse file, before the atomic swap.

Order matters: linkage first (records → parcels and blocks, re-applying people's review
decisions from the app-state database), then the Integration Team's activity, scores and
early-warning flags, which read the links.
"""

from __future__ import annotations

from pathlib import Path

from civicgrid.integration.compute import integration_hook
from civicgrid.linkage.link import link_hook


def build_stages(app_db: str | Path | None = None):
    """An ``after_ingest`` hook for :func:`civicgrid.warehouse.build.build_warehouse`.

    Args:
        app_db: app-state database (path or URL) whose link decisions are re-applied; None means
            ``$CIVICGRID_APP_DB`` or ``civicgrid_app.sqlite``.
    """
    link = link_hook(app_db)

    def after_ingest(con, cfg, report) -> None:
        link(con, cfg, report)
        integration_hook(con, cfg, report)

    return after_ingest
