"""Apply Alembic migrations from code: at start-up, from the CLI and in tests."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

# Package data of `storage`; Alembic wants a folder name, which an installed wheel (unpacked
# in site-packages, never zipped) has.
MIGRATIONS_DIR = files("storage") / "migrations"
logger = logging.getLogger(__name__)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# pg_advisory_xact_lock's key: any number no other lock of ours uses ("mig" in ASCII).
MIGRATION_LOCK = 0x6D6967


async def _run(engine: AsyncEngine, step: Callable[[Connection], None]) -> None:
    """Runs a migration step. On SQLite foreign keys are off meanwhile, as SQLite asks for
    schema changes: batch mode copies a table and drops the old one, and that drop would
    cascade, emptying the tables referencing it (a person's accounts, assignments, …). The
    pragma is a no-op inside a transaction, hence before it; the keys are checked after."""
    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
        else:
            # PostgreSQL; held until the commit below: replicas started together migrate
            # in turn.
            await connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        try:
            await connection.run_sync(step)
            if sqlite:
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
            await connection.commit()
        finally:
            if sqlite:
                await connection.rollback()
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrates to `revision`. On PostgreSQL, replicas started together each call this:
    a transaction-scoped advisory lock lets one migrate while the others wait, and then
    find the schema migrated (SQLite serves one process only)."""
    before = await current_revision(engine)
    await _run(engine, lambda sync: command.upgrade(alembic_config(sync), revision))
    after = await current_revision(engine)
    if after != before:
        logger.info("Database migrated from %s to %s", before or "empty", after)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    await _run(engine, lambda sync: command.downgrade(alembic_config(sync), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def revisions() -> list[str]:
    """Every revision from the first to the head."""
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]
