"""Nearest parcel centroid for records that carry only coordinates (scipy cKDTree, metres).

Coordinates are projected to local metres (equirectangular about the spine's mean latitude:
error well under 1 % across a city). A record links to the nearest centroid within
``max_centroid_distance_m``; when another parcel's centroid is within ``centroid_margin_m`` of
that distance (condominium parcels share one point, row houses sit metres apart) the record is
``ambiguous``. The score falls with distance (at most 0.85), so these links go to review.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from civicgrid.config import LinkageSettings
from civicgrid.linkage import matchtypes as mt
from civicgrid.linkage.spine import Spine, centroid_arrays

EARTH_RADIUS_M = 6_371_008.8


class CentroidIndex:
    """A KD-tree over the spine's parcel centroids."""

    def __init__(self, spine: Spine):
        self.pids, lat, lon = centroid_arrays(spine)
        self.lat0 = float(np.mean(lat)) if len(lat) else 0.0
        self.tree = cKDTree(self._xy(lat, lon)) if len(lat) else None

    def _xy(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        k = math.radians(1) * EARTH_RADIUS_M
        return np.column_stack([np.asarray(lon, float) * k * math.cos(math.radians(self.lat0)),
                                np.asarray(lat, float) * k])

    def match(self, lat: np.ndarray, lon: np.ndarray, settings: LinkageSettings) -> list[tuple]:
        """One ``(parcel_id, match_type, score, explanation)`` per coordinate pair."""
        n = len(lat)
        if self.tree is None or n == 0:
            return [(None, mt.UNMATCHED, 0.0, "no parcel centroids in the spine")] * n
        limit, margin = settings.max_centroid_distance_m, settings.centroid_margin_m
        k = min(2, len(self.pids))
        d, i = self.tree.query(self._xy(lat, lon), k=k, distance_upper_bound=limit + margin + 1)
        d, i = (d[:, None], i[:, None]) if k == 1 else (d, i)
        out = []
        for (d1, *rest), (i1, *_) in zip(d, i):
            d2 = rest[0] if rest else math.inf
            if not math.isfinite(d1) or d1 > limit:
                out.append((None, mt.UNMATCHED, 0.0, f"no parcel centroid within {limit:g} m"))
            elif d2 - d1 < margin:
                out.append((None, mt.AMBIGUOUS, 0.0, f"two parcel centroids within {d1:.0f} and "
                            f"{d2:.0f} m (margin {margin:g} m); not guessing"))
            else:
                score = round(mt.CENTROID_MAX * (1 - 0.5 * d1 / limit), 3)
                out.append((self.pids[i1], mt.CENTROID, score, f"nearest parcel centroid {d1:.0f} m away "
                            f"(limit {limit:g} m); the record has no usable address"))
        return out
