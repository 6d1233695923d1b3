"""Surveys as screens: a question with its buttons, the summary, the list of my surveys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from bot.conversation.actions import SurveyCb
from bot.conversation.buttons import menu_button
from bot.conversation.screens import Press, Screen
from bot.i18n import Localizer
from bot.services.survey_definitions import Question, SurveyDefinition
from bot.services.survey_engine import AnswerError, SurveyEngine
from bot.services.surveys import Mine, OnScreen, Standing
from bot.views import format_when, shorten
from storage.models import ResponseStatus

Rows = list[list[Press]]

EDITS_PER_ROW = 5  # the summary's numbered edit buttons: a compact grid
BAR_CELLS = 10
CHOSEN = "✅ "  # marks the answer given, when a question is shown again


def question_index(definition: SurveyDefinition, question: Question) -> int:
    return [q.id for q in definition.questions].index(question.id)


def progress_bar(share: float) -> str:
    """▓▓▓░░░░░░░: the answered share of what may be asked."""
    filled = round(BAR_CELLS * share)
    return "▓" * filled + "░" * (BAR_CELLS - filled)


def question_message(
    t: Localizer,
    engine: SurveyEngine,
    response_id: int,
    question: Question,
    answers: Mapping[str, Any],
    picked: Sequence[str] = (),
    school: str | None = None,
) -> Screen:
    """«Вопрос 3 из 12» with a bar, the school answered for (if named), the question, its
    help, and the buttons its type needs. A question answered before (after «Назад») shows
    that answer: marked on its button, or «Сейчас: …» with «Оставить ответ» when typed."""
    locale = t.locale
    number, total = engine.position(answers, question.id)
    bar = progress_bar(engine.answered_share(answers))
    lines = [f"{t('survey-question-of', number=number, total=total)}  {bar}"]
    if school is not None:
        lines.append(t("survey-for-school", school=escape(school)))
    lines.append(f"<b>{escape(question.text.get(locale))}</b>")
    if question.help is not None:
        lines.append(f"<i>{escape(question.help.get(locale))}</i>")
    index = question_index(engine.definition, question)
    answered = question.id in answers
    given = answers.get(question.id)

    def button(action: str, value: str = "") -> SurveyCb:
        return SurveyCb(action=action, response=response_id, q=index, v=value)

    def mark(label: str, chosen: bool) -> str:
        return CHOSEN + label if answered and chosen else label

    rows: Rows = []
    if question.type == "single":
        rows += [
            [(mark(o.label.get(locale), o.id == given), button("ans", str(i)))]
            for i, o in enumerate(question.options)
        ]
    elif question.type == "multi":
        for i, option in enumerate(question.options):
            tick = "☑ " if option.id in picked else "☐ "
            rows.append([(tick + option.label.get(locale), button("tog", str(i)))])
        rows.append([(t("survey-done"), button("done"))])
        lines.append(t("survey-multi-hint"))
    elif question.type == "scale":
        assert question.scale is not None
        values = range(question.scale.min, question.scale.max + 1)
        rows.append([(mark(str(v), v == given), button("ans", str(v))) for v in values])
        lines.append(
            t(
                "survey-scale-ends",
                low=question.scale.min,
                low_label=escape(question.scale.min_label.get(locale)),
                high=question.scale.max,
                high_label=escape(question.scale.max_label.get(locale)),
            )
        )
    elif question.type == "yes_no":
        rows.append(
            [
                (mark(t("survey-yes"), given is True), button("ans", "1")),
                (mark(t("survey-no"), given is False), button("ans", "0")),
            ]
        )
    else:
        lines.append(t("survey-type-number" if question.type == "number" else "survey-type-text"))
        if answered:
            lines.append(t("survey-current", answer=escape(format_answer(t, question, given))))
            rows.append([(t("survey-keep"), button("keep"))])
    navigation: list[Press] = []
    if engine.previous(answers, question.id) is not None:
        navigation.append((t("survey-back"), button("back")))
    if not question.required:
        navigation.append((t("survey-skip"), button("skip")))
    if navigation:
        rows.append(navigation)
    return Screen("\n".join(lines), rows)


def format_answer(t: Localizer, question: Question, value: Any) -> str:
    locale = t.locale
    if value is None:
        return t("survey-skipped")
    if question.type == "single":
        return next(o.label.get(locale) for o in question.options if o.id == value)
    if question.type == "multi":
        labels = [o.label.get(locale) for o in question.options if o.id in value]
        return ", ".join(labels) or t("survey-skipped")
    if question.type == "yes_no":
        return t("survey-yes") if value else t("survey-no")
    if question.type in ("number", "scale"):
        return format_number(value, locale)
    return str(value)


def format_number(value: float, locale: str) -> str:
    """«2,5» in Russian, "2.5" in English; whole numbers without a fraction."""
    return format_decimal(value, format="#,##0.###", locale=locale)


def answer_error(t: Localizer, error: AnswerError) -> str:
    """Why a value does not fit, its numbers (a question's limits) written as the reader
    writes them; a missing limit is «—»."""
    details = {
        key: "—"
        if value is None
        else format_number(value, t.locale)
        if isinstance(value, int | float)
        else str(value)
        for key, value in error.details.items()
    }
    return t(f"survey-error-{error.reason}", **details)


def summary_message(
    t: Localizer,
    engine: SurveyEngine,
    response_id: int,
    answers: Mapping[str, Any],
    submitted: bool,
    editable: bool,
    read_only: str = "survey-read-only",
    school: str | None = None,
) -> Screen:
    """Every answer; while `editable`, the submit on top and a grid of numbered edit
    buttons, else the `read_only` note (the key of why not) and the way back to the menu."""
    if editable:
        header = "survey-summary-submitted" if submitted else "survey-summary"
    else:
        header = "survey-summary-sent" if submitted else "survey-summary-view"
    lines = [t(header)]
    if school is not None:
        lines.append(t("survey-for-school", school=escape(school)))
    edits: list[Press] = []
    for number, question in enumerate(engine.visible(answers), start=1):
        answer = escape(format_answer(t, question, answers.get(question.id)))
        lines.append(f"{number}. {escape(question.text.get(t.locale))}\n   → {answer}")
        index = question_index(engine.definition, question)
        edits.append(
            (
                t("survey-edit", number=number),
                SurveyCb(action="edit", response=response_id, q=index),
            )
        )
    rows: Rows = []
    if editable:
        if not submitted:
            rows.append([(t("survey-submit"), SurveyCb(action="submit", response=response_id))])
        lines.append(t("survey-edit-hint"))
        rows += [edits[i : i + EDITS_PER_ROW] for i in range(0, len(edits), EDITS_PER_ROW)]
    else:
        lines.append(t(read_only))
        rows.append([menu_button(t)])
    return Screen("\n".join(lines), rows)


def status_line(t: Localizer, standing: Standing, submitted: bool) -> str:
    """«не начата», «вопрос 4 из 8» (the question the person is at), «все ответы даны…»,
    «отправлена»."""
    if submitted:
        return t("survey-status-submitted")
    if standing.complete:
        return t("survey-status-ready")
    if standing.number == 0:
        return t("survey-status-not-started")
    return t("survey-status-progress", number=standing.number, total=standing.total)


def deadline(t: Localizer, closes_at: Any, zone: ZoneInfo) -> str:
    return t("survey-deadline", when=format_when(closes_at, zone, t.locale))


def on_screen(t: Localizer, shown: OnScreen) -> Screen:
    """The question the respondent is at, or the summary (with why it cannot change when
    it cannot: the window closed, or the response is someone else's)."""
    response = shown.response
    if shown.step is None:
        return summary_message(
            t,
            shown.engine,
            response.id,
            shown.answers,
            submitted=response.status == ResponseStatus.SUBMITTED,
            editable=shown.editable,
            read_only="survey-read-only" if shown.mine else "survey-read-only-earlier",
            school=shown.school,
        )
    question = shown.engine.definition.questions[shown.step]
    return question_message(
        t, shown.engine, response.id, question, shown.answers, response.picked, shown.school
    )


def saved(
    t: Localizer,
    question: Question,
    answers: Mapping[str, Any],
    dropped: Sequence[Question] = (),
) -> str:
    """«✅ Ответ сохранён: «Вопрос?» — ответ»: what was saved, above the next step; then
    each later question it ruled out, whose answer was deleted with it."""
    lines = [
        t(
            "survey-saved",
            question=escape(question.text.get(t.locale)),
            answer=escape(format_answer(t, question, answers.get(question.id))),
        )
    ]
    lines += [t("survey-dropped", question=escape(gone.text.get(t.locale))) for gone in dropped]
    return "\n".join(lines)


def mine_screen(t: Localizer, found: Mine, zone: ZoneInfo) -> Screen:
    """/surveys: each open survey with where the person is and its deadline, a button to
    start, go on or look; then the closed rounds' responses, to read."""
    if not found.open and not found.closed:
        return Screen(t("surveys-none"))
    lines = [t("surveys-title")] if found.open else [t("surveys-none")]
    rows: Rows = []
    for item, standing in found.open:
        title = item.definition.title.get(t.locale)
        school = f" — {escape(item.school.short_name)}" if item.school else ""
        submitted = item.response is not None and item.response.status == ResponseStatus.SUBMITTED
        status = status_line(t, standing, submitted)
        lines.append(
            f"• <b>{escape(title)}</b>{school}: {status}. "
            + deadline(t, item.survey.closes_at, zone)
        )
        label = t(
            "survey-start"
            if item.response is None
            else "survey-view"
            if submitted
            else "survey-continue"
        )
        opening = SurveyCb(
            action="open", survey=item.survey.id, school=item.school.id if item.school else 0
        )
        rows.append([(f"{label}: {shorten(title, 30)}", opening)])
    if found.closed:
        # Rounds already closed: what was given can be read, nothing changed.
        lines += ["", t("surveys-closed-title")]
    for answered in found.closed:
        title = answered.definition.title.get(t.locale)
        school = f" — {escape(answered.school.short_name)}" if answered.school else ""
        sent = answered.response.status == ResponseStatus.SUBMITTED
        status = t("survey-status-closed-submitted" if sent else "survey-status-closed-unsent")
        when = deadline(t, answered.survey.closes_at, zone)
        lines.append(f"• <b>{escape(title)}</b>{school}: {status}. {when}")
        viewing = SurveyCb(action="view", response=answered.response.id)
        rows.append([(f"{t('survey-view')}: {shorten(title, 30)}", viewing)])
    return Screen("\n".join(lines), rows)
