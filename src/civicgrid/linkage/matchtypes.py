"""The labels every link carries (``event_links.match_type``), with their fixed scores."""

from __future__ import annotations

PARCEL_ID = "parcel_id"            # the record's own parcel id is in the spine
ADDRESS_UNIT = "address_unit"      # normalized address and unit equal a spine address with that unit
ADDRESS = "address"                # normalized address equals a spine address (record has no unit)
ADDRESS_NO_UNIT = "address_no_unit"  # record has a unit, the spine has no unit rows for the address
RANGE = "range"                    # the number lies inside an address range (either side)
FUZZY_STREET = "fuzzy_street"      # same number and ZIP/neighbourhood, near-identical street name
PROBABILISTIC = "probabilistic"    # Splink 5 match probability over parsed components (opt-in)
CENTROID = "centroid"              # only coordinates: nearest parcel centroid within the distance
BLOCK = "block"                    # block-level record (or police/fire): linked to the hundred block
INTERSECTION = "intersection"      # an intersection: linked to the intersection key
AMBIGUOUS = "ambiguous"            # the address is on several parcels (or house number 0): review
UNMATCHED = "unmatched"            # no parcel found; ``explanation`` says why
REVIEW_CONFIRMED = "review_confirmed"
REVIEW_REASSIGNED = "review_reassigned"
REVIEW_REJECTED = "review_rejected"

#: match types that put a record on a parcel
PARCEL_TYPES = (PARCEL_ID, ADDRESS_UNIT, ADDRESS, ADDRESS_NO_UNIT, RANGE, FUZZY_STREET, PROBABILISTIC,
                CENTROID, REVIEW_CONFIRMED, REVIEW_REASSIGNED)
#: every label, in cascade order (the order reports list them in)
ALL = (PARCEL_ID, ADDRESS_UNIT, ADDRESS, ADDRESS_NO_UNIT, RANGE, FUZZY_STREET, PROBABILISTIC, CENTROID, BLOCK,
       INTERSECTION, AMBIGUOUS, UNMATCHED, REVIEW_CONFIRMED, REVIEW_REASSIGNED, REVIEW_REJECTED)

SCORES = {PARCEL_ID: 1.0, ADDRESS_UNIT: 1.0, ADDRESS: 0.98, ADDRESS_NO_UNIT: 0.88, RANGE: 0.88,
          BLOCK: 1.0, INTERSECTION: 1.0, AMBIGUOUS: 0.0, UNMATCHED: 0.0}
#: fuzzy and centroid scores are computed, capped at these
FUZZY_MAX = 0.85
CENTROID_MAX = 0.85
