"""The stairway: every migration upgrades, downgrades and upgrades again; the models and
the migrations describe the same schema."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate
from storage.models import Base


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names) - {"alembic_version"}


async def test_stairway(bare_engine: AsyncEngine) -> None:
    revisions = migrate.revisions()
    assert revisions, "no migrations found"
    for index, revision in enumerate(revisions):
        previous = revisions[index - 1] if index else "base"
        await migrate.upgrade(bare_engine, revision)
        tables_after_upgrade = await _tables(bare_engine)
        await migrate.downgrade(bare_engine, previous)
        await migrate.upgrade(bare_engine, revision)
        assert await _tables(bare_engine) == tables_after_upgrade
        assert await migrate.current_revision(bare_engine) == revision
    await migrate.downgrade(bare_engine, "base")
    assert await _tables(bare_engine) == set()


async def test_models_match_migrations(bare_engine: AsyncEngine) -> None:
    await migrate.upgrade(bare_engine)

    def differences(sync: Any) -> list[Any]:
        context = MigrationContext.configure(sync, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with bare_engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


# A replica's start-up migration, in a process of its own as each replica is.
MIGRATE = """
import asyncio, sys
from storage import migrate
from storage.db import create_engine
asyncio.run(migrate.upgrade(create_engine(sys.argv[1])))
"""


async def test_replicas_starting_together_migrate_once(
    bare_engine: AsyncEngine, database_kind: str
) -> None:
    """Several replicas (PostgreSQL: the only database they share) started together on an
    empty database each migrate at start-up: one does, the others wait for it and find the
    schema at the head; none fails on alembic_version."""
    if database_kind != "postgresql":
        pytest.skip("several replicas run on PostgreSQL only")
    url = bare_engine.url.render_as_string(hide_password=False)
    replicas = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", MIGRATE, url, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(3)
    ]
    for replica in replicas:
        _, errors = await replica.communicate()
        assert replica.returncode == 0, errors.decode()
    assert await migrate.current_revision(bare_engine) == migrate.head_revision()
