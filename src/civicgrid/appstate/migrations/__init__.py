"""Alembic migrations of the app-state database (run by :func:`civicgrid.appstate.upgrade`)."""
