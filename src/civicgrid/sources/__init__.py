"""Connectors: pull a city's data APIs (CKAN, Socrata, ArcGIS REST, Open311) into files.

A connector never writes the warehouse. It downloads only the rows changed since its last
watermark into ``<data-dir>/_pulled/<source>/<UTC timestamp>.jsonl`` and the normal file
ingest loads them, so quarantine, duplicates, versions and idempotency work as for any
export. See docs/connectors.md.

This package's ``__init__`` stays import-free: ``civicgrid.config`` imports
:mod:`civicgrid.sources.settings`, and the connectors import the config.
"""
