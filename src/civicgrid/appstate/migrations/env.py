"""Alembic environment for the app state; invoked by civicgrid.appstate.migrate, not the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import civicgrid.appstate.accounts  # noqa: F401  (users, audit_log)
import civicgrid.appstate.linkage  # noqa: F401  (registers link_decisions on the metadata)
import civicgrid.appstate.meetings  # noqa: F401  (meetings, cases, actions, decisions, score contests)
from civicgrid.appstate.base import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def run_migrations_offline() -> None:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
