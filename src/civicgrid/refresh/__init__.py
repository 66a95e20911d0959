"""Unattended operation: refresh (pull + build under a lock), schedule, alerts, backup.

This package's ``__init__`` stays import-free: ``civicgrid.config`` imports
:mod:`civicgrid.settings.alerts`. See docs/deploy.md and docs/connectors.md.
"""
