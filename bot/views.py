"""Rendering of domain objects into message text, in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.i18n import Localizer, Translator
from bot.services.directory import SchoolRoster
from bot.services.errors import DomainError
from bot.services.registration import Profile
from bot.services.school_import import ImportPreview
from bot.services.survey_definitions import Problem
from storage.db import failure_kind, failure_reason
from storage.models import Account, Channel, JoinRequest, Municipality, Participant, Role, School

MAX_ERRORS_SHOWN = 20
MAX_VALUE_SHOWN = 40  # a refused row's value, echoed as a label
ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: cut at the last word that fits, with «…».

    «Опрос вовлечённости руководителей» at 30 → «Опрос вовлечённости…», never
    «Опрос вовлечённости руководите». Runs of spaces count as one. A single word longer
    than the limit is the only thing cut inside a word (there is no boundary to cut at)."""
    plain = " ".join(text.split())
    if len(plain) <= limit:
        return plain
    room = plain[: max(limit - len(ELLIPSIS), 0) + 1]
    cut = room.rfind(" ")
    kept = room[:cut] if cut > 0 else room[:-1]
    # «Итоги,…» or «Итоги —…» read badly: the mark before the cut goes too.
    return kept.rstrip(" ,;:—–-") + ELLIPSIS


def role_name(t: Localizer, role: Role | str | None) -> str:
    return t(f"role-{Role(role).value}") if role else t("role-none")


def format_when(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """«понедельник, 7 декабря, 10:00 (МСК)» — as people read dates."""
    local = moment.astimezone(zone)
    text = format_datetime(local, "EEEE, d MMMM, HH:mm", locale=locale)
    return text + _zone_suffix(zone, locale, moment)


def _zone_suffix(zone: ZoneInfo, locale: str, moment: datetime | None = None) -> str:
    return f" ({zone_label(zone, locale, moment)})"


def zone_label(zone: ZoneInfo, locale: str, moment: datetime | None = None) -> str:
    """How the bot's zone is named beside a time: «МСК» for Moscow in Russian; otherwise
    the zone's short name where it has a spelled one («MSK», «CET»; in English only, as
    Russian text takes no Latin abbreviations), else its UTC offset at `moment` («UTC+4»)."""
    if zone.key == "Europe/Moscow" and locale == "ru":
        return "МСК"
    local = (moment or datetime.now(zone)).astimezone(zone)
    name = local.tzname() or ""
    if locale != "ru" and name.isalpha():
        return name
    offset = local.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    hours, rest = divmod(abs(int(offset.total_seconds())) // 60, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02}" if rest else "") if offset else "UTC"


def format_recent(t: Localizer, moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """«сегодня в 10:15 (МСК)», «вчера в 22:40 (МСК)», else as `format_when`."""
    local = moment.astimezone(zone)
    days = (now.astimezone(zone).date() - local.date()).days
    if days not in (0, 1):
        return format_when(moment, zone, t.locale)
    time = f"{local:%H:%M}{_zone_suffix(zone, t.locale, moment)}"
    return t("when-today" if days == 0 else "when-yesterday", time=time)


def survey_problem(t: Localizer, problem: str) -> str:
    """A survey file's problem in the reader's language: «Вопрос q4 (поле questions.3.type):
    недопустимое значение…»; one the locales do not know yet stays as it is (English)."""
    if not isinstance(problem, Problem) or not t.translator.has(
        t.locale, f"survey-problem-{problem.key}"
    ):
        return problem
    args = {key: str(value) for key, value in problem.args.items()}
    text = t(f"survey-problem-{problem.key}", **args)
    field = args.get("field", "")
    if problem.question:
        key = "survey-problem-in-question-field" if field else "survey-problem-in-question"
        return t(key, question=problem.question, field=field, problem=text)
    return t("survey-problem-at-field", field=field, problem=text) if field else text


def database_failure(t: Localizer, error: BaseException, database_url: str) -> str:
    """Why the database did not answer, in the reader's language; the driver's own words
    (never the password) only when the failure is not one of the common kinds."""
    kind = failure_kind(error)
    return t(f"database-{kind}", reason=failure_reason(error, database_url))


def error_text(t: Localizer, error: DomainError) -> str:
    return t(f"error-{error.reason}", **{k: str(v) for k, v in error.details.items()})


def apology(translator: Translator, t: Localizer | None) -> str:
    """What a person is told when their update failed: in their language, or in the
    default one when the failure came before their participant was loaded."""
    if t is None:
        t = translator.for_locale(translator.default_locale)
    return t("error-apology")


def channel_name(t: Localizer, channel: Channel | str) -> str:
    """«Telegram», «MAX»: as the messenger calls itself."""
    return t(f"channel-{Channel(channel).value}")


def accounts_lines(t: Localizer, person: Participant, in_use: Account | None) -> list[str]:
    """The person's messengers (this chat's marked) and where the bot writes to them;
    nothing for a person with one account."""
    if len(person.accounts) < 2:
        return []
    names = [
        t("profile-account-here", channel=channel_name(t, account.channel))
        if account is in_use
        else channel_name(t, account.channel)
        for account in person.accounts
    ]
    lines = [t("profile-accounts", accounts=", ".join(names))]
    if (contact := person.contact) is not None:
        lines.append(t("profile-contact", channel=channel_name(t, contact.channel)))
    return lines


def profile_text(t: Localizer, profile: Profile, in_use: Account | None = None) -> str:
    person = profile.participant
    lines = [
        t("profile-title"),
        t("profile-name", name=escape(person.full_name or "—")),
        t("profile-role", role=role_name(t, person.role)),
    ]
    if profile.municipality is not None:
        lines.append(t("profile-municipality", municipality=escape(profile.municipality.name)))
    if profile.schools:
        schools = "; ".join(escape(school.short_name) for school in profile.schools)
        lines.append(t("profile-schools", schools=schools))
    lines += accounts_lines(t, person, in_use)
    lines.append(t("profile-language", language=t(f"lang-name-{person.locale}")))
    lines += account_id_lines(t, person)
    return "\n".join(lines)


def account_id_lines(t: Localizer, person: Participant) -> list[str]:
    """The person's id on each messenger they use: what an admin asks for to put someone
    in ADMIN_IDS (Telegram) or MAX_ADMIN_IDS (MAX), or to find them."""
    lines = []
    telegram_id = person.external_id(Channel.TELEGRAM)
    if telegram_id is not None:
        lines.append(t("profile-telegram-id", id=str(telegram_id)))
    max_id = person.external_id(Channel.MAX)
    if max_id is not None:
        lines.append(t("profile-max-id", id=str(max_id)))
    return lines


def join_card(
    t: Localizer,
    role: Role,
    name: str,
    school: School | None,
    municipality: Municipality | None,
) -> str:
    lines = [t("join-card-title"), t("profile-name", name=escape(name))]
    lines.append(t("profile-role", role=role_name(t, role)))
    if municipality is not None:
        lines.append(t("profile-municipality", municipality=escape(municipality.name)))
    if school is not None:
        lines.append(t("profile-schools", schools=escape(school.full_name)))
    return "\n".join(lines)


def request_text(t: Localizer, request: JoinRequest) -> str:
    return t(
        "request-card",
        name=escape(request.full_name),
        role=role_name(t, request.role),
        school=escape(request.school.full_name),
        municipality=escape(request.school.municipality.short_name),
    )


def roster_text(
    t: Localizer, municipality: Municipality, entries: Sequence[SchoolRoster], page: int, pages: int
) -> str:
    with_director = sum(1 for entry in entries if entry.director)
    lines = [
        t(
            "roster-title",
            municipality=escape(municipality.name),
            schools=len(entries),
            directors=with_director,
        )
    ]
    start = page * ROSTER_PAGE
    for entry in entries[start : start + ROSTER_PAGE]:
        mark = "✅" if entry.director else "—"
        lines.append(
            t(
                "roster-line",
                mark=mark,
                school=escape(entry.school.short_name),
                curators=len(entry.curators),
            )
        )
    if pages > 1:
        lines.append(t("page-of", page=page + 1, pages=pages))
    return "\n".join(lines)


ROSTER_PAGE = 8


def school_card(t: Localizer, entry: SchoolRoster) -> str:
    school = entry.school
    lines = [
        f"<b>{escape(school.full_name)}</b>",
        t("school-code", code=escape(school.code)),
        t("school-programmes", programmes=escape(", ".join(school.programmes) or "—")),
        t(
            "school-director",
            name=escape(entry.director.full_name or "—") if entry.director else t("school-nobody"),
        ),
        t(
            "school-curators",
            names=escape(", ".join(c.full_name or "—" for c in entry.curators))
            if entry.curators
            else t("school-nobody"),
        ),
    ]
    return "\n".join(lines)


def import_preview_text(t: Localizer, preview: ImportPreview) -> str:
    lines = [
        t(
            "import-preview",
            new=len(preview.new),
            updated=len(preview.updated),
            unchanged=preview.unchanged,
            errors=len(preview.errors),
        )
    ]
    for error in preview.errors[:MAX_ERRORS_SHOWN]:
        value = escape(shorten(error.value, MAX_VALUE_SHOWN))
        reason = t(f"import-row-{error.reason}", value=value)
        lines.append(t("import-error-line", row=error.row, reason=reason))
    if len(preview.errors) > MAX_ERRORS_SHOWN:
        lines.append(t("import-more-errors", count=len(preview.errors) - MAX_ERRORS_SHOWN))
    return "\n".join(lines)
