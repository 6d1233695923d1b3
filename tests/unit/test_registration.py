from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import participants, registration
from bot.services.errors import AccessDenied, DomainError
from storage.models import (
    Assignment,
    AuditEntry,
    Channel,
    Invite,
    JoinRequest,
    OutboxMessage,
    OutboxStatus,
    Participant,
    RequestStatus,
    Role,
)
from tests.support.people import (
    DECISION_NOTICE,
    REQUEST_NOTICE,
    REVOKE_NOTICE,
    load_schools,
    municipality_id,
    person,
)


async def newcomer(session: AsyncSession, telegram_id: int) -> Participant:
    participant = await participants.visit(session, Channel.TELEGRAM, telegram_id, "ru")
    await registration.give_consent(session, participant)
    return participant


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Иванова Ирина Петровна", True),
        ("Anna-Maria O'Neil", True),
        ("Ли", False),
        ("12345", False),
        ("Ирина 3", False),
        ("<b>Ирина</b>", False),
        ("я" * 101, False),
        ("  Пётр   Иванов ", True),
    ],
)
def test_full_name_validation(text: str, ok: bool) -> None:
    if ok:
        assert registration.clean_full_name(text) == " ".join(text.split())
    else:
        with pytest.raises(DomainError, match="bad-name"):
            registration.clean_full_name(text)


async def test_a_director_joins_with_a_school_invite(session: AsyncSession) -> None:
    schools = await load_schools(session)
    created = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47001"].id]
    )
    stored = await session.scalar(select(Invite))
    assert stored is not None
    assert stored.code_hash != created.code  # only the hash is kept
    assert stored.code_hash == registration.hash_code(created.code)

    offer = await registration.check_invite(session, created.code)
    assert offer.role is Role.DIRECTOR
    assert [s.code for s in offer.schools] == ["47001"]
    assert not offer.needs_school_choice

    director = await newcomer(session, 1)
    await registration.join_with_invite(session, director, created.code, "Иванова Ирина")
    profile = await registration.profile(session, director)
    assert profile.participant.role == Role.DIRECTOR
    assert [s.code for s in profile.schools] == ["47001"]
    assert profile.municipality is not None
    assert profile.municipality.code == "kirishsky"

    # Single use: the second person gets a clear answer, and nothing changes for them.
    other = await newcomer(session, 2)
    with pytest.raises(DomainError, match="invite-used"):
        await registration.join_with_invite(session, other, created.code, "Петров Пётр")
    assert not other.is_registered
    # Joining twice is refused.
    with pytest.raises(DomainError, match="already-registered"):
        await registration.join_with_invite(session, director, created.code, "Иванова Ирина")


async def test_how_many_may_use_an_invite_follows_from_what_it_is_for(
    session: AsyncSession,
) -> None:
    """A school role's code for a whole municipality is passed around: many may use it.
    Any other is for one person, unless the operator names a number (`--uses`)."""
    schools = await load_schools(session)
    kirishi = await municipality_id(session, "Киришский")
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    whole = await registration.create_invite(
        session, municipal, Role.CURATOR, municipality_id=kirishi
    )
    assert (whole.invite.max_uses, whole.multi_use) == (None, True)
    one_school = await registration.create_invite(
        session, municipal, Role.DIRECTOR, school_ids=[schools["47001"].id]
    )
    assert (one_school.invite.max_uses, one_school.multi_use) == (1, False)
    coordinator = await registration.create_invite(
        session, None, Role.MUNICIPAL_COORDINATOR, municipality_id=kirishi
    )
    assert (coordinator.invite.max_uses, coordinator.multi_use) == (1, False)
    counted = await registration.create_invite(
        session, None, Role.CURATOR, municipality_id=kirishi, max_uses=1
    )
    assert (counted.invite.max_uses, counted.multi_use) == (1, False)
    several = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47002"].id], max_uses=3
    )
    assert (several.invite.max_uses, several.multi_use) == (3, True)


async def test_consent_comes_before_anything_is_stored(session: AsyncSession) -> None:
    schools = await load_schools(session)
    created = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47001"].id]
    )
    stranger = await participants.visit(session, Channel.TELEGRAM, 3, "ru")
    with pytest.raises(DomainError, match="consent-needed"):
        await registration.join_with_invite(session, stranger, created.code, "Иванова Ирина")
    assert stranger.full_name is None


async def test_a_municipality_invite_lets_the_person_choose_a_school_there_only(
    session: AsyncSession,
) -> None:
    schools = await load_schools(session)
    kirishi = await municipality_id(session, "Киришский")
    created = await registration.create_invite(
        session, None, Role.CURATOR, municipality_id=kirishi, max_uses=None
    )
    offer = await registration.check_invite(session, created.code)
    assert offer.needs_school_choice
    curator = await newcomer(session, 4)
    with pytest.raises(DomainError, match="invite-needs-school"):
        await registration.join_with_invite(session, curator, created.code, "Петров Олег")
    with pytest.raises(AccessDenied):  # a school of another municipality, by a forged id
        await registration.join_with_invite(
            session, curator, created.code, "Петров Олег", school_id=schools["47101"].id
        )
    await registration.join_with_invite(
        session, curator, created.code, "Петров Олег", school_id=schools["47002"].id
    )
    assert [s.code for s in (await registration.profile(session, curator)).schools] == ["47002"]
    # Multi-use: it works again for the next curator.
    second = await newcomer(session, 5)
    await registration.join_with_invite(
        session, second, created.code, "Сидорова Анна", school_id=schools["47001"].id
    )


async def test_expired_revoked_and_removed_school_invites_are_refused(
    session: AsyncSession,
) -> None:
    schools = await load_schools(session)
    expired = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47001"].id], ttl=timedelta(days=1)
    )
    later = datetime.now(UTC) + timedelta(days=2)
    with pytest.raises(DomainError, match="invite-expired"):
        await registration.check_invite(session, expired.code, now=later)

    revoked = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47002"].id]
    )
    revoked.invite.revoked_at = datetime.now(UTC)
    await session.commit()
    with pytest.raises(DomainError, match="invite-revoked"):
        await registration.check_invite(session, revoked.code)

    removed = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47101"].id]
    )
    schools["47101"].archived_at = datetime.now(UTC)
    await session.commit()
    with pytest.raises(DomainError, match="invite-school-removed"):
        await registration.check_invite(session, removed.code)

    for bad in ("nonsense-code-123", "x", "DROP TABLE; --", ""):
        with pytest.raises(DomainError, match="invite-unknown"):
            await registration.check_invite(session, bad)


async def test_a_school_has_one_director(session: AsyncSession) -> None:
    schools = await load_schools(session)
    await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    with pytest.raises(DomainError, match="school-has-director"):
        await person(session, Role.DIRECTOR, schools=[schools["47001"]], name="Второй Директор")


async def test_who_may_create_which_invites(session: AsyncSession) -> None:
    schools = await load_schools(session)
    kirishi = await municipality_id(session, "Киришский")
    tosno = await municipality_id(session, "Тосненский")
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    admin = await person(session, Role.ADMIN)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])

    await registration.create_invite(session, municipal, Role.DIRECTOR, municipality_id=kirishi)
    await registration.create_invite(
        session, municipal, Role.CURATOR, school_ids=[schools["47002"].id]
    )
    for role, scope in [
        (Role.DIRECTOR, {"municipality_id": tosno}),  # another municipality
        (Role.CURATOR, {"school_ids": [schools["47101"].id]}),  # a school elsewhere
        (Role.MUNICIPAL_COORDINATOR, {"municipality_id": kirishi}),  # not theirs to grant
        (Role.ADMIN, {}),
    ]:
        with pytest.raises(AccessDenied):
            await registration.create_invite(session, municipal, role, **scope)  # type: ignore[arg-type]
    with pytest.raises(AccessDenied):
        await registration.create_invite(session, director, Role.CURATOR, municipality_id=kirishi)
    await registration.create_invite(
        session, regional, Role.MUNICIPAL_COORDINATOR, municipality_id=tosno
    )
    with pytest.raises(AccessDenied):
        await registration.create_invite(session, regional, Role.ADMIN)
    await registration.create_invite(session, admin, Role.ADMIN)
    with pytest.raises(DomainError, match="invite-mixed-municipalities"):
        await registration.create_invite(
            session, admin, Role.CURATOR, school_ids=[schools["47001"].id, schools["47101"].id]
        )
    with pytest.raises(DomainError, match="invite-needs-school"):
        await registration.create_invite(session, admin, Role.DIRECTOR)


async def test_a_request_without_a_code_is_decided_by_the_right_coordinator(
    session: AsyncSession,
) -> None:
    schools = await load_schools(session)
    kirishi_coordinator = await person(
        session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский"
    )
    tosno_coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Тосненский")
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    applicant = await newcomer(session, 20)

    request = await registration.request_to_join(
        session, applicant, schools["47002"].id, Role.CURATOR, "Петров Олег", notice=REQUEST_NOTICE
    )
    with pytest.raises(DomainError, match="request-pending"):
        await registration.request_to_join(
            session,
            applicant,
            schools["47001"].id,
            Role.CURATOR,
            "Петров Олег",
            notice=REQUEST_NOTICE,
        )
    with pytest.raises(AccessDenied):  # nobody asks to become a coordinator
        await registration.request_to_join(
            session,
            await newcomer(session, 21),
            schools["47001"].id,
            Role.MUNICIPAL_COORDINATOR,
            "Хитрый Человек",
            notice=REQUEST_NOTICE,
        )
    deciders = await registration.deciders(session, request)
    assert {p.id for p in deciders} == {kirishi_coordinator.id, regional.id}
    pending = await registration.pending_requests(
        session, kirishi_coordinator, schools["47002"].municipality_id
    )
    assert [r.id for r in pending] == [request.id]

    with pytest.raises(AccessDenied):  # the coordinator of another municipality
        await registration.decide(
            session, tosno_coordinator, request.id, approve=True, notice=DECISION_NOTICE
        )
    decided, who = await registration.decide(
        session, kirishi_coordinator, request.id, approve=True, notice=DECISION_NOTICE
    )
    assert decided.status == RequestStatus.APPROVED
    assert who is not None
    assert who.role == Role.CURATOR
    assert [s.code for s in (await registration.profile(session, who)).schools] == ["47002"]
    with pytest.raises(DomainError, match="request-decided"):
        await registration.decide(
            session, regional, request.id, approve=False, notice=DECISION_NOTICE
        )


async def test_a_rejected_request_grants_nothing(session: AsyncSession) -> None:
    schools = await load_schools(session)
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    applicant = await newcomer(session, 30)
    request = await registration.request_to_join(
        session,
        applicant,
        schools["47101"].id,
        Role.DIRECTOR,
        "Смирнов Андрей",
        notice=REQUEST_NOTICE,
    )
    decided, who = await registration.decide(
        session, regional, request.id, approve=False, notice=DECISION_NOTICE
    )
    assert decided.status == RequestStatus.REJECTED
    assert who is not None
    assert not who.is_registered


async def test_admins_come_from_settings(session: AsyncSession) -> None:
    hopeful = await newcomer(session, 40)
    with pytest.raises(AccessDenied):
        await registration.join_as_admin(session, hopeful, "Самозванец Иван", admin_ids=[41])
    admin = await registration.join_as_admin(session, hopeful, "Главный Админ", admin_ids=[40])
    assert admin.role == Role.ADMIN


async def test_max_admin_ids_name_admins_by_their_max_id_only(session: AsyncSession) -> None:
    on_max = await participants.visit(session, Channel.MAX, 40, "ru")
    await registration.give_consent(session, on_max)
    # The same number in ADMIN_IDS is a Telegram id: another person.
    assert not registration.named_admin(on_max, admin_ids=[40])
    with pytest.raises(AccessDenied):
        await registration.join_as_admin(session, on_max, "Самозванец Иван", admin_ids=[40])
    assert registration.named_admin(on_max, admin_ids=[], max_admin_ids=[40])
    admin = await registration.join_as_admin(
        session, on_max, "Главный Админ", admin_ids=[], max_admin_ids=[40]
    )
    assert admin.role == Role.ADMIN
    on_telegram = await newcomer(session, 41)
    assert not registration.named_admin(on_telegram, admin_ids=[], max_admin_ids=[41])


async def test_revoke_and_assign_respect_scope(session: AsyncSession) -> None:
    schools = await load_schools(session)
    municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    other_municipal = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Тосненский")
    curator = await person(session, Role.CURATOR, schools=[schools["47001"]], name="Петров Олег")

    with pytest.raises(AccessDenied):
        await registration.assign_curator(session, other_municipal, curator.id, schools["47002"].id)
    await registration.assign_curator(session, municipal, curator.id, schools["47002"].id)
    codes = [s.code for s in (await registration.profile(session, curator)).schools]
    assert sorted(codes) == ["47001", "47002"]

    with pytest.raises(AccessDenied):
        await registration.revoke(session, other_municipal, curator.id, notice=REVOKE_NOTICE)
    with pytest.raises(AccessDenied):  # a municipal coordinator cannot revoke their peer
        await registration.revoke(session, municipal, other_municipal.id, notice=REVOKE_NOTICE)
    revoked = await registration.revoke(session, municipal, curator.id, notice=REVOKE_NOTICE)
    assert not revoked.is_registered
    assert (
        await session.scalar(
            select(func.count())
            .select_from(Assignment)
            .where(Assignment.participant_id == curator.id)
        )
        == 0
    )
    actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["curator.assigned", "role.revoked"]


async def test_forget_deletes_the_person_and_keeps_an_anonymous_audit_trail(
    session: AsyncSession,
) -> None:
    schools = await load_schools(session)
    director = await person(session, Role.DIRECTOR, schools=[schools["47001"]])
    applicant = await newcomer(session, 50)
    await registration.request_to_join(
        session, applicant, schools["47002"].id, Role.CURATOR, "Петров Олег", notice=REQUEST_NOTICE
    )
    director_id = director.id
    await registration.forget(session, director)
    await registration.forget(session, applicant)
    assert await session.get(Participant, director_id) is None
    assert await session.scalar(select(func.count()).select_from(JoinRequest)) == 0
    assert await session.scalar(select(func.count()).select_from(Assignment)) == 0
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "participant.forgotten")
    )
    assert entry is not None
    assert entry.subject == f"participant:{director_id}"
    assert "Иванова" not in str(entry.details)


async def test_invites_can_be_listed_and_revoked_and_schools_archived(
    session: AsyncSession,
) -> None:
    from bot.services import directory

    schools = await load_schools(session)
    first = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47001"].id]
    )
    second = await registration.create_invite(
        session, None, Role.DIRECTOR, school_ids=[schools["47002"].id]
    )
    usable = [invite.id for invite in await registration.usable_invites(session)]
    assert usable == [first.invite.id, second.invite.id]
    await registration.revoke_invite(session, None, first.invite.id)
    with pytest.raises(DomainError, match="invite-revoked"):
        await registration.check_invite(session, first.code)
    assert [i.id for i in await registration.usable_invites(session)] == [second.invite.id]

    await directory.archive_school(session, None, "47002")
    with pytest.raises(DomainError, match="invite-school-removed"):
        await registration.check_invite(session, second.code)
    kirishi = schools["47001"].municipality_id
    assert [s.code for s in (await directory.search_schools(session, kirishi, "")).schools] == [
        "47001"
    ]
    with pytest.raises(DomainError, match="unknown-school"):
        await directory.archive_school(session, None, "47002")


async def test_a_decided_request_is_no_longer_brought_to_the_other_coordinators(
    session: AsyncSession,
) -> None:
    """The request waits in the outbox for a coordinator Telegram could not reach while
    another decided it: once decided, their copy is not sent (its buttons would only say
    «request-decided»); the copy already delivered stays as it is."""
    schools = await load_schools(session)
    coordinator = await person(session, Role.MUNICIPAL_COORDINATOR, municipality="Киришский")
    regional = await person(session, Role.REGIONAL_COORDINATOR)
    request = await registration.request_to_join(
        session,
        await newcomer(session, 40),
        schools["47002"].id,
        Role.CURATOR,
        "Петров Олег",
        notice=REQUEST_NOTICE,
    )

    def copies() -> Select[int, OutboxStatus]:
        return select(OutboxMessage.participant_id, OutboxMessage.status).where(
            OutboxMessage.kind == "join-request"
        )

    assert {tuple(row) for row in await session.execute(copies())} == {
        (coordinator.id, OutboxStatus.PENDING),
        (regional.id, OutboxStatus.PENDING),
    }
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.kind == "join-request", OutboxMessage.participant_id == regional.id)
        .values(status=OutboxStatus.SENT)
    )
    await session.commit()
    await registration.decide(session, regional, request.id, approve=True, notice=DECISION_NOTICE)
    assert {tuple(row) for row in await session.execute(copies())} == {
        (coordinator.id, OutboxStatus.DROPPED),
        (regional.id, OutboxStatus.SENT),
    }
