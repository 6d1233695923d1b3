"""Survey definitions and answers for the analysis tests: a directors' survey (every
question type when `full`) and a curators' one, answered as a person would."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import surveys
from bot.services.survey_definitions import SurveyDefinition
from storage.models import Participant, School, Survey

OPTIONS = [{"id": i, "label": {"ru": i.upper(), "en": i.upper()}} for i in ("a", "b", "c")]
SCALE = {
    "min": 1,
    "max": 5,
    "min_label": {"ru": "мало", "en": "low"},
    "max_label": {"ru": "много", "en": "high"},
}


def both_locales(ru: str) -> dict[str, str]:
    return {"ru": ru, "en": ru}


def definition(code: str, unit: str, roles: list[str], full: bool) -> SurveyDefinition:
    questions: list[dict[str, Any]] = [
        {"id": "q_single", "type": "single", "text": both_locales("Один"), "options": OPTIONS},
        {"id": "q_scale", "type": "scale", "text": both_locales("Шкала"), "scale": SCALE},
    ]
    if full:
        multi = [{"id": i, "label": both_locales(i.upper())} for i in ("x", "y", "z")]
        questions += [
            {"id": "q_multi", "type": "multi", "text": both_locales("Много"), "options": multi},
            {"id": "q_yes", "type": "yes_no", "text": both_locales("Да?")},
            {"id": "q_text", "type": "text", "text": both_locales("Текст"), "required": False},
        ]
    return SurveyDefinition.model_validate(
        {
            "code": code,
            "title": both_locales(code),
            "description": both_locales(code),
            "audience": {"roles": roles},
            "unit": unit,
            "questions": questions,
            "compare_with": "cur" if code == "dir" else None,
        }
    )


async def answer(
    session: AsyncSession,
    who: Participant,
    survey: Survey,
    school: School | None,
    values: dict[str, Any],
    at: datetime,
    *,
    submit: bool = True,
) -> None:
    response = await surveys.start(session, who, survey.id, at, school.id if school else None)
    for question, value in values.items():
        await surveys.record(session, who, response.id, question, value, at, skip=value is None)
    if submit:
        await surveys.submit(session, who, response.id, at)
