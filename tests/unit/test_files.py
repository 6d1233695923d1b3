"""Stored files: one row per distinct content, each messenger's reference kept and reused,
a file kept before the bytes were said to be missing where it cannot go."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.screens import Attachment, Kept, Screen, Stored, Upload
from bot.services import files
from bot.services.errors import DomainError
from storage.models import Channel, FileReference, StoredFile
from storage.repositories.files import StoredFileRepository


async def test_the_same_bytes_are_kept_once(session: AsyncSession) -> None:
    first = await files.keep(session, b"%PDF one", name="a.pdf", mime_type="application/pdf")
    again = await files.keep(session, b"%PDF one", name="copy.pdf", mime_type=None)
    other = await files.keep(session, b"%PDF two", name="b.pdf", mime_type=None, kind="document")
    assert first == again != other
    assert await session.scalar(select(func.count()).select_from(StoredFile)) == 2
    stored = await StoredFileRepository(session).get(first)
    assert stored is not None
    assert (stored.name, stored.mime_type, stored.size) == ("a.pdf", "application/pdf", 8)
    assert stored.sha256 is not None
    assert len(stored.sha256) == 64
    assert await StoredFileRepository(session).content(first) == b"%PDF one"


async def test_a_photo_without_a_name_gets_one(session: AsyncSession) -> None:
    kept = await files.keep(session, b"\xff\xd8jpeg", name=None, mime_type=None, kind="photo")
    stored = await StoredFileRepository(session).get(kept)
    assert stored is not None
    assert stored.name == "photo.jpg"


async def test_a_file_beyond_the_limit_is_refused(session: AsyncSession) -> None:
    with pytest.raises(DomainError) as refused:
        await files.keep(session, b"x" * (files.MAX_SIZE + 1), name="big", mime_type=None)
    assert (refused.value.reason, refused.value.details) == ("file-too-large", {"limit": 20})
    assert await session.scalar(select(func.count()).select_from(StoredFile)) == 0


async def test_a_channel_uploads_until_it_has_a_reference_then_reuses_it(
    session: AsyncSession,
) -> None:
    kept = await files.keep(
        session,
        b"%PDF",
        name="order.pdf",
        mime_type=None,
        channel=Channel.TELEGRAM,
        reference="tg-file",
    )
    screen = Screen("Приказ", attachment=Attachment(Kept(kept, "нет файла")))

    on_telegram = await files.resolve(session, screen, Channel.TELEGRAM)
    assert on_telegram.screen.attachment == Attachment(Stored("tg-file"))
    assert on_telegram.upload is None

    on_max = await files.resolve(session, screen, Channel.MAX)
    assert on_max.screen.attachment == Attachment(Upload(b"%PDF", "order.pdf"))
    assert on_max.screen.text == "Приказ"
    await files.remember(session, on_max, Channel.MAX, "max-token")
    await files.remember(session, on_max, Channel.MAX, "second-token")  # a concurrent upload
    again = await files.resolve(session, screen, Channel.MAX)
    assert again.screen.attachment == Attachment(Stored("max-token"))
    assert again.upload is None
    # Sending by the reference tells nothing new: nothing is written.
    await files.remember(session, again, Channel.MAX, "yet-another")
    references = (
        await session.execute(
            select(FileReference.channel, FileReference.reference).order_by(FileReference.channel)
        )
    ).all()
    assert sorted(references) == [(Channel.MAX, "max-token"), (Channel.TELEGRAM, "tg-file")]


async def test_a_photos_reference_is_not_a_documents(session: AsyncSession) -> None:
    kept = await files.keep(
        session,
        b"\xff\xd8",
        name="p.jpg",
        mime_type=None,
        kind="photo",
        channel=Channel.TELEGRAM,
        reference="tg-photo",
    )
    as_document = Screen("", attachment=Attachment(Kept(kept), "document"))
    resolved = await files.resolve(session, as_document, Channel.TELEGRAM)
    assert isinstance(resolved.screen.attachment and resolved.screen.attachment.file, Upload)


async def test_a_file_with_no_bytes_goes_only_where_it_has_a_reference(
    session: AsyncSession,
) -> None:
    old = StoredFile()  # as migration 0013 made it from a Telegram file id
    session.add(old)
    await session.flush()
    await StoredFileRepository(session).add_reference(old.id, Channel.TELEGRAM, "document", "tg")
    await session.commit()
    screen = Screen("Объявление", attachment=Attachment(Kept(old.id, "Файла здесь нет.")))
    on_telegram = await files.resolve(session, screen, Channel.TELEGRAM)
    assert on_telegram.screen.attachment == Attachment(Stored("tg"))
    on_max = await files.resolve(session, screen, Channel.MAX)
    assert on_max.screen == Screen("Объявление\n\nФайла здесь нет.")
    assert on_max.upload is None
