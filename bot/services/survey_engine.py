"""The survey engine: which questions are visible, what is a valid answer, where the
respondent is. Pure functions over a definition and the answers so far; no storage.

Answers map question ids to values: an option id (single), a list of option ids (multi),
an int (scale), a bool (yes/no), a number, a text; None marks an optional question that
was skipped. Answers to questions hidden by `show_if` are dropped as soon as they hide, so
a response is always consistent with its definition.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from bot.services.errors import DomainError
from bot.services.survey_definitions import Question, SurveyDefinition

Answers = Mapping[str, Any]

# What a person types for a number: digits, a sign, one comma or point; spaces between
# thousands are dropped first. No exponents, "inf" or "nan", which float() would read.
_WHOLE = re.compile(r"[-+]?\d+")
# «да» typed to a yes/no question, in either language.
_YES = frozenset({"да", "yes"})
_NO = frozenset({"нет", "no"})
_DECIMAL = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


class AnswerError(DomainError):
    """The value does not fit the question; `reason` names the locale key's tail."""


class SurveyEngine:
    def __init__(self, definition: SurveyDefinition) -> None:
        self.definition = definition

    # -- what is shown -----------------------------------------------------------------------

    def is_visible(self, question: Question, answers: Answers) -> bool:
        condition = question.show_if
        if condition is None:
            return True
        value = answers.get(condition.question)
        if value is None:
            return False
        if isinstance(value, list):
            return any(item in condition.values for item in value)
        return any(
            value == expected and type(value) is type(expected) for expected in condition.values
        )

    def visible(self, answers: Answers) -> list[Question]:
        """Visible questions in order; a question whose condition's source is hidden is
        hidden too, since hidden answers are dropped."""
        return [q for q in self.definition.questions if self.is_visible(q, answers)]

    def next_unanswered(self, answers: Answers) -> Question | None:
        for question in self.visible(answers):
            if question.id not in answers:
                return question
        return None

    def may_be_asked(self, answers: Answers) -> list[Question]:
        """The questions asked, or still to be asked, given the answers so far: a question
        whose `show_if` source is not answered yet counts (it may be asked), one its source's
        answer rules out does not. Answering never adds to it, only rules questions out."""
        possible: set[str] = set()
        found = []
        for question in self.definition.questions:
            condition = question.show_if
            if condition is None:
                asked = True
            elif condition.question in answers:
                asked = self.is_visible(question, answers)
            else:
                asked = condition.question in possible
            if asked:
                possible.add(question.id)
                found.append(question)
        return found

    def position(self, answers: Answers, question_id: str) -> tuple[int, int]:
        """("Вопрос N из M"): the question's place among those that may be asked. Going on
        adds one to N; M never grows while answering, so the progress never goes back."""
        possible = [q.id for q in self.may_be_asked(answers)]
        return possible.index(question_id) + 1, len(possible)

    def answered_share(self, answers: Answers) -> float:
        """How much of what may be asked is answered (the progress bar)."""
        possible = self.may_be_asked(answers)
        done = sum(1 for q in possible if q.id in answers)
        return done / len(possible) if possible else 1.0

    def after(self, answers: Answers, question_id: str) -> Question | None:
        """Where an answer to the question leads: the next visible question while any is
        unanswered (a person who went back walks on through what they gave), else None
        (the summary)."""
        if self.next_unanswered(answers) is None:
            return None
        shown = self.visible(answers)
        ids = [q.id for q in shown]
        if question_id not in ids:
            return self.next_unanswered(answers)
        index = ids.index(question_id)
        return shown[index + 1] if index + 1 < len(shown) else self.next_unanswered(answers)

    def previous(self, answers: Answers, question_id: str) -> Question | None:
        shown = self.visible(answers)
        ids = [q.id for q in shown]
        index = ids.index(question_id)
        return shown[index - 1] if index > 0 else None

    def is_complete(self, answers: Answers) -> bool:
        return all(
            question.id in answers and (answers[question.id] is not None or not question.required)
            for question in self.visible(answers)
        )

    # -- answering ---------------------------------------------------------------------------

    def parse(self, question: Question, text: str) -> Any:
        """A typed answer (number, text) into a value; choices come from buttons."""
        text = text.strip()
        if question.type == "number":
            cleaned = "".join(text.split())  # «1 200», also with a no-break space
            if not cleaned.isascii():
                raise AnswerError("not-a-number")
            if _WHOLE.fullmatch(cleaned):
                # A huge one as a float: inf is refused by `check`, not by int()'s limit.
                return int(cleaned) if len(cleaned) <= 15 else float(cleaned)
            if not _DECIMAL.fullmatch(cleaned):
                raise AnswerError("not-a-number")
            if not question.decimal:
                raise AnswerError("not-whole")
            value = float(cleaned.replace(",", "."))
            return int(value) if value.is_integer() else value
        if question.type == "text":
            return text
        if question.type == "scale" and _WHOLE.fullmatch(text) and len(text) <= 3:
            return int(text)  # a point of the scale typed rather than pressed
        if question.type == "yes_no":
            word = text.strip(" .!").casefold()
            if word in _YES or word in _NO:
                return word in _YES
        raise AnswerError("use-buttons")

    def check(self, question: Question, value: Any) -> Any:
        """The value if it fits the question, else AnswerError."""
        kind = question.type
        if kind == "single":
            if value not in question.option_ids():
                raise AnswerError("unknown-option")
            return value
        if kind == "multi":
            return self._check_picks(question, value)
        if kind == "scale":
            assert question.scale is not None
            if type(value) is not int or not question.scale.min <= value <= question.scale.max:
                raise AnswerError("out-of-scale", min=question.scale.min, max=question.scale.max)
            return value
        if kind == "yes_no":
            if not isinstance(value, bool):
                raise AnswerError("unknown-option")
            return value
        if kind == "number":
            return self._check_number(question, value)
        if not isinstance(value, str) or not value.strip():
            raise AnswerError("empty-text")
        if len(value) > question.max_length:
            raise AnswerError("too-long", limit=question.max_length)
        return value

    def _check_picks(self, question: Question, value: Any) -> list[str]:
        if not isinstance(value, list) or len(set(value)) != len(value):
            raise AnswerError("unknown-option")
        if any(item not in question.option_ids() for item in value):
            raise AnswerError("unknown-option")
        low = question.min_picks or (1 if question.required else 0)
        high = question.max_picks or len(question.options)
        if not low <= len(value) <= high:
            raise AnswerError("picks", min=low, max=high)
        order = question.option_ids()
        return sorted(value, key=order.index)

    @staticmethod
    def _check_number(question: Question, value: Any) -> float | int:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise AnswerError("not-a-number")
        if not question.decimal and not float(value).is_integer():
            raise AnswerError("not-whole")
        if (question.min is not None and value < question.min) or (
            question.max is not None and value > question.max
        ):
            raise AnswerError("out-of-range", min=question.min, max=question.max)
        return value

    def answer(self, answers: Answers, question_id: str, value: Any) -> dict[str, Any]:
        """New answers with this one set, answers to questions now hidden dropped."""
        question = self._visible_question(answers, question_id)
        return self._prune({**answers, question.id: self.check(question, value)})

    def skip(self, answers: Answers, question_id: str) -> dict[str, Any]:
        question = self._visible_question(answers, question_id)
        if question.required:
            raise AnswerError("required")
        return self._prune({**answers, question.id: None})

    def _visible_question(self, answers: Answers, question_id: str) -> Question:
        try:
            question = self.definition.question(question_id)
        except KeyError:
            raise AnswerError("unknown-question") from None
        if not self.is_visible(question, answers):
            raise AnswerError("unknown-question")
        return question

    def _prune(self, answers: dict[str, Any]) -> dict[str, Any]:
        # Dropping one hidden answer can hide a question that depended on it: repeat.
        while True:
            shown = {q.id for q in self.visible(answers)}
            kept = {key: value for key, value in answers.items() if key in shown}
            if kept == answers:
                return kept
            answers = kept

    def consistency_problems(self, answers: Answers) -> list[str]:
        """Empty for a response that fits the definition (used by tests and on load)."""
        problems = []
        shown = {q.id: q for q in self.visible(answers)}
        for key, value in answers.items():
            question = shown.get(key)
            if question is None:
                problems.append(f"{key}: answered but not visible")
            elif value is None:
                if question.required:
                    problems.append(f"{key}: required but skipped")
            else:
                try:
                    self.check(question, value)
                except AnswerError as error:
                    problems.append(f"{key}: {error.reason}")
        return problems
