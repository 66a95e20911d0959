"""Compute the slow, per-build results (service report, CAD, workforce, forecast) in a background
thread at start, so the first visitor does not wait for them. Failures are logged, never raised."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("civicgrid.web")


def warm(app) -> None:
    """Fill the warehouse handle's cache for the current build (the same memo keys the pages use)."""
    from civicgrid.web.areas.service_plan import cad_for, plan_for
    from civicgrid.web.areas.service_tables import report_for as service_for
    from civicgrid.web.areas.workforce import report_for as workforce_for

    for fn in (service_for, cad_for, workforce_for, plan_for):
        try:
            fn(app.state.wh)
        except Exception as exc:  # noqa: BLE001 - the page shows the error when it needs the result
            log.warning("warming %s failed: %s", fn.__name__, exc)


def warm_in_background(app) -> threading.Thread:
    t = threading.Thread(target=warm, args=(app,), name="civicgrid-warm", daemon=True)
    t.start()
    return t
