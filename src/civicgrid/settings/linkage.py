"""The ``linkage:`` section of city.yaml: how records are linked to parcels and blocks.

Kept beside the other section models (``civicgrid.settings``) so that the configuration never
imports a later stage; :mod:`civicgrid.config` re-exports both classes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from civicgrid.settings.base import Strict, check_regex


class ParcelIdRule(Strict):
    """How parcel ids / PINs are normalized before they are compared (``linkage.parcel_id``).

    ``"0011-E-00031-0000-00"`` with the defaults becomes ``"0011E00031000000"``: the characters in
    ``strip_chars`` are removed, letters upper-cased, then the id is padded with ``pad_char`` to
    ``length`` on the ``pad`` side. An id that does not match ``pattern`` afterwards is treated
    as missing (the record is linked by its address instead).
    """

    strip_chars: str = " -."
    upper: bool = True
    length: int | None = Field(default=None, ge=1, description="pad shorter ids to this length")
    pad: Literal["left", "right", "none"] = "none"
    pad_char: str = Field(default="0", min_length=1, max_length=1)
    pattern: str | None = Field(default=None, description="regular expression a valid id matches")

    _regex = field_validator("pattern")(classmethod(lambda cls, v: check_regex(v)))


class LinkageSettings(Strict):
    """How records are linked to parcels and blocks (the ``linkage:`` section; all optional).

    See docs/linkage.md for the match cascade these settings steer.
    """

    parcel_id: ParcelIdRule = Field(default_factory=ParcelIdRule)
    spine_sources: list[str] | None = Field(
        default=None, description="sources whose parcel ids and addresses form the parcel spine; "
        "default: every parcel, tax_status, code_case and license source that maps parcel_id")
    link_sources: list[str] | None = Field(
        default=None, description="event sources to link; default: every source in the events table")
    evaluate_sources: list[str] | None = Field(
        default=None, description="sources whose parcel ids are hidden and predicted by "
        "`civicgrid linkage evaluate`; default: the spine sources")
    block_departments: list[str] = Field(
        default_factory=lambda: ["police", "fire"],
        description="departments that publish block addresses on purpose: linked to a block, never a parcel")
    placeholders: list[str] = Field(
        default_factory=list, description="extra address texts that mean 'no address'")
    city_names: list[str] = Field(
        default_factory=list, description="city names that may trail a street without a comma")
    lot_qualifiers: list[str] = Field(
        default_factory=lambda: ["REAR"],
        description="unit words without a number that mark a separate lot ('1310 WOODLAND AVE REAR'): "
        "such an address only matches the same qualifier, never the plain address")
    max_address_distance_m: float | None = Field(
        default=250.0, gt=0, description="an address link is refused when the record's coordinates lie "
        "farther than this from the parcel's centroid (None: no check)")
    max_range_numbers: int = Field(
        default=5, ge=1, le=60, description="a number links to a parcel through an address range only "
        "when the range covers at most this many numbers ('1249 51' covers 2; '6901-17' covers 9)")
    zero_number_ambiguous: bool = Field(
        default=True, description="house number 0 (a lot without a number) is always ambiguous")
    fuzzy: bool = True
    fuzzy_threshold: float = Field(default=90.0, ge=50, le=100,
                                   description="rapidfuzz ratio (0-100) a street name must reach")
    probabilistic: bool = Field(
        default=False, description="run the probabilistic step (Splink 5 on DuckDB; `pip install "
        "splink`) for house-number addresses still unmatched after the exact and fuzzy steps")
    probabilistic_threshold: float = Field(
        default=0.95, ge=0.5, le=1, description="match probability the probabilistic step's best "
        "candidate must reach to be linked (else it goes to review)")
    max_centroid_distance_m: float = Field(
        default=10.0, gt=0, le=1000,
        description="records with only coordinates link to the nearest parcel centroid within this")
    centroid_margin_m: float = Field(
        default=5.0, ge=0, description="the nearest centroid must be this much nearer than the next "
        "parcel's, else the link is ambiguous")
    review_below: float = Field(default=0.9, ge=0, le=1,
                                description="links scored below this go to the review queue")
