"""Rendering of domain objects into message text, in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.i18n import Localizer
from bot.services.directory import SchoolRoster
from bot.services.errors import DomainError
from bot.services.registration import Profile
from bot.services.school_import import ImportPreview
from storage.models import JoinRequest, Municipality, Role, School

MAX_ERRORS_SHOWN = 20


def role_name(t: Localizer, role: Role | str | None) -> str:
    return t(f"role-{Role(role).value}") if role else t("role-none")


def format_when(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """«понедельник, 7 декабря, 10:00 (МСК)» — as people read dates."""
    local = moment.astimezone(zone)
    text = format_datetime(local, "EEEE, d MMMM, HH:mm", locale=locale)
    return text + _zone_suffix(zone, locale)


def _zone_suffix(zone: ZoneInfo, locale: str) -> str:
    return " (МСК)" if zone.key == "Europe/Moscow" and locale == "ru" else f" ({zone.key})"


def format_recent(t: Localizer, moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """«сегодня в 10:15 (МСК)», «вчера в 22:40 (МСК)», else as `format_when`."""
    local = moment.astimezone(zone)
    days = (now.astimezone(zone).date() - local.date()).days
    if days not in (0, 1):
        return format_when(moment, zone, t.locale)
    time = f"{local:%H:%M}{_zone_suffix(zone, t.locale)}"
    return t("when-today" if days == 0 else "when-yesterday", time=time)


def error_text(t: Localizer, error: DomainError) -> str:
    return t(f"error-{error.reason}", **{k: str(v) for k, v in error.details.items()})


def profile_text(t: Localizer, profile: Profile) -> str:
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
    lines.append(t("profile-language", language=t(f"lang-name-{person.locale}")))
    # What an admin asks for to put someone in ADMIN_IDS or to find them.
    lines.append(t("profile-telegram-id", id=str(person.telegram_id)))
    return "\n".join(lines)


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
        t("school-director", name=escape(entry.director.full_name or "—") if entry.director
          else t("school-nobody")),
        t("school-curators", names=escape(", ".join(c.full_name or "—" for c in entry.curators))
          if entry.curators else t("school-nobody")),
    ]  # fmt: skip
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
        reason = t(f"import-row-{error.reason}", value=escape(error.value))
        lines.append(t("import-error-line", row=error.row, reason=reason))
    if len(preview.errors) > MAX_ERRORS_SHOWN:
        lines.append(t("import-more-errors", count=len(preview.errors) - MAX_ERRORS_SHOWN))
    return "\n".join(lines)
