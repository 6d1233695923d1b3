"""Survey definitions and the engine (surveys issue, first part: no storage, no chat yet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.services.survey_definitions import (
    SurveyDefinition,
    SurveyFileError,
    load_definition,
    parse_definition,
)
from bot.services.survey_engine import AnswerError, SurveyEngine
from bot.settings import PROJECT_ROOT

SURVEYS = sorted((PROJECT_ROOT / "data" / "surveys").glob("*.yaml"))


@pytest.mark.parametrize("path", SURVEYS, ids=[p.name for p in SURVEYS])
def test_shipped_templates_are_valid(path: Path) -> None:
    definition = load_definition(path)
    assert definition.template
    assert definition.title.ru
    assert definition.title.en


BAD = """
code: broken
title: {ru: Т, en: T}
description: {ru: О, en: D}
audience: {roles: [director]}
unit: school
questions:
  - id: first
    type: single
    text: {ru: А, en: A}
    options: [{id: a, label: {ru: А, en: A}}]
    show_if: {question: second, equals: x}
  - id: second
    type: scale
    text: {ru: Б, en: B}
  - id: second
    type: yes_no
    text: {ru: В, en: C}
    options: [{id: a, label: {ru: А, en: A}}]
  - id: third
    type: text
    text: {ru: Г, en: D}
    show_if: {question: nowhere, equals: x}
"""


def test_a_bad_file_is_refused_with_every_problem_named() -> None:
    with pytest.raises(SurveyFileError) as error:
        parse_definition(BAD, Path("broken.yaml"))
    message = str(error.value)
    assert message.startswith("broken.yaml: ")
    for expected in (
        "question first: a choice needs at least two options",
        "question first: show_if refers to a later question 'second'",
        "question second: a scale question needs `scale`",
        "question second: duplicate id",
        "question second: a yes_no question has no options",
        "question third: show_if refers to an unknown question 'nowhere'",
    ):
        assert expected in message


def test_yaml_and_field_errors_name_the_place() -> None:
    with pytest.raises(SurveyFileError, match=r"line \d+: not valid YAML"):
        parse_definition("code: [unclosed", Path("x.yaml"))
    wrong_type = BAD.replace("type: scale", "type: slider", 1)
    with pytest.raises(SurveyFileError, match=r"question second \(questions\.1\.type\)"):
        parse_definition(wrong_type, Path("x.yaml"))


@pytest.fixture
def engine() -> SurveyEngine:
    return SurveyEngine(load_definition(PROJECT_ROOT / "data/surveys/engagement_directors.yaml"))


def test_show_if_hides_and_prunes(engine: SurveyEngine) -> None:
    answers: dict[str, Any] = {}
    answers = engine.answer(answers, "curator_contact", "never")
    assert "curator_helpful" not in [q.id for q in engine.visible(answers)]
    answers = engine.answer(answers, "curator_contact", "weekly")
    answers = engine.answer(answers, "curator_helpful", 4)
    # Changing the earlier answer hides the later question and drops its answer.
    answers = engine.answer(answers, "curator_contact", "never")
    assert "curator_helpful" not in answers
    with pytest.raises(AnswerError, match="unknown-question"):
        engine.answer(answers, "curator_helpful", 4)


def test_values_are_checked(engine: SurveyEngine) -> None:
    number = engine.definition.question("webinars_attended")
    assert engine.parse(number, " 3 ") == 3
    assert engine.parse(number, "1 200") == 1200
    # A count takes whole numbers only; a decimal question (`decimal: true`) takes a comma.
    for fraction in ("2,5", "2.5"):
        with pytest.raises(AnswerError, match="not-whole"):
            engine.parse(number, fraction)
    with pytest.raises(AnswerError, match="not-whole"):
        engine.check(number, 2.5)
    decimal = number.model_copy(update={"decimal": True})
    assert engine.parse(decimal, "2,5") == 2.5
    assert engine.parse(decimal, "2.0") == 2
    for wrong in ("три", "1e3", "inf", "nan", "2,5,1", "٣"):
        with pytest.raises(AnswerError, match="not-a-number"):
            engine.parse(decimal, wrong)
    with pytest.raises(AnswerError, match="not-a-number"):
        engine.check(number, engine.parse(number, "9" * 5000))
    with pytest.raises(AnswerError, match="out-of-range"):
        engine.check(number, 51)
    with pytest.raises(AnswerError, match="out-of-scale"):
        engine.check(engine.definition.question("programme_progress"), 6)
    with pytest.raises(AnswerError, match="picks"):
        engine.check(engine.definition.question("antirisk_measures"), [])
    assert engine.check(
        engine.definition.question("antirisk_measures"), ["climate", "motivation"]
    ) == ["motivation", "climate"]
    with pytest.raises(AnswerError, match="too-long"):
        engine.check(engine.definition.question("comment"), "я" * 1001)
    with pytest.raises(AnswerError, match="required"):
        engine.skip({}, "meetings_attended")
    assert engine.skip({}, "comment") == {"comment": None}


def valid_value(question: Any, draw: Any) -> Any:
    if question.type == "single":
        return draw(st.sampled_from(question.option_ids()))
    if question.type == "multi":
        low = question.min_picks or (1 if question.required else 0)
        high = question.max_picks or len(question.options)
        return draw(
            st.lists(
                st.sampled_from(question.option_ids()), min_size=low, max_size=high, unique=True
            )
        )
    if question.type == "scale":
        return draw(st.integers(question.scale.min, question.scale.max))
    if question.type == "yes_no":
        return draw(st.booleans())
    if question.type == "number":
        return draw(st.integers(int(question.min or 0), int(question.max or 1000)))
    return draw(st.text(min_size=1, max_size=question.max_length).filter(str.strip))


ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 100),
    st.text(max_size=5),
    st.lists(st.text(max_size=8), max_size=4),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_sequence_of_actions_leaves_a_consistent_response(data: Any) -> None:
    definition = load_definition(PROJECT_ROOT / "data/surveys/engagement_directors.yaml")
    engine = SurveyEngine(definition)
    answers: dict[str, Any] = {}
    current = engine.next_unanswered(answers)
    for _ in range(data.draw(st.integers(1, 40))):
        action = data.draw(st.sampled_from(["answer", "garbage", "skip", "back", "edit"]))
        before = dict(answers)
        try:
            if action == "answer" and current is not None:
                answers = engine.answer(answers, current.id, valid_value(current, data.draw))
            elif action == "garbage" and current is not None:
                answers = engine.answer(answers, current.id, data.draw(ANY_VALUE))
            elif action == "skip" and current is not None:
                answers = engine.skip(answers, current.id)
            elif action == "back" and current is not None:
                current = engine.previous(answers, current.id) or current
                continue
            elif action == "edit" and answers:
                question = definition.question(data.draw(st.sampled_from(sorted(answers))))
                answers = engine.answer(answers, question.id, valid_value(question, data.draw))
        except AnswerError:
            assert answers == before  # a refused answer changes nothing
        assert engine.consistency_problems(answers) == []
        current = engine.next_unanswered(answers) or current
        if current is not None and not engine.is_visible(current, answers):
            current = engine.next_unanswered(answers)
    if engine.next_unanswered(answers) is None:
        assert engine.is_complete(answers)


@pytest.mark.parametrize("path", SURVEYS, ids=[p.name for p in SURVEYS])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_progress_goes_one_step_at_a_time_and_its_total_never_grows(path: Path, data: Any) -> None:
    """Answering straight through any shipped survey (show_if included): «Вопрос N из M»
    adds one to N each step, M never grows, and the answered share never goes back."""
    engine = SurveyEngine(load_definition(path))
    answers: dict[str, Any] = {}
    current = engine.next_unanswered(answers)
    seen: list[tuple[int, int, float]] = []
    while current is not None:
        number, total = engine.position(answers, current.id)
        seen.append((number, total, engine.answered_share(answers)))
        if not current.required and data.draw(st.booleans()):
            answers = engine.skip(answers, current.id)
        else:
            answers = engine.answer(answers, current.id, valid_value(current, data.draw))
        current = engine.after(answers, current.id)
    assert [n for n, _, _ in seen] == list(range(1, len(seen) + 1))
    totals = [m for _, m, _ in seen]
    assert totals == sorted(totals, reverse=True)
    shares = [share for _, _, share in seen]
    assert shares == sorted(shares)
    assert engine.is_complete(answers)


def test_a_definition_round_trips_through_json() -> None:
    definition = load_definition(SURVEYS[0])
    assert SurveyDefinition.model_validate_json(definition.model_dump_json()) == definition


def test_director_and_curator_surveys_share_the_comparable_questions() -> None:
    directors = load_definition(PROJECT_ROOT / "data/surveys/engagement_directors.yaml")
    curators = load_definition(PROJECT_ROOT / "data/surveys/engagement_curators.yaml")
    for shared in ("curator_contact", "programme_progress"):
        ours, theirs = directors.question(shared), curators.question(shared)
        assert ours.type == theirs.type
        assert ours.option_ids() == theirs.option_ids()
        assert ours.scale == theirs.scale or ours.scale is None
