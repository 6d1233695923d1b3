from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import Channel, FileReference, StoredFile


class StoredFileRepository:
    """Stored files (one row per distinct content) and their references per messenger."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def keep(
        self, content: bytes, sha256: str, name: str, mime_type: str | None
    ) -> StoredFile:
        """The stored file with this content: the one kept before (by its hash), or a new
        one. Two people sending the same bytes at once: one row wins, the other reads it."""
        statement = (
            insert_for(self._session, StoredFile)
            .values(
                content=content,
                sha256=sha256,
                name=name,
                mime_type=mime_type,
                size=len(content),
            )
            .on_conflict_do_nothing(index_elements=["sha256"])
        )
        await self._session.execute(statement)
        found = await self._session.scalar(select(StoredFile).where(StoredFile.sha256 == sha256))
        assert found is not None
        return found

    async def get(self, file_id: int) -> StoredFile | None:
        """The file's name, type and size (its bytes stay in the database until asked)."""
        return await self._session.get(StoredFile, file_id)

    async def content(self, file_id: int) -> bytes | None:
        """The bytes, or None for a file kept by its Telegram reference alone."""
        return await self._session.scalar(
            select(StoredFile.content).where(StoredFile.id == file_id)
        )

    async def reference(self, file_id: int, channel: Channel, kind: str) -> str | None:
        return await self._session.scalar(
            select(FileReference.reference).where(
                FileReference.file_id == file_id,
                FileReference.channel == channel,
                FileReference.kind == kind,
            )
        )

    async def add_reference(
        self, file_id: int, channel: Channel, kind: str, reference: str
    ) -> None:
        """Records the messenger's reference unless one is there: two first sends that
        both uploaded keep the first reference (either serves)."""
        statement = (
            insert_for(self._session, FileReference)
            .values(file_id=file_id, channel=channel, kind=kind, reference=reference)
            .on_conflict_do_nothing(index_elements=["file_id", "channel", "kind"])
        )
        await self._session.execute(statement)
