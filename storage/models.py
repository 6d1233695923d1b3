"""Declarative models. Every change here comes with an Alembic migration (a test checks)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import true

from storage.types import SharedJSON, UTCDateTime, utcnow

# Named constraints keep Alembic migrations (and SQLite batch mode) deterministic.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Role(StrEnum):
    DIRECTOR = "director"
    CURATOR = "curator"
    MUNICIPAL_COORDINATOR = "municipal_coordinator"
    REGIONAL_COORDINATOR = "regional_coordinator"
    ADMIN = "admin"


class Municipality(Base):
    """One of the 18 municipal formations; `code` is stable, `name` may be renamed."""

    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(100))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(500))
    short_name: Mapped[str] = mapped_column(String(200))
    programmes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Names and code case-folded with ё→е: SQLite's lower() knows only ASCII letters.
    search_text: Mapped[str] = mapped_column(String(800), default="")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    municipality: Mapped[Municipality] = relationship(lazy="joined")


class Channel(StrEnum):
    """A messenger the bot is on."""

    TELEGRAM = "telegram"
    MAX = "max"


class StoredFile(Base):
    """A file the bot keeps to send on any messenger (an announcement's document or photo,
    a webinar's materials): its bytes, once per distinct content (`sha256`), and the
    reference each messenger gave it once sent there (`FileReference`). A file kept before
    the bytes were (migration 0013) has only its Telegram reference: no content, no hash."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deferred: loaded only when a messenger has no reference yet and the bytes must go.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    mime_type: Mapped[str | None] = mapped_column(String(127))
    size: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def has_content(self) -> bool:
        return self.sha256 is not None


class FileReference(Base):
    """What a messenger calls a stored file once it has it (Telegram's file id, MAX's
    upload token), so later messages send the reference instead of the bytes. One per
    file, channel and kind: a photo's reference is not a document's."""

    __tablename__ = "file_references"

    file_id: Mapped[int] = mapped_column(
        ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[Channel] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # document | photo
    reference: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Participant(Base):
    """A person who has written to the bot, through one or more messenger accounts.
    Before consent only the account and the chosen language are kept; name and role come
    with registration."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role | None] = mapped_column(String(32))
    # The municipality of a municipal coordinator; directors and curators have schools.
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The secret in the person's calendar feed address (/calendar/<token>.ics); None until
    # asked for, and again after «Отозвать ссылку». Kept as it is, not hashed: /schedule
    # shows the same address again, as calendars keep polling it.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The messenger the bot writes to on its own (reminders, announcements) when the person
    # has more than one; None: the first account (see `contact`).
    preferred_channel: Mapped[Channel | None] = mapped_column(String(16))

    # Loaded with the person (the update's lookup joins them in its one statement; other
    # loads add one SELECT … IN for all the people loaded): every message needs an address.
    accounts: Mapped[list[Account]] = relationship(
        back_populates="participant",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="Account.id",
    )

    @property
    def is_registered(self) -> bool:
        return self.registered_at is not None and self.role is not None

    def external_id(self, channel: Channel) -> int | None:
        """The person's id on `channel`, if they have an account there."""
        for account in self.accounts:
            if account.channel == channel:
                return account.external_id
        return None

    @property
    def contact(self) -> Account | None:
        """Where the bot writes to the person on its own: the account on the channel they
        chose (`preferred_channel`), else the first account they came through."""
        for account in self.accounts:
            if account.channel == self.preferred_channel:
                return account
        return self.accounts[0] if self.accounts else None

    @property
    def reachable_contact(self) -> Account | None:
        """Where the outbox sends to the person: their contact if it is reachable, else
        another account that is; None when they blocked the bot on every messenger."""
        contact = self.contact
        if contact is not None and contact.unreachable_at is None:
            return contact
        return next((a for a in self.accounts if a.unreachable_at is None), None)

    @property
    def is_unreachable(self) -> bool:
        """Every account of theirs refuses delivery: the bot cannot write to them at all
        (what the reports and status views show)."""
        return bool(self.accounts) and all(a.unreachable_at is not None for a in self.accounts)


class Account(Base):
    """A person's account on one messenger: how updates find them and messages reach them."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_accounts_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(String(16))
    # Telegram's user id (also the id of the private chat with them), MAX's user id.
    external_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The messenger answered 403 here: the person blocked the bot on it. Nothing more is
    # sent to this account (their others still get messages) until they write from it.
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    participant: Mapped[Participant] = relationship(back_populates="accounts")


class LinkCode(Base):
    """The one-time code a person makes in /me to link an account on another messenger
    (bot/services/accounts.py). One per person: a new code replaces the old. Only its hash
    is kept; a used one stays (with `used_at`) so that entering it again says so."""

    __tablename__ = "link_codes"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LinkAttempt(Base):
    """Failed link codes entered from one account within the current window: guessing is
    limited per account (bot/services/accounts.py). Removed on success, after the window,
    and by /forget."""

    __tablename__ = "link_attempts"

    channel: Mapped[Channel] = mapped_column(String(16), primary_key=True)
    external_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # The first failure of the window: the count starts again once the window has passed.
    since: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Assignment(Base):
    """A director's school, or one of a curator's schools."""

    __tablename__ = "assignments"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[int] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Invite(Base):
    """An invite code for a role, scoped to schools or a municipality. Only its hash is kept."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(String(32))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    school_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    max_uses: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class JoinRequest(Base):
    """A person without a code asks to join a school in a role; a coordinator decides."""

    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(String(32))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    full_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[RequestStatus] = mapped_column(String(16), default=RequestStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    school: Mapped[School] = relationship(lazy="joined")


class AuditEntry(Base):
    """Who did what to whom: grants, revocations, imports, renames, deletions.

    Actors and subjects are ids, not names, so the log outlives a `/forget`."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # None: the operator's CLI
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update is answered once."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Lease(Base):
    """A lease on some work only one process may do at a time (the scheduler's leadership
    on SQLite, scheduler/leader.py): its holder and when it runs out unless renewed."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FsmRecord(Base):
    """aiogram FSM state and data of one chat/user, as JSON."""

    __tablename__ = "fsm_records"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class EventKind(StrEnum):
    MEETING = "meeting"
    WEBINAR = "webinar"


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class MeetingSeries(Base):
    """The organisational meetings: a cron rule (1st and 3rd Monday) at a local time."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    # APScheduler cron `day` expression, e.g. "1st mon,3rd mon".
    days: Mapped[str] = mapped_column(String(100))
    local_time: Mapped[str] = mapped_column(String(5))  # HH:MM in the bot's time zone
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    link: Mapped[str] = mapped_column(String(500))
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Event(Base):
    """One meeting occurrence or one webinar."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("series_id", "occurrence", name="uq_events_occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EventKind] = mapped_column(String(16))
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL")
    )
    occurrence: Mapped[date | None] = mapped_column(Date)  # the series date it stands for
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    link: Mapped[str] = mapped_column(String(500))
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The webinar's materials (a document), sent with its reminders.
    materials_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    status: Mapped[EventStatus] = mapped_column(String(16), default=EventStatus.SCHEDULED)
    # Bumped when the event moves: reminders are keyed by it and planned afresh.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Reminder offsets (minutes before) already handed to the outbox for this version.
    reminded: Mapped[list[int]] = mapped_column(JSON, default=list)
    # When the coordinators were asked to move or cancel it off a public holiday (once).
    holiday_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Attendance(StrEnum):
    YES = "yes"
    NO = "no"


class EventAnswer(Base):
    """A participant's "Буду" / "Не смогу" for an event."""

    __tablename__ = "event_answers"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    answer: Mapped[Attendance] = mapped_column(String(8))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    # Claimed by the delivery loop just before its request goes out, until the answer is
    # written; a crash leaves it here and the next start makes it `ambiguous`.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # The request may or may not have reached Telegram (the process died meanwhile): not
    # resent on its own, counted apart, and resent when the author asks.
    AMBIGUOUS = "ambiguous"
    BLOCKED = "blocked"
    DROPPED = "dropped"  # too late (the event began) or withdrawn (moved, cancelled)


class OutboxMessage(Base):
    """A message the bot sends on its own initiative, delivered by the delivery loop."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("kind", "reference", "participant_id", name="uq_outbox_key"),
        Index("ix_outbox_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(100))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    # The recipient's account it goes to: the messenger and the chat there.
    channel: Mapped[Channel] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[OutboxStatus] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[int | None] = mapped_column(BigInteger)


class BroadcastStatus(StrEnum):
    SCHEDULED = "scheduled"  # queued in the outbox, due at `send_at`
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Broadcast(Base):
    """An announcement from a coordinator to a chosen audience."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    # The author's municipality for a municipal coordinator: who may see the reports.
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    text: Mapped[str] = mapped_column(Text)  # Telegram HTML, as the author wrote it
    attachment_kind: Mapped[str | None] = mapped_column(String(16))  # document | photo
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    acknowledge: Mapped[bool] = mapped_column(Boolean, default=False)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[BroadcastStatus] = mapped_column(String(16), default=BroadcastStatus.SCHEDULED)
    # The author's progress message, edited as deliveries happen: the messenger it is
    # on, its chat and number there, and MAX's string id of it («mid.…», which MAX's
    # edits take; None on Telegram).
    progress_channel: Mapped[Channel | None] = mapped_column(String(16))
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_reference: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Acknowledgement(Base):
    """A recipient pressed «Ознакомлен»."""

    __tablename__ = "acknowledgements"

    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SurveyStatus(StrEnum):
    DRAFT = "draft"  # loaded, no window yet
    OPEN = "open"  # within its window (opens_at <= now < closes_at)
    CLOSED = "closed"


class Survey(Base):
    """One version of a survey definition (YAML, stored as validated JSON) and its window.

    Loading a changed definition after answers exist makes a new version; old answers stay
    attached to theirs. Opening a survey again as a new round (the second, the third
    engagement survey) also makes a new version, with fresh responses: versions of one round
    share its number, and the analysis compares rounds."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_surveys_code_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    definition: Mapped[dict[str, Any]] = mapped_column(SharedJSON())  # read-only once loaded
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[SurveyStatus] = mapped_column(String(16), default=SurveyStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ResponseStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class SurveyResponse(Base):
    """One response: per school, per person, or per curator and school (the survey's unit).

    `unit_key` makes the unit unique ("school:12", "person:5", "curator:5:school:12")."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "unit_key", name="uq_responses_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    unit_key: Mapped[str] = mapped_column(String(64))
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="SET NULL"), index=True
    )
    # Who answers; SET NULL on /forget keeps the answers, anonymised.
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[ResponseStatus] = mapped_column(String(16), default=ResponseStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Where the respondent is: the index of the question on screen (None: the summary, or
    # nothing shown yet), and the options ticked there so far on a multi-choice question.
    # Written with each answer, in its transaction: a press on any other question's
    # buttons is outdated, after a restart too.
    step: Mapped[int | None] = mapped_column()
    picked: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")


class SurveyAnswer(Base):
    """One answer value, typed so that analysis can GROUP BY in SQL: a multi-choice answer
    is one row per picked option; a skipped optional question is a row with no value."""

    __tablename__ = "survey_answers"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    option_id: Mapped[str | None] = mapped_column(String(64))
    number: Mapped[float | None] = mapped_column()
    text: Mapped[str | None] = mapped_column(Text)
    flag: Mapped[bool | None] = mapped_column(Boolean)
