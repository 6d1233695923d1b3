"""Who writes to the bot, and the language they read."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Participant
from storage.repositories import ParticipantRepository


async def visit(session: AsyncSession, telegram_id: int, guessed_locale: str) -> Participant:
    """The participant writing now; a first visit stores only the id and the guessed locale.

    Someone marked unreachable (they had blocked the bot) who writes again has unblocked
    it: messages can reach them again."""
    repository = ParticipantRepository(session)
    participant = await repository.by_telegram_id(telegram_id)
    if participant is None:
        participant = await repository.get_or_create(telegram_id, guessed_locale)
        await session.commit()
    elif participant.unreachable_at is not None:
        participant.unreachable_at = None
        await session.commit()
    return participant


async def set_locale(session: AsyncSession, participant: Participant, locale: str) -> None:
    participant.locale = locale
    session.add(participant)
    await session.commit()
