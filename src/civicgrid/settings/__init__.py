"""Models of the optional sections of city.yaml (``linkage:``, ``alerts:`` …).

They live here, below every stage, so that :mod:`civicgrid.config` can validate a whole city file
without importing the stages that use these settings.
"""
