"""civicgrid: one linked warehouse of a city's departmental records.

Stages (data flows one way; no stage imports a later one):
sources (config) → ingest → addresses → linkage → integration / service / workforce → warehouse → web / reports.
"""

__version__ = "0.1.0"
