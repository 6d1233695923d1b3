"""Files that reach every messenger: an announcement's document or photo and a webinar's
materials are kept as bytes once (`keep`), and each messenger gets them by its own
reference, uploaded there the first time (`resolve`, then `remember` what the messenger
called it). A Telegram file id means nothing to MAX, and a MAX token nothing to Telegram.

A file kept before the bytes were (migration 0013) has only its Telegram reference: on
another messenger its message goes without it, with the `missing` line it carries.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.screens import Attachment, Kept, Screen, Stored, Upload
from bot.services.errors import DomainError
from storage.models import Channel
from storage.repositories.files import StoredFileRepository

# The largest file kept: what Telegram's getFile lets a bot download (20 MB); MAX's
# adapter refuses larger too, so the same files are accepted on both.
MAX_SIZE = 20 * 1024 * 1024
MAX_SIZE_MB = MAX_SIZE // (1024 * 1024)
DEFAULT_NAMES = {"document": "document", "photo": "photo.jpg"}

Kind = Literal["document", "photo"]
T = TypeVar("T")


async def keep(
    session: AsyncSession,
    content: bytes,
    *,
    name: str | None,
    mime_type: str | None,
    kind: Kind = "document",
    channel: Channel | None = None,
    reference: str | None = None,
) -> int:
    """Keeps a file someone sent (the same bytes sent again are the same stored file) and,
    when the messenger it came from can send it again by `reference`, that reference;
    commits; the stored file's id."""
    if len(content) > MAX_SIZE:
        raise DomainError("file-too-large", limit=MAX_SIZE_MB)
    repository = StoredFileRepository(session)
    digest = hashlib.sha256(content).hexdigest()
    stored = await repository.keep(content, digest, name or DEFAULT_NAMES[kind], mime_type)
    if channel is not None and reference:
        await repository.add_reference(stored.id, channel, kind, reference)
    await session.commit()
    return stored.id


@dataclass(frozen=True)
class Resolved:
    """A screen as one messenger sends it. `upload`: the kept file whose bytes go in it
    (no reference there yet): what the messenger calls it afterwards is `remember`ed."""

    screen: Screen
    upload: Attachment | None = None


def kept_of(screen: Screen) -> Attachment | None:
    """The screen's attachment when it is a kept file (else None: nothing to resolve)."""
    attachment = screen.attachment
    return attachment if attachment is not None and isinstance(attachment.file, Kept) else None


async def resolve(session: AsyncSession, screen: Screen, channel: Channel) -> Resolved:
    """The screen with its kept file as `channel` sends it: by the reference there, else
    the bytes (loaded only now); a file with neither goes away and its `missing` line is
    added to the text."""
    kept = kept_of(screen)
    if kept is None:
        return Resolved(screen)
    assert isinstance(kept.file, Kept)
    repository = StoredFileRepository(session)
    reference = await repository.reference(kept.file.file_id, channel, kept.kind)
    if reference is not None:
        return Resolved(replace(screen, attachment=Attachment(Stored(reference), kept.kind)))
    stored = await repository.get(kept.file.file_id)
    content = await repository.content(kept.file.file_id) if stored is not None else None
    if stored is None or content is None:
        missing = kept.file.missing
        text = f"{screen.text}\n\n{missing}" if screen.text and missing else screen.text or missing
        return Resolved(replace(screen, text=text, attachment=None))
    name = stored.name or DEFAULT_NAMES[kept.kind]
    upload = Attachment(Upload(content, name), kept.kind)
    return Resolved(replace(screen, attachment=upload), upload=kept)


async def remember(
    session: AsyncSession, resolved: Resolved, channel: Channel, reference: str | None
) -> None:
    """After a send that uploaded a kept file: the messenger's reference for the next
    recipients (the first one recorded stays); commits."""
    if resolved.upload is None or not reference:
        return
    kept = resolved.upload.file
    assert isinstance(kept, Kept)
    await StoredFileRepository(session).add_reference(
        kept.file_id, channel, resolved.upload.kind, reference
    )
    await session.commit()


# Sends a resolved screen; what the send returns and the messenger's reference of the
# file it carried (None when it carried none, or sent a reference).
SendResolved = Callable[[Screen], Awaitable[tuple[T, str | None]]]


class ChannelFiles:
    """Resolving and remembering for senders without a session of their own (the
    delivery loop's), each in a short session of its own. In this process the first send
    of a file on a channel uploads and the others wait for its reference; another replica
    may upload it once more, which is harmless (one reference is kept)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._uploading: dict[tuple[int, Channel, str], asyncio.Lock] = {}

    async def send(self, screen: Screen, channel: Channel, send: SendResolved[T]) -> T:
        kept = kept_of(screen)
        if kept is None:
            return (await send(screen))[0]
        resolved = await self._resolve(screen, channel)
        if resolved.upload is None:
            return (await send(resolved.screen))[0]
        assert isinstance(kept.file, Kept)
        key = (kept.file.file_id, channel, kept.kind)
        lock = self._uploading.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                resolved = await self._resolve(screen, channel)  # uploaded meanwhile?
                result, reference = await send(resolved.screen)
                async with self._session_factory() as session:
                    await remember(session, resolved, channel, reference)
                return result
        finally:
            if not lock.locked():
                self._uploading.pop(key, None)

    async def _resolve(self, screen: Screen, channel: Channel) -> Resolved:
        async with self._session_factory() as session:
            return await resolve(session, screen, channel)
