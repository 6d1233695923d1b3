"""The coordinators' analysis in chat: a survey round's summary, charts as pictures, the
low-engagement schools, and the workbook or CSV files as documents.

Every press re-checks the role and limits the views to the coordinator's municipality
(`analytics.scope_of`); the survey and the question come from the button and are checked
against the database, so a stale or forged button gets an explanation, not a crash."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from html import escape

from bot.conversation.actions import AnalysisCb, MenuCb
from bot.conversation.buttons import menu_button
from bot.conversation.routes import Routes
from bot.conversation.screens import Attachment, Press, Screen, Upload
from bot.conversation.turn import Turn
from bot.i18n import Localizer
from bot.reports import analysis as report_files
from bot.reports import charts
from bot.services import analytics
from bot.services.errors import DomainError
from bot.settings import Settings
from bot.views import format_when, shorten
from storage.types import utcnow

PERIODS = (30, 90, 180, 365)
LOW_SHOWN = 15  # schools listed in chat; the workbook has them all
Row = list[Press]

routes = Routes("analytics")


def _percent(share: float | None) -> str:
    return f"{share:.0%}" if share is not None else "—"


@routes.press(MenuCb, item="analytics")
async def rounds_list(turn: Turn, _: MenuCb) -> None:
    session, t = turn.session, turn.t
    analytics.scope_of(turn.participant)
    rows: list[Row] = []
    for item in (await analytics.opened_rounds(session))[:20]:
        title = item.definition.title.get(t.locale)
        label = t("analysis-button-round", title=shorten(title, 40), round=item.number)
        rows.append([(label, AnalysisCb(action="card", survey=item.latest_id))])
    rows.append([(t("analysis-button-low"), AnalysisCb(action="low"))])
    rows.append([menu_button(t)])
    text = t("analysis-title") if len(rows) > 2 else t("analysis-none")
    await turn.say(text, *rows)


def _card_keyboard(survey: int, t: Localizer) -> list[Row]:
    def button(key: str, action: str) -> Press:
        return t(key), AnalysisCb(action=action, survey=survey)

    return [
        [button("analysis-button-rates", "rates"), button("analysis-button-question", "questions")],
        [button("analysis-button-index", "index"), button("analysis-button-low", "low")],
        [button("analysis-button-xlsx", "xlsx"), button("analysis-button-anonymised", "anon")],
        [button("analysis-button-csv", "csv")],
        [(t("analysis-button-back"), MenuCb(item="analytics")), menu_button(t)],
    ]


@routes.press(AnalysisCb, action="card")
async def card(turn: Turn, action: AnalysisCb) -> None:
    """The round in a few lines: who has answered, the best and the slowest places."""
    settings, t = turn.settings, turn.t
    summary = await analytics.round_summary(turn.session, turn.participant, action.survey)
    where, rates, chosen = summary.where, summary.rates, summary.rates.round
    total = rates.total
    lines = [
        t(
            "analysis-card",
            title=escape(chosen.definition.title.get(t.locale)),
            round=chosen.number,
            scope=escape(_scope(where, t)),
            deadline=_when(chosen.closes_at, settings, t),
            submitted=total.submitted,
            expected=total.expected,
            share=_percent(total.share),
            in_progress=total.in_progress,
            not_started=total.not_started,
        )
    ]
    if total.unattended:
        lines.append(
            t("analysis-card-unattended", count=total.unattended, unit=chosen.definition.unit)
        )
    if summary.previous is not None:
        before = summary.previous
        lines.append(
            t(
                "analysis-card-previous",
                round=before.round.number,
                share=_percent(before.total.share),
            )
        )
    if where.municipality_id is None:
        lowest, highest = analytics.extremes(
            {m: r.share for m, r in rates.municipalities.items() if r.share is not None}
        )
        if lowest:
            lines.append(t("analysis-card-lowest", places=_places(where, lowest)))
        if highest:
            lines.append(t("analysis-card-highest", places=_places(where, highest)))
    else:
        waiting = [
            r.school.short_name for r in rates.schools if r.rate.submitted == 0 and r.rate.expected
        ]
        if waiting:
            shown = ", ".join(escape(name) for name in waiting[:10])
            more = len(waiting) - 10
            lines.append(t("analysis-card-waiting", schools=shown, more=max(more, 0)))
    await turn.say("\n".join(lines), *_card_keyboard(chosen.latest_id, t))


def _scope(where: analytics.Places, t: Localizer) -> str:
    if where.municipality_id is None:
        return t("analysis-region")
    return where.municipality(where.municipality_id)


def _when(moment: datetime | None, settings: Settings, t: Localizer) -> str:
    return format_when(moment, settings.zone, t.locale) if moment else "—"


def _places(where: analytics.Places, ranked: Sequence[tuple[int, float | None]]) -> str:
    return ", ".join(f"{escape(where.municipality(m))} {_percent(share)}" for m, share in ranked)


async def _send_picture(
    turn: Turn,
    draw: Callable[[], charts.Chart],
    name: str,
    empty: str,
) -> None:
    """Draws in a worker thread (a chart takes a fraction of a second of CPU) and sends it
    with its caption; `empty`: what to say when there is nothing to draw."""

    def render() -> tuple[bytes, str]:
        chart = draw()
        return chart.png(), chart.caption

    try:
        picture, caption = await asyncio.to_thread(render)
    except LookupError:
        await turn.say(turn.t(empty), [menu_button(turn.t)])
        return
    await turn.show(Screen(caption, attachment=Attachment(Upload(picture, name), "photo")))


@routes.press(AnalysisCb, action="rates")
async def rates_chart(turn: Turn, action: AnalysisCb) -> None:
    session, t = turn.session, turn.t
    where, chosen = await analytics.scoped_round(session, turn.participant, action.survey)
    rates = await analytics.response_rates(session, where, chosen)

    def draw() -> charts.Chart:
        return charts.response_rates(rates, where, t, t.locale)

    await _send_picture(turn, draw, "rates.png", "analysis-no-data-rates")


@routes.press(AnalysisCb, action="questions")
async def questions(turn: Turn, action: AnalysisCb) -> None:
    t = turn.t
    analytics.scope_of(turn.participant)
    chosen = await analytics.round_of_survey(turn.session, action.survey)
    rows: list[Row] = [
        [
            (
                f"{index + 1}. {shorten(question.text.get(t.locale), 50)}",
                AnalysisCb(action="question", survey=chosen.latest_id, q=index),
            )
        ]
        for index, question in enumerate(chosen.definition.questions)
        if question.type != "text"
    ]
    rows.append([(t("analysis-button-back"), AnalysisCb(action="card", survey=chosen.latest_id))])
    await turn.say(t("analysis-questions"), *rows)


@routes.press(AnalysisCb, action="question")
async def question_chart(turn: Turn, action: AnalysisCb) -> None:
    session, t = turn.session, turn.t
    where, chosen = await analytics.scoped_round(session, turn.participant, action.survey)
    asked = chosen.definition.questions
    if not 0 <= action.q < len(asked) or asked[action.q].type == "text":
        raise DomainError("analysis-no-question")
    question_id = asked[action.q].id
    found = await analytics.distributions(session, where, chosen)
    await _send_picture(
        turn,
        lambda: charts.question(found, question_id, where, t, t.locale),
        f"{question_id}.png",
        "analysis-no-data",
    )


def _period(action: AnalysisCb, settings: Settings) -> tuple[int, datetime, datetime]:
    days = action.days if action.days in PERIODS else settings.engagement_period_days
    now = utcnow()
    return days, now - timedelta(days=days), now


@routes.press(AnalysisCb, action="index")
async def index_chart(turn: Turn, action: AnalysisCb) -> None:
    settings, t = turn.settings, turn.t
    _, start, now = _period(action, settings)
    where, found = await analytics.scoped_engagement(
        turn.session, turn.participant, start, now, settings.engagement_rules
    )

    def draw() -> charts.Chart:
        return charts.engagement_ranking(found, where, t)

    await _send_picture(turn, draw, "engagement.png", "analysis-no-data-index")


@routes.press(AnalysisCb, action="low")
async def low_engagement(turn: Turn, action: AnalysisCb) -> None:
    """The schools below the threshold, with what pulls each one down; other periods."""
    settings, t = turn.settings, turn.t
    days, start, now = _period(action, settings)
    where, found = await analytics.scoped_engagement(
        turn.session, turn.participant, start, now, settings.engagement_rules
    )
    low = found.low()
    threshold = f"{found.rules.threshold:g}"
    lines = [
        t("analysis-low-title", threshold=threshold, days=days, scope=escape(_scope(where, t)))
    ]
    for place, item in enumerate(low[:LOW_SHOWN], start=1):
        weak = report_files.component_summary(item, item.weak(found.rules.threshold), t)
        lines.append(
            t(
                "analysis-low-line",
                place=place,
                school=escape(item.school.short_name),
                municipality=escape(where.municipality(item.school.municipality_id)),
                index=f"{item.index or 0:.0f}",
                weak=escape(weak),
            )
        )
    if not low:
        lines.append(t("analysis-low-none"))
    elif len(low) > LOW_SHOWN:
        lines.append(t("analysis-low-more", more_count=len(low) - LOW_SHOWN))
    unattended = [s.school.short_name for s in found.unattended()]
    if unattended:
        lines.append(
            t(
                "analysis-low-unattended",
                count=len(unattended),
                schools=", ".join(escape(name) for name in unattended[:LOW_SHOWN]),
                more=max(len(unattended) - LOW_SHOWN, 0),
            )
        )
    survey = action.survey
    periods: Row = [
        (
            t("analysis-button-days", days=d) + (" ✅" if d == days else ""),
            AnalysisCb(action="low", survey=survey, days=d),
        )
        for d in PERIODS
    ]
    back = AnalysisCb(action="card", survey=survey) if survey else MenuCb(item="analytics")
    rows: list[Row] = [
        periods,
        [(t("analysis-button-index"), AnalysisCb(action="index", survey=survey, days=days))],
        [(t("analysis-button-back"), back), menu_button(t)],
    ]
    await turn.say("\n".join(lines), *rows)


@routes.press(AnalysisCb, action={"xlsx", "anon", "csv"})
async def files(turn: Turn, action: AnalysisCb) -> None:
    """The whole report as an Excel workbook (with or without names) or CSV files."""
    session, settings, t = turn.session, turn.settings, turn.t
    chosen = await analytics.round_of_survey(session, action.survey)
    days, start, now = _period(action, settings)
    report = await analytics.report(
        session,
        turn.participant,
        chosen.code,
        round_number=chosen.number,
        start=start,
        end=now,
        now=now,
        rules=settings.engagement_rules,
        divergence=settings.divergence_threshold,
        anonymised=action.action == "anon",
    )
    tables = report_files.tables(report, t, t.locale, settings.zone)
    name = f"{chosen.code}-round{chosen.number}"
    if action.action == "csv":
        content = await asyncio.to_thread(report_files.csv_archive, tables)
        document = Upload(content, f"{name}-csv.zip")
    else:
        content = await asyncio.to_thread(report_files.workbook, tables)
        suffix = "-anonymised" if report.anonymised else ""
        document = Upload(content, f"{name}{suffix}.xlsx")
    caption = t(
        "analysis-file-caption",
        title=escape(chosen.definition.title.get(t.locale)),
        round=chosen.number,
        days=days,
    )
    await turn.show(Screen(caption, attachment=Attachment(document)))
