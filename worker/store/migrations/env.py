"""Alembic environment: runs migrations on the connection muster hands it, or on the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from muster.worker.store import models as _models  # noqa: F401  (every table on the metadata)
from muster.worker.store.base import Base

config = context.config
connection = config.attributes.get("connection")
if connection is not None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as own:
        context.configure(connection=own, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
