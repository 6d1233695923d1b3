"""One person, several messengers: linking an account on another messenger with a
one-time code, unlinking it, and the channel the bot's own messages go to.

A person makes a code in /me; entering it from an account on another messenger (`/link
<code>`) makes that account theirs. The person who made the code is the one kept: their
role, schools, answers, consent and language. The account entering it may be:

- unknown (no row: a first visit, or never consented): it becomes the person's account;
- a row with nothing of its own (no role, never had one, no answers to events or surveys,
  no acknowledgement, no join request waiting): it is merged, its accounts become the
  person's and its row goes (its consent and language with it);
- a row with records of its own: refused. If the maker has none (they consented there
  but registered here), the code is to be made here instead; if both have, the two
  cannot be joined by the people themselves (a coordinator revokes one, or the person
  sends /forget there).

An account on a messenger the person already has is refused (one account per channel:
which one would the bot write to?). The code: 8 characters of an alphabet without
look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G), shown as «XXXX-XXXX», read in either case,
with or without the hyphen, Cyrillic look-alike letters read as the Latin ones; kept as a
SHA-256 hash for 15 minutes; one live code per person (a new one replaces it); used once.
Wrong codes are counted per entering account: after 5 within 15 minutes it is refused
until the window has passed, so one account can try 5 of 18⁸ (about 10¹⁰) codes a quarter
of an hour.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit, delivery, participants
from bot.services.delivery import Outgoing, Payload
from bot.services.errors import DomainError
from storage.models import Account, Channel, LinkAttempt, LinkCode, Participant
from storage.repositories.accounts import AccountRepository
from storage.types import utcnow

CODE_TTL = timedelta(minutes=15)
CODE_LENGTH = 8
# Letters and digits nobody confuses with one another, on a screen or typed from it.
ALPHABET = "ACEFHKMNPRTWXY3479"
# Cyrillic letters that look like Latin ones: a code typed on a Russian keyboard still reads.
_LOOK_ALIKES = str.maketrans("АВСЕНКМОРТХУЗ", "ABCEHKMOPTXY3")
MAX_FAILURES = 5
ATTEMPT_WINDOW = timedelta(minutes=15)

# The message to the person's contact account that another account was linked (so that a
# link they did not make does not go unnoticed): built by the views, passed in.
LinkNotice = Callable[[Participant, Sequence[Channel]], Payload]


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise(text: str) -> str | None:
    """The code `text` spells, or None when it cannot be one."""
    code = "".join(text.split()).replace("-", "").upper().translate(_LOOK_ALIKES)
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def shown(code: str) -> str:
    """«ACEF-HK34»: two groups are easier to read out and type."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def missing_channels(participant: Participant, channels: Sequence[Channel]) -> list[Channel]:
    """The messengers of `channels` on which the person has no account yet."""
    return [channel for channel in channels if participant.external_id(channel) is None]


@dataclass(frozen=True)
class NewCode:
    code: str  # as shown
    expires_at: datetime


async def make_code(
    session: AsyncSession, participant: Participant, *, now: datetime | None = None
) -> NewCode:
    """A new code for the person (the one they had before stops working)."""
    if not participants.is_stored(participant) or participant.consent_at is None:
        raise DomainError("consent-needed")
    now = now or utcnow()
    repository = AccountRepository(session)
    while True:  # a clash of two live codes is rare (1 in 10¹⁰), but unique is unique
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if not await repository.hash_taken(_hash(code)):
            break
    row = await repository.code_of(participant.id)
    if row is None:
        row = LinkCode(participant_id=participant.id)
        session.add(row)
    row.code_hash, row.expires_at, row.used_at, row.created_at = (
        _hash(code),
        now + CODE_TTL,
        None,
        now,
    )
    await session.commit()
    return NewCode(shown(code), row.expires_at)


@dataclass(frozen=True)
class Linked:
    participant: Participant  # the person, with every account now
    channels: tuple[Channel, ...]  # the accounts just linked
    merged: bool  # the entering account had a row of its own, which went


async def enter_code(
    session: AsyncSession,
    participant: Participant,
    text: str,
    *,
    notice: LinkNotice,
    now: datetime | None = None,
) -> Linked:
    """Links the account `participant` writes through (and any other of theirs) to the
    person whose code `text` is; see the module for the rules. A wrong, used or expired
    code counts as a failed attempt (committed before the refusal is raised)."""
    now = now or utcnow()
    entering = participants.account_in_use(participant)
    if entering is None:
        raise DomainError("consent-needed")
    repository = AccountRepository(session)
    attempts = await repository.attempts_of(entering.channel, entering.external_id)
    # Read, not changed: a window that is over counts as none (rewritten on a failure).
    live = attempts is not None and attempts.since > now - ATTEMPT_WINDOW
    if attempts is not None and live and attempts.failures >= MAX_FAILURES:
        left = attempts.since + ATTEMPT_WINDOW - now
        raise DomainError("link-too-many-attempts", minutes=max(1, math.ceil(left / _MINUTE)))
    code = normalise(text)
    row = await repository.code_by_hash(_hash(code)) if code else None
    refusal = (
        "link-code-unknown"
        if row is None
        else "link-code-used"
        if row.used_at is not None
        else "link-code-expired"
        if row.expires_at <= now
        else None
    )
    if refusal is not None:
        await _count_failure(session, attempts if live else None, entering, now)
        # Other accounts' windows that are over go too (they are kept no longer).
        await repository.forget_attempts_before(now - ATTEMPT_WINDOW)
        await session.commit()
        raise DomainError(refusal)
    assert row is not None
    maker = await session.get(Participant, row.participant_id)
    assert maker is not None  # the code goes with its person (ON DELETE CASCADE)
    if participants.is_stored(participant) and participant.id == maker.id:
        raise DomainError("link-already-yours")
    held = {account.channel for account in maker.accounts}
    for account in participant.accounts:
        if account.channel in held:
            raise DomainError("link-channel-taken", channel=Channel(account.channel).value)
    # No write before this point but the counted failure: a refusal leaves no transaction
    # open (on SQLite it would hold the one writer, and the wizard's state waits for it).
    stored = participants.is_stored(participant)
    if stored and await repository.has_records(participant):
        both = await repository.has_records(maker)
        raise DomainError("link-registered-separately" if both else "link-make-code-here")
    if not await repository.use_code(row, now):  # another account entered it meanwhile
        await session.commit()  # nothing changed; ends the transaction the UPDATE began
        raise DomainError("link-code-used")
    # Linking changes nothing about where the bot writes: the person chooses that in /me.
    contact = maker.contact
    if maker.preferred_channel is None and contact is not None:
        maker.preferred_channel = contact.channel
    channels = tuple(Channel(account.channel) for account in participant.accounts)
    merged_id = None
    if stored:
        merged_id = participant.id
        await repository.move_accounts(participant, maker)
    else:
        await repository.add_account(maker, entering.channel, entering.external_id)
    if attempts is not None:
        await session.delete(attempts)
    audit.record(
        session,
        maker,
        "account.linked",
        f"participant:{maker.id}",
        at=now,
        channels=[channel.value for channel in channels],
        merged_participant=merged_id,
    )
    await delivery.queue(
        session,
        "account-linked",
        f"code:{row.created_at.isoformat()}",
        [Outgoing(maker, notice(maker, channels))],
    )
    await session.commit()
    return Linked(maker, channels, merged_id is not None)


_MINUTE = timedelta(minutes=1)


async def _count_failure(
    session: AsyncSession, attempts: LinkAttempt | None, entering: Account, now: datetime
) -> None:
    """One more failure in the window `attempts` counts (None: a window starts now)."""
    if attempts is None:
        # merge: a row of a window that is over may still be there; it starts again.
        await session.merge(
            LinkAttempt(
                channel=entering.channel, external_id=entering.external_id, failures=1, since=now
            )
        )
    else:
        attempts.failures += 1


async def unlink(session: AsyncSession, participant: Participant, channel: Channel) -> Participant:
    """The person's account on `channel` is theirs no more (the last one cannot go: /forget
    is for that). Messages still waiting for it go to their contact account instead."""
    account = next((each for each in participant.accounts if each.channel == channel), None)
    if account is None or not participants.is_stored(participant):
        raise DomainError("link-no-account")
    if len(participant.accounts) < 2:
        raise DomainError("link-last-account")
    repository = AccountRepository(session)
    await repository.remove_account(participant, account)
    if participant.preferred_channel == channel:
        participant.preferred_channel = None
    contact = participant.contact
    assert contact is not None  # another account is left
    await repository.redirect_pending(participant, account, contact)
    audit.record(
        session,
        participant,
        "account.unlinked",
        f"participant:{participant.id}",
        channel=Channel(channel).value,
    )
    await session.commit()
    return participant


async def prefer(session: AsyncSession, participant: Participant, channel: Channel) -> Participant:
    """The bot's own messages (reminders, announcements) go to the person's account on
    `channel` from now on; those already queued go where they were queued for."""
    if participant.external_id(channel) is None or not participants.is_stored(participant):
        raise DomainError("link-no-account")
    participant.preferred_channel = channel
    await session.commit()
    return participant
