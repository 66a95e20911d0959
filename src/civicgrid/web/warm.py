"""Compute the slow, per-build results (service report, CAD, workforce, forecast) and the profiles of
the top-ranked properties (the ones a meeting walks through) in a background thread at start, so the
first visitor does not wait for them. Failures are logged, never raised."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("civicgrid.web")


def warm(app) -> None:
    """Fill the warehouse handle's cache for the current build (the same memo keys the pages use)."""
    from civicgrid.web.areas.service_plan import cad_for, plan_for
    from civicgrid.web.areas.service_tables import report_for as service_for
    from civicgrid.web.areas.workforce import report_for as workforce_for

    for fn in (service_for, cad_for, workforce_for, plan_for, warm_profiles):
        try:
            fn(app.state.wh)
        except Exception as exc:  # noqa: BLE001 - the page shows the error when it needs the result
            log.warning("warming %s failed: %s", fn.__name__, exc)


#: how many top-ranked parcels' profiles are computed at start (with police detail: the roles that may
#: open a profile have it by default)
WARM_PROFILES = 200


def warm_profiles(handle, n: int = WARM_PROFILES) -> int:
    """Compute the stored profiles of the ``n`` top-ranked parcels; returns how many (0 without scores)."""
    from civicgrid.web.areas.property import stored_profile
    from civicgrid.web.areas.scores_data import available

    if not available(handle):
        return 0
    with handle.cursor() as con:
        top = [r[0] for r in con.execute("SELECT location_key FROM property_scores WHERE level = 'parcel' "
                                         "ORDER BY rank, location_key LIMIT ?", [n]).fetchall()]
    for pid in top:
        stored_profile(handle, pid, True)
    return len(top)


def warm_in_background(app) -> threading.Thread:
    t = threading.Thread(target=warm, args=(app,), name="civicgrid-warm", daemon=True)
    t.start()
    return t
