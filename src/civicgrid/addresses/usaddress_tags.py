"""Thin, exception-proof wrappers around usaddress's CRF tagger.

usaddress raises ``RepeatedLabelError`` on inputs such as ``"3rd Floor #308"`` or
``"S ST LOUIS ST"`` and can raise other errors on odd text; every wrapper here catches them and
returns None, so callers fall back to the rule-based parser.
"""

from __future__ import annotations

try:
    import usaddress as _usaddress
except Exception:  # pragma: no cover - usaddress is a declared dependency
    _usaddress = None

#: usaddress labels that make up the street, in the order they are written
STREET_LABELS = ("StreetNamePreModifier", "StreetNamePreDirectional", "StreetNamePreType",
                 "StreetName", "StreetNamePostType", "StreetNamePostDirectional")
#: labels for a secondary unit
UNIT_LABELS = ("OccupancyType", "OccupancyIdentifier", "SubaddressType", "SubaddressIdentifier")


def available() -> bool:
    """True when usaddress can be imported."""
    return _usaddress is not None


def tag(text: str) -> tuple[dict[str, str], str] | None:
    """Return ``(labels, address_type)`` from ``usaddress.tag``, or None if it raises or is absent.

    ``labels`` maps usaddress component names (``AddressNumber``, ``StreetName``,
    ``PlaceName`` ...) to the text tagged with them; ``address_type`` is one of ``"Street
    Address"``, ``"Intersection"``, ``"PO Box"``, ``"Ambiguous"``.
    """
    if _usaddress is None or not text:
        return None
    try:
        labels, kind = _usaddress.tag(text)
    except Exception:  # RepeatedLabelError, and anything else the CRF model throws
        return None
    return {k: str(v) for k, v in labels.items()}, str(kind)


def place_name(text: str) -> str | None:
    """The ``PlaceName`` usaddress finds in ``text`` (upper case), or None."""
    tagged = tag(text)
    if tagged is None:
        return None
    place = tagged[0].get("PlaceName")
    return place.upper().strip(" ,") if place else None


def street_address(text: str) -> dict[str, str] | None:
    """Number, street and unit text of a ``Street Address`` tagging, or None.

    Returns ``{"number": "123", "street": "N MAIN ST", "unit": "APT 4"}`` (``unit`` may be "")
    when usaddress tags ``text`` as a street address with both ``AddressNumber`` and
    ``StreetName``; the street and unit text still go through the rule-based normalization.
    """
    tagged = tag(text)
    if tagged is None:
        return None
    labels, kind = tagged
    if kind != "Street Address" or "AddressNumber" not in labels or "StreetName" not in labels:
        return None
    street = " ".join(labels[k] for k in STREET_LABELS if k in labels)
    unit = " ".join(labels[k] for k in UNIT_LABELS if k in labels)
    number = labels["AddressNumber"] + (" " + labels["AddressNumberSuffix"]
                                        if "AddressNumberSuffix" in labels else "")
    return {"number": number.upper(), "street": street.upper(), "unit": unit.upper()}
