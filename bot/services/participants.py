"""Who writes to the bot, and the language they read.

A person has a row only from an act the bot must remember: consent to data processing, or
choosing a language with /lang. Any other update from someone without a row (a first
visit, or anything after /forget) is served with an unsaved participant: the account it
came from (channel, external id) and the guessed locale, kept nowhere, so /forget cannot be
undone by writing again."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Account, Channel, Participant
from storage.repositories import ParticipantRepository


async def current(
    session: AsyncSession, channel: Channel, external_id: int, guessed_locale: str
) -> Participant:
    """The participant writing now: their row, or an unsaved one (see the module).

    An account marked unreachable (they had blocked the bot there) that writes again has
    unblocked it: messages can reach it again (their other accounts keep their marks)."""
    participant = await ParticipantRepository(session).by_account(channel, external_id)
    if participant is None:
        account = Account(channel=channel, external_id=external_id)
        return Participant(locale=guessed_locale, accounts=[account])
    for account in participant.accounts:
        if (account.channel, account.external_id) == (channel, external_id):
            if account.unreachable_at is not None:
                account.unreachable_at = None
                await session.commit()
            break
    # Which of their accounts this update came through (/me names it, linking needs it):
    # kept on the instance's state for the update's session, not in the row.
    inspect(participant).info[_CAME_THROUGH] = (channel, external_id)
    return participant


_CAME_THROUGH = "came_through"


def account_in_use(participant: Participant) -> Account | None:
    """The account the person writes through now: the one `current` found them by (an
    unsaved participant has only that one)."""
    came = inspect(participant).info.get(_CAME_THROUGH)
    for account in participant.accounts:
        if came is None or (account.channel, account.external_id) == came:
            return account
    return None


def is_stored(participant: Participant) -> bool:
    return participant.id is not None


async def keep(session: AsyncSession, participant: Participant) -> Participant:
    """The participant's row, written now if they have none (not committed)."""
    if is_stored(participant):
        return participant
    account = participant.accounts[0]  # an unsaved one has the account it came from
    return await ParticipantRepository(session).get_or_create(
        account.channel, account.external_id, participant.locale
    )


async def visit(
    session: AsyncSession, channel: Channel, external_id: int, guessed_locale: str
) -> Participant:
    """The participant, stored (the command line and tests register people this way)."""
    participant = await keep(session, await current(session, channel, external_id, guessed_locale))
    await session.commit()
    return participant


async def set_locale(session: AsyncSession, participant: Participant, locale: str) -> Participant:
    participant = await keep(session, participant)
    participant.locale = locale
    await session.commit()
    return participant
