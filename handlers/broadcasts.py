"""Announcements: compose, choose the audience, preview, send with progress, cancel;
«Ознакомлен»; history, who has not acknowledged, reminders, Excel."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape

from bot.conversation.actions import AckCb, BroadcastCb, MenuCb, MunicipalityCb, PickCb, RemindCb
from bot.conversation.buttons import menu_button, municipality_rows
from bot.conversation.routes import Routes, State, StateGroup
from bot.conversation.screens import Attachment, Press, Screen, Upload, screen_of
from bot.conversation.turn import Turn
from bot.i18n import Translator
from bot.notices import announcement, progress_text
from bot.reports.recipients import recipients_workbook
from bot.services import broadcasts, directory, events, surveys
from bot.services.access import Action, can
from bot.services.audience import Audience
from bot.services.dates import parse_moment
from bot.services.delivery import Payload
from bot.services.errors import AccessDenied, DomainError
from bot.services.numbers import whole_number
from bot.views import format_when, shorten
from handlers.shared import keep_file, tell_reminded
from storage.models import Broadcast, BroadcastStatus, OutboxStatus, Participant, Role
from storage.types import utcnow

ROLE_CHOICES = (Role.DIRECTOR, Role.CURATOR, Role.MUNICIPAL_COORDINATOR)

routes = Routes("broadcasts")


class Compose(StateGroup):
    content = State()
    audience = State()
    schools = State()
    acknowledge = State()
    when = State()
    confirm = State()


def _render(
    translator: Translator, *, reminder: bool = False
) -> Callable[[Broadcast, Participant], Payload]:
    """Each recipient's copy: the author's text, the button in the recipient's language."""

    def render(broadcast: Broadcast, person: Participant) -> Payload:
        t = translator.for_locale(person.locale)
        return announcement(t, broadcast, reminder=reminder)

    return render


# -- the menu's entry: past announcements ---------------------------------------------------


@routes.press(MenuCb, item="broadcasts")
async def history(turn: Turn, _: MenuCb) -> None:
    t = turn.t
    past = await broadcasts.history(turn.session, turn.participant)
    rows: list[list[Press]] = [
        [
            (
                f"{b.created_at.astimezone(turn.settings.zone):%d.%m %H:%M} · {_headline(b)}",
                BroadcastCb(action="card", id=b.id),
            )
        ]
        for b in past
    ]
    rows.append([(t("button-new-broadcast"), MenuCb(item="broadcast-new"))])
    rows.append([menu_button(t)])
    await turn.say(t("broadcast-history") if past else t("broadcast-history-empty"), *rows)


def _headline(broadcast: Broadcast) -> str:
    plain = re.sub(r"<[^>]+>", "", broadcast.text)
    return shorten(plain, 40)


# -- composing ------------------------------------------------------------------------------


@routes.press(MenuCb, item="broadcast-new")
async def start(turn: Turn, _: MenuCb) -> None:
    if not broadcasts.may_broadcast(turn.participant):
        raise AccessDenied()
    await turn.state.clear()
    await turn.state.set_state(Compose.content)
    await turn.say(turn.t("broadcast-ask-content"))


@routes.message(state=Compose.content)
async def content(turn: Turn) -> None:
    text = turn.html  # the author's bold, italics and links stay
    if not text.strip() or len(text) > broadcasts.MAX_TEXT:
        await turn.say(turn.t("error-broadcast-bad-text"))
        return
    kind, file_id = None, None
    if turn.file is not None:
        # Kept as bytes: a Telegram file id could not be sent to MAX.
        file_id = await keep_file(turn, turn.file)
        if file_id is None:
            return
        kind = turn.file.kind
    await turn.state.update_data(text=text, kind=kind, file_id=file_id, audience={})
    await turn.state.set_state(Compose.audience)
    await _ask_audience(turn)


async def _ask_audience(turn: Turn) -> None:
    t = turn.t
    rows: list[list[Press]] = [[(t("audience-all"), PickCb(field="aud", value="all"))]]
    rows += [
        [(t(f"audience-{role.value}"), PickCb(field="aud", value=role.value))]
        for role in ROLE_CHOICES
    ]
    if can(turn.participant, Action.CHOOSE_MUNICIPALITY):
        rows.append([(t("audience-municipality"), PickCb(field="aud", value="municipality"))])
    rows.append([(t("audience-programme"), PickCb(field="aud", value="programme"))])
    rows.append([(t("audience-schools"), PickCb(field="aud", value="schools"))])
    rows.append([(t("audience-declined"), PickCb(field="aud", value="declined"))])
    rows.append([(t("audience-unsubmitted"), PickCb(field="aud", value="unsubmitted"))])
    await turn.say(t("broadcast-ask-audience"), *rows)


@routes.press(PickCb, state=Compose.audience, field="aud")
async def audience_choice(turn: Turn, action: PickCb) -> None:
    t, session = turn.t, turn.session
    value = action.value
    if value == "all" or value in {role.value for role in ROLE_CHOICES}:
        roles = [] if value == "all" else [value]
        await _audience_chosen(turn, Audience(roles=tuple(Role(r) for r in roles)))
    elif value == "municipality":
        if not can(turn.participant, Action.CHOOSE_MUNICIPALITY):
            raise AccessDenied()
        rows = municipality_rows(await directory.municipalities(session), "broadcast")
        await turn.say(t("choose-municipality"), *rows)
    elif value == "programme":
        programmes = await directory.programmes(session)
        named: list[list[Press]] = [
            [(name, PickCb(field="prog", value=str(i)))] for i, name in enumerate(programmes)
        ]
        await turn.say(t("broadcast-choose-programme"), *named)
    elif value == "unsubmitted":
        choices: list[list[Press]] = [
            [
                (
                    surveys.definition_of(s).title.get(t.locale),
                    PickCb(field="survey", value=str(s.id)),
                )
            ]
            for s in await surveys.open_surveys(session, utcnow())
        ]
        await turn.say(t("broadcast-choose-survey"), *choices)
    elif value == "schools":
        await turn.state.set_state(Compose.schools)
        await turn.say(t("broadcast-ask-schools"))
    elif value == "declined":
        now = utcnow()
        recent = await events.upcoming(session, now - timedelta(days=30), now + timedelta(days=30))
        zone = turn.settings.zone
        dated: list[list[Press]] = [
            [
                (
                    f"{e.starts_at.astimezone(zone):%d.%m} {shorten(e.title, 50)}",
                    PickCb(field="declined", value=str(e.id)),
                )
            ]
            for e in recent
        ]
        await turn.say(t("broadcast-choose-event"), *dated)
    else:
        raise AccessDenied()


@routes.press(MunicipalityCb, state=Compose.audience, purpose="broadcast")
async def municipality_choice(turn: Turn, action: MunicipalityCb) -> None:
    municipality = await directory.municipality(turn.session, action.id)
    await _audience_chosen(turn, Audience(municipality_ids=(municipality.id,)))


@routes.press(PickCb, state=Compose.audience, field="prog")
async def programme_choice(turn: Turn, action: PickCb) -> None:
    programmes = await directory.programmes(turn.session)
    index = whole_number(action.value)
    if index is None or index >= len(programmes):
        raise AccessDenied()
    await _audience_chosen(turn, Audience(programmes=(programmes[index],)))


@routes.press(PickCb, state=Compose.audience, field="declined")
async def declined_choice(turn: Turn, action: PickCb) -> None:
    event_id = whole_number(action.value)
    if event_id is None:
        raise AccessDenied()
    event = await events.event(turn.session, event_id)
    await _audience_chosen(turn, Audience(declined_event_id=event.id))


@routes.press(PickCb, state=Compose.audience, field="survey")
async def survey_choice(turn: Turn, action: PickCb) -> None:
    survey_id = whole_number(action.value)
    if survey_id is None:
        raise AccessDenied()
    survey = await surveys.get(turn.session, survey_id)
    await _audience_chosen(turn, Audience(unsubmitted_survey_id=survey.id))


CODES_SHOWN = 10
CODE_LENGTH = 32  # School.code


def _shown_codes(codes: list[str]) -> str:
    """Typed codes echoed back, a few and each no longer than a code: a Fluent placeable
    takes 1,000 characters at most, and a message 4,096."""
    shown = [code if len(code) <= CODE_LENGTH else code[:CODE_LENGTH] + "…" for code in codes]
    return ", ".join(shown[:CODES_SHOWN] + (["…"] if len(shown) > CODES_SHOWN else []))


@routes.text(state=Compose.schools)
async def schools_typed(turn: Turn) -> None:
    codes = [code for code in re.split(r"[\s,;]+", turn.text) if code][:200]
    schools, missing = await directory.schools_by_codes(turn.session, codes)
    if missing or not schools:
        await turn.say(turn.t("broadcast-unknown-schools", codes=escape(_shown_codes(missing))))
        return
    await _audience_chosen(turn, Audience(school_ids=tuple(s.id for s in schools)))


async def _audience_chosen(turn: Turn, audience: Audience) -> None:
    t = turn.t
    count = await broadcasts.audience_size(turn.session, turn.participant, audience)
    await turn.state.update_data(audience=audience.as_json())
    await turn.state.set_state(Compose.acknowledge)
    await turn.say(
        t("broadcast-audience-size", count=count) + "\n" + t("broadcast-ask-acknowledge"),
        [
            (t("button-yes"), PickCb(field="ack", value="1")),
            (t("button-no"), PickCb(field="ack", value="0")),
        ],
    )


@routes.press(PickCb, state=Compose.acknowledge, field="ack")
async def acknowledge_choice(turn: Turn, action: PickCb) -> None:
    t = turn.t
    await turn.state.update_data(acknowledge=action.value == "1")
    await turn.state.set_state(Compose.when)
    await turn.say(
        t("broadcast-ask-when"), [(t("button-send-now"), PickCb(field="when", value="now"))]
    )


@routes.press(PickCb, state=Compose.when, field="when")
async def when_now(turn: Turn, _: PickCb) -> None:
    await turn.state.update_data(send_at=utcnow().isoformat())
    await _preview(turn)


@routes.text(state=Compose.when)
async def when_typed(turn: Turn) -> None:
    try:
        send_at = parse_moment(turn.text, turn.settings.zone)
    except DomainError:
        await turn.say(turn.t("broadcast-ask-when"))
        return
    if send_at <= utcnow():
        await turn.say(turn.t("error-event-in-past"))
        return
    await turn.state.update_data(send_at=send_at.isoformat())
    await _preview(turn)


async def _preview(turn: Turn) -> None:
    """The announcement exactly as its recipients will get it, between two notes."""
    t = turn.t
    data = await turn.state.get_data()
    draft = _draft(data)
    await turn.state.set_state(Compose.confirm)
    await turn.say(t("broadcast-preview"))
    await turn.show(screen_of(announcement(t, draft)))
    count = await broadcasts.audience_size(
        turn.session, turn.participant, Audience.from_json(data["audience"])
    )
    when = format_when(datetime.fromisoformat(data["send_at"]), turn.settings.zone, t.locale)
    await turn.say(
        t("broadcast-confirm", count=count, when=when),
        [(t("button-broadcast-send"), PickCb(field="send", value="yes"))],
        [(t("button-cancel"), PickCb(field="send", value="no"))],
    )


def _file_id(data: dict[str, object]) -> int | None:
    found = data.get("file_id")
    return found if isinstance(found, int) else None


def _draft(data: dict[str, object]) -> Broadcast:
    return Broadcast(
        id=broadcasts.PREVIEW_ID,
        text=str(data["text"]),
        attachment_kind=data.get("kind"),
        attachment_id=_file_id(data),
        acknowledge=bool(data.get("acknowledge")),
    )


@routes.press(PickCb, state=Compose.confirm, field="send")
async def confirm(turn: Turn, action: PickCb) -> None:
    t = turn.t
    data = await turn.state.get_data()
    await turn.state.clear()
    await turn.chat.replace_buttons(())
    if action.value != "yes":
        await turn.say(t("broadcast-discarded"))
        return
    broadcast, progress = await broadcasts.publish(
        turn.session,
        turn.participant,
        text=str(data["text"]),
        audience=Audience.from_json(data["audience"]),
        send_at=datetime.fromisoformat(data["send_at"]),
        render=_render(turn.translator),
        attachment_kind=data.get("kind"),
        attachment_id=_file_id(data),
        acknowledge=bool(data.get("acknowledge")),
    )
    shown = await turn.say(
        progress_text(t, progress, cancelled=False),
        [(t("button-broadcast-cancel"), BroadcastCb(action="cancel", id=broadcast.id))],
    )
    # The delivery loop edits this message as the copies go out.
    await broadcasts.remember_progress_message(
        turn.session,
        broadcast,
        shown.chat_id,
        shown.message_id,
        channel=shown.channel,
        reference=shown.reference,
    )


# -- recipients -----------------------------------------------------------------------------


@routes.press(AckCb)
async def acknowledge(turn: Turn, action: AckCb) -> None:
    t = turn.t
    await broadcasts.acknowledge(turn.session, turn.participant, action.broadcast, utcnow())
    await turn.chat.toast(t("broadcast-acknowledged"))
    # Pressed twice: the button already says so, and stays.
    await turn.chat.replace_buttons(
        [[(f"✅ {t('button-acknowledged')}", AckCb(broadcast=action.broadcast))]]
    )


# -- reports --------------------------------------------------------------------------------


@routes.press(BroadcastCb, action="card")
async def card(turn: Turn, action: BroadcastCb) -> None:
    t = turn.t
    broadcast, progress = await broadcasts.overview(turn.session, turn.participant, action.id)
    text = f"<b>{escape(_headline(broadcast))}</b>\n" + progress_text(
        t, progress, cancelled=broadcast.status == BroadcastStatus.CANCELLED
    )
    rows: list[list[Press]] = [
        [(t("button-broadcast-who"), BroadcastCb(action="who", id=broadcast.id))],
        [(t("button-broadcast-xlsx"), BroadcastCb(action="xlsx", id=broadcast.id))],
    ]
    if broadcast.acknowledge:
        rows.append([(t("button-broadcast-remind"), BroadcastCb(action="remind", id=broadcast.id))])
    if broadcast.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
        rows.append([(t("button-broadcast-cancel"), BroadcastCb(action="cancel", id=broadcast.id))])
    elif broadcast.status == BroadcastStatus.DONE and progress.resendable:
        resend = BroadcastCb(action="resend", id=broadcast.id)
        rows.append([(t("button-broadcast-resend", count=progress.resendable), resend)])
    rows.append([menu_button(t)])
    await turn.say(text, *rows)


WAITING_SHOWN = 60  # lines in chat; the workbook has them all


@routes.press(BroadcastCb, action="who")
async def who(turn: Turn, action: BroadcastCb) -> None:
    t = turn.t
    waiting = await broadcasts.waiting(turn.session, turn.participant, action.id)
    if not waiting:
        await turn.say(t("broadcast-everyone-done"))
        return
    text = [t("broadcast-waiting-title", count=len(waiting))]
    for line in waiting[:WAITING_SHOWN]:
        if line.delivery == OutboxStatus.SENT:
            state = t("broadcast-not-acknowledged")
        else:
            state = t(f"delivery-{line.delivery}")
        text.append(
            f"• {escape(line.municipality)} · {escape(line.schools or '—')} · "
            f"{escape(line.participant.full_name or '—')}: {state}"
        )
    if len(waiting) > WAITING_SHOWN:
        text.append(t("broadcast-more", count=len(waiting) - WAITING_SHOWN))
    await turn.say("\n".join(text))


@routes.press(BroadcastCb, action="remind")
async def remind(turn: Turn, action: BroadcastCb) -> None:
    """«Напомнить не ознакомившимся»."""
    await _remind(turn, action.id, None)


@routes.press(RemindCb, kind="broadcast")
async def remind_again(turn: Turn, action: RemindCb) -> None:
    """The confirmation of a reminder soon after the last one."""
    await _remind(turn, action.id, action.number)


async def _remind(turn: Turn, broadcast_id: int, confirmed: int | None) -> None:
    now = utcnow()
    reminded = await broadcasts.remind(
        turn.session,
        turn.participant,
        broadcast_id,
        _render(turn.translator, reminder=True),
        now,
        confirmed,
    )
    await tell_reminded(turn, reminded, "broadcast", broadcast_id, now)


@routes.press(BroadcastCb, action="xlsx")
async def workbook(turn: Turn, action: BroadcastCb) -> None:
    lines = await broadcasts.recipients(turn.session, turn.participant, action.id)
    content = recipients_workbook(lines, turn.settings.zone, turn.t)
    name = f"announcement-{action.id}.xlsx"
    await turn.show(Screen(attachment=Attachment(Upload(content, name))))


@routes.press(BroadcastCb, action="resend")
async def resend(turn: Turn, action: BroadcastCb) -> None:
    t = turn.t
    queued = await broadcasts.resend(turn.session, turn.participant, action.id, utcnow())
    # A second press finds nothing failed: pressing twice sends nothing twice.
    text = t("broadcast-resent", count=queued) if queued else t("broadcast-nothing-to-resend")
    await turn.chat.toast(text, alert=True)


@routes.press(BroadcastCb, action="cancel")
async def cancel(turn: Turn, action: BroadcastCb) -> None:
    progress = await broadcasts.stop(turn.session, turn.participant, action.id)
    await turn.show(Screen(progress_text(turn.t, progress, cancelled=True), replace=True))
