"""The unit part of an address as the linkage compares it, including lot qualifiers.

``"2810 SHELLY ST #1"`` has unit ``1``. ``"8350 FRANKSTOWN AVE REAR"`` and
``"1310 WOODLAND (REAR) AV"`` name the rear **lot**, a separate parcel from the front one: with
``REAR`` in ``linkage.lot_qualifiers`` their unit is ``REAR`` and they never match the plain
address. Other designators without a number (``UPPR``, ``BSMT``) are parts of one building and
are ignored.
"""

from __future__ import annotations

import re

from civicgrid.addresses import NormalizedAddress

# the address library reports a dropped parenthetical in ``reason`` as "Dropped parenthetical 'REAR'"
_PAREN = re.compile(r"parenthetical '([A-Z ]+)'", re.IGNORECASE)


def unit_of(a: NormalizedAddress, lot_qualifiers: list[str] | tuple[str, ...]) -> tuple[str | None, bool]:
    """``(unit, is_lot)``: the unit to compare (None without one) and whether it is a lot qualifier."""
    if a.unit and a.kind != "po_box":
        return a.unit, False
    if a.unit_type and a.unit_type in lot_qualifiers:
        return a.unit_type, True
    if a.reason:
        m = _PAREN.search(a.reason)
        if m and m.group(1).strip().upper() in lot_qualifiers:
            return m.group(1).strip().upper(), True
    return None, False
