"""Announcements: to a chosen audience, through the outbox, with progress, cancellation,
acknowledgements («Ознакомлен») and reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audience as audiences
from bot.services import audit, delivery, reminders
from bot.services.access import Action, can
from bot.services.audience import Audience
from bot.services.delivery import Outgoing, Payload
from bot.services.errors import AccessDenied, DomainError, NotFound
from bot.services.reminders import Reminded
from storage.db import insert_for
from storage.models import (
    Acknowledgement,
    Broadcast,
    BroadcastStatus,
    Channel,
    OutboxMessage,
    OutboxStatus,
    Participant,
)
from storage.repositories.people import PeopleRepository

KIND = "broadcast"
REMINDER_KIND = "broadcast-reminder"
MAX_TEXT = 4000
# The id the author's preview carries: no announcement has it, so its «Ознакомлен» is
# told apart from a forged one.
PREVIEW_ID = 0


def reference(broadcast: Broadcast) -> str:
    return f"broadcast:{broadcast.id}"


def may_broadcast(actor: Participant) -> bool:
    """Whether the actor may write announcements (in their own scope)."""
    return can(actor, Action.BROADCAST, municipality_id=actor.municipality_id)


async def audience_size(session: AsyncSession, actor: Participant, audience: Audience) -> int:
    if not may_broadcast(actor):
        raise AccessDenied()
    await audiences.check_chosen(session, actor, audience)
    return len(await audiences.members(session, audiences.scoped(actor, audience)))


async def create(
    session: AsyncSession,
    actor: Participant,
    *,
    text: str,
    audience: Audience,
    send_at: datetime,
    render: Callable[[Broadcast, Participant], Payload],
    attachment_kind: str | None = None,
    attachment_id: int | None = None,
    acknowledge: bool = False,
) -> Broadcast:
    """Saves the announcement and queues one message per recipient in one bulk insert."""
    if not may_broadcast(actor):
        raise AccessDenied()
    if not text.strip() or len(text) > MAX_TEXT:
        raise DomainError("broadcast-bad-text")
    await audiences.check_chosen(session, actor, audience)
    scoped = audiences.scoped(actor, audience)
    people = await audiences.members(session, scoped)
    if not people:
        raise DomainError("broadcast-nobody")
    broadcast = Broadcast(
        author_id=actor.id,
        municipality_id=None if can(actor, Action.CHOOSE_MUNICIPALITY) else actor.municipality_id,
        text=text,
        attachment_kind=attachment_kind,
        attachment_id=attachment_id,
        acknowledge=acknowledge,
        audience=scoped.as_json(),
        send_at=send_at,
        recipients=len(people),
    )
    session.add(broadcast)
    await session.flush()
    audit.record(session, actor, "broadcast.created", reference(broadcast), recipients=len(people))
    await delivery.enqueue(
        session,
        KIND,
        reference(broadcast),
        [Outgoing(person, render(broadcast, person)) for person in people],
        due_at=send_at,
    )  # commits the broadcast together with its messages
    return broadcast


async def get(session: AsyncSession, actor: Participant, broadcast_id: int) -> Broadcast:
    """A broadcast the actor may see: the regional team any, a municipal coordinator those
    of their municipality."""
    found = await session.get(Broadcast, broadcast_id)
    if found is None:
        raise NotFound("broadcast-unknown")
    if not may_broadcast(actor):
        raise AccessDenied()
    if (
        not can(actor, Action.CHOOSE_MUNICIPALITY)
        and found.municipality_id != actor.municipality_id
    ):
        raise AccessDenied()
    return found


async def cancel(session: AsyncSession, actor: Participant, broadcast_id: int) -> Broadcast:
    """Stops it: no new send starts (the pending messages, those the loop has read ahead
    too, are withdrawn); the few requests already on the wire come back and are counted.
    The progress message is corrected until then (`in_progress`)."""
    found = await get(session, actor, broadcast_id)
    if found.status in (BroadcastStatus.DONE, BroadcastStatus.CANCELLED):
        raise DomainError("broadcast-finished")
    await delivery.withdraw(session, KIND, reference(found), exact=True)
    found.status = BroadcastStatus.CANCELLED
    audit.record(session, actor, "broadcast.cancelled", reference(found))
    await session.commit()  # withdrawn with the stop, or not at all
    return found


async def resend(
    session: AsyncSession, actor: Participant, broadcast_id: int, now: datetime
) -> int:
    """The copies that failed for good or may not have arrived (ambiguous after a crash)
    go out again, to those still reachable; how many. A stopped announcement stays
    stopped."""
    found = await get(session, actor, broadcast_id)
    if found.status == BroadcastStatus.CANCELLED:
        raise DomainError("broadcast-cancelled")
    queued = await delivery.resend(session, KIND, reference(found), now)
    if queued:
        # Sending again: the progress message follows it to the new final report.
        found.status = BroadcastStatus.SENDING
        found.finished_at = None
        audit.record(session, actor, "broadcast.resent", reference(found), messages=queued)
    await session.commit()  # the copies requeued with the record of it, or not at all
    return queued


@dataclass(frozen=True)
class Progress:
    """Counted from the outbox rows: each copy is in exactly one of these."""

    total: int
    sent: int
    blocked: int
    failed: int
    ambiguous: int  # may or may not have arrived: the bot was killed while sending it
    left: int  # pending or on the wire
    withdrawn: int
    acknowledged: int

    @property
    def finished(self) -> bool:
        return self.left == 0

    @property
    def resendable(self) -> int:
        return self.failed + self.ambiguous


async def progress(session: AsyncSession, broadcast: Broadcast) -> Progress:
    counts = await delivery.counts(session, KIND, reference(broadcast), exact=True)
    acknowledged = len(await _acknowledged(session, broadcast.id))
    return Progress(
        total=sum(counts.values()) or broadcast.recipients,
        sent=counts.get(OutboxStatus.SENT, 0),
        blocked=counts.get(OutboxStatus.BLOCKED, 0),
        failed=counts.get(OutboxStatus.FAILED, 0),
        ambiguous=counts.get(OutboxStatus.AMBIGUOUS, 0),
        left=counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0),
        withdrawn=counts.get(OutboxStatus.DROPPED, 0),
        acknowledged=acknowledged,
    )


async def publish(
    session: AsyncSession,
    actor: Participant,
    *,
    text: str,
    audience: Audience,
    send_at: datetime,
    render: Callable[[Broadcast, Participant], Payload],
    attachment_kind: str | None = None,
    attachment_id: int | None = None,
    acknowledge: bool = False,
) -> tuple[Broadcast, Progress]:
    """The confirmed draft saved and queued (`create`), with the progress to show its
    author; the message showing it is remembered next (`remember_progress_message`)."""
    broadcast = await create(
        session,
        actor,
        text=text,
        audience=audience,
        send_at=send_at,
        render=render,
        attachment_kind=attachment_kind,
        attachment_id=attachment_id,
        acknowledge=acknowledge,
    )
    return broadcast, await progress(session, broadcast)


async def overview(
    session: AsyncSession, actor: Participant, broadcast_id: int
) -> tuple[Broadcast, Progress]:
    """A broadcast the actor may see, with its progress (its card)."""
    found = await get(session, actor, broadcast_id)
    return found, await progress(session, found)


async def stop(session: AsyncSession, actor: Participant, broadcast_id: int) -> Progress:
    """`cancel`, and the progress as it stands once cancelled."""
    return await progress(session, await cancel(session, actor, broadcast_id))


async def in_progress(session: AsyncSession) -> Sequence[Broadcast]:
    """Broadcasts whose author's progress message still needs updating: those going out,
    and those stopped while requests were still on the wire."""
    result = await session.scalars(
        select(Broadcast).where(
            or_(
                Broadcast.status.in_([BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING]),
                and_(
                    Broadcast.status == BroadcastStatus.CANCELLED,
                    Broadcast.finished_at.is_(None),
                ),
            ),
            Broadcast.progress_message_id.is_not(None),
        )
    )
    return result.all()


async def set_status(
    session: AsyncSession, broadcast: Broadcast, status: BroadcastStatus, now: datetime
) -> None:
    broadcast.status = status
    if status in (BroadcastStatus.DONE, BroadcastStatus.CANCELLED):
        broadcast.finished_at = now
    await session.commit()


async def remember_progress_message(
    session: AsyncSession,
    broadcast: Broadcast,
    chat_id: int,
    message_id: int,
    *,
    channel: Channel = Channel.TELEGRAM,
    reference: str | None = None,
) -> None:
    """The author's message that shows the progress, where it is: the messenger, the
    chat, its number and (MAX) its string id, so it can be edited there."""
    broadcast.progress_channel = channel
    broadcast.progress_chat_id = chat_id
    broadcast.progress_message_id = message_id
    broadcast.progress_reference = reference
    await session.commit()


async def acknowledge(
    session: AsyncSession, participant: Participant, broadcast_id: int, now: datetime
) -> None:
    """«Ознакомлен» from someone who received it and still holds a role; pressing twice
    changes nothing."""
    if broadcast_id == PREVIEW_ID:
        raise DomainError("broadcast-preview")
    if not participant.is_registered:  # revoked since: it would count for nobody
        raise AccessDenied()
    received = await session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.kind == KIND,
            OutboxMessage.reference == f"broadcast:{broadcast_id}",
            OutboxMessage.participant_id == participant.id,
        )
    )
    if received is None:
        raise AccessDenied()
    statement = insert_for(session, Acknowledgement).values(
        broadcast_id=broadcast_id, participant_id=participant.id, acknowledged_at=now
    )
    await session.execute(
        statement.on_conflict_do_nothing(index_elements=["broadcast_id", "participant_id"])
    )
    await session.commit()


async def _acknowledged(session: AsyncSession, broadcast_id: int) -> dict[int, datetime]:
    """Who has acknowledged, among those who still hold a role: a revoked person's
    acknowledgement stays stored but counts no more (as they are not listed either)."""
    rows = await session.execute(
        select(Acknowledgement.participant_id, Acknowledgement.acknowledged_at)
        .join(Participant, Participant.id == Acknowledgement.participant_id)
        .where(Acknowledgement.broadcast_id == broadcast_id, _holds_role())
    )
    return dict(rows.all())


def _holds_role() -> ColumnElement[bool]:
    return Participant.registered_at.is_not(None) & Participant.role.is_not(None)


@dataclass(frozen=True)
class RecipientLine:
    participant: Participant
    municipality: str
    schools: str
    delivery: str  # the outbox status
    acknowledged_at: datetime | None


async def recipients(
    session: AsyncSession, actor: Participant, broadcast_id: int
) -> list[RecipientLine]:
    """Every recipient who still holds a role, with the delivery outcome and the
    acknowledgement, by municipality and school. Those revoked since are left out: they
    are no longer asked to acknowledge, nor reminded."""
    found = await get(session, actor, broadcast_id)
    rows = await session.execute(
        select(Participant, OutboxMessage.status)
        .join(OutboxMessage, OutboxMessage.participant_id == Participant.id)
        .where(
            OutboxMessage.kind == KIND, OutboxMessage.reference == reference(found), _holds_role()
        )
    )
    people = [(person, str(status)) for person, status in rows.all()]
    acknowledged = await _acknowledged(session, found.id)
    repository = PeopleRepository(session)
    ids = [p.id for p, _ in people]
    places = await repository.municipality_names(ids)
    schools_of = await repository.schools_of_many(ids)  # one statement, not one a person
    lines = []
    for person, status in people:
        schools = ", ".join(s.short_name for s in schools_of[person.id])
        lines.append(
            RecipientLine(
                person, places.get(person.id, "—"), schools, status, acknowledged.get(person.id)
            )
        )
    return sorted(
        lines, key=lambda line: (line.municipality, line.schools, line.participant.full_name or "")
    )


async def remind_unacknowledged(
    session: AsyncSession,
    actor: Participant,
    broadcast_id: int,
    render: Callable[[Broadcast, Participant], Payload],
    round_number: int,
) -> int:
    """Sends the announcement again to those who received it and have not acknowledged."""
    found = await get(session, actor, broadcast_id)
    if not found.acknowledge:
        raise DomainError("broadcast-no-acknowledgement")
    waiting = [
        line.participant
        for line in await recipients(session, actor, broadcast_id)
        if line.delivery == OutboxStatus.SENT and line.acknowledged_at is None
    ]
    return await delivery.enqueue(
        session,
        REMINDER_KIND,
        f"{reference(found)}:remind:{round_number}",
        [Outgoing(person, render(found, person)) for person in waiting],
    )


async def waiting(
    session: AsyncSession, actor: Participant, broadcast_id: int
) -> list[RecipientLine]:
    """Who is still waited for: not delivered to, or (when asked) not acknowledged."""
    found = await get(session, actor, broadcast_id)
    return [
        line
        for line in await recipients(session, actor, found.id)
        if line.delivery != OutboxStatus.SENT
        or (found.acknowledge and line.acknowledged_at is None)
    ]


async def remind(
    session: AsyncSession,
    actor: Participant,
    broadcast_id: int,
    render: Callable[[Broadcast, Participant], Payload],
    now: datetime,
    confirmed: int | None = None,
) -> Reminded:
    """«Напомнить не ознакомившимся»: a reminder to those who have not acknowledged,
    unless one went recently (then it waits for `confirmed`, see reminders.send)."""
    found = await get(session, actor, broadcast_id)  # checks the right

    async def deliver(number: int) -> int:
        return await remind_unacknowledged(session, actor, found.id, render, number)

    return await reminders.send(
        session, actor, reference(found), None, now, deliver, confirmed=confirmed
    )


async def history(
    session: AsyncSession, actor: Participant, limit: int = 20
) -> Sequence[Broadcast]:
    if not may_broadcast(actor):
        raise AccessDenied()
    statement = select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)
    if not can(actor, Action.CHOOSE_MUNICIPALITY):
        statement = statement.where(Broadcast.municipality_id == actor.municipality_id)
    result = await session.scalars(statement)
    return result.all()
