"""Survey definitions: YAML files under data/surveys/, validated by a pydantic schema.

See docs/surveys.md for the format. A bad file is refused with every problem named: the
file, the question id, and what is wrong.

A survey file comes from outside, so reading it is bounded: the file's size, no YAML
anchors or aliases (one anchor referenced 2,000 times made a 110 KB file a 205 MB
definition), a limit on nesting, and a limit on every list and text of the schema.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from storage.models import Role

MAX_FILE_BYTES = 512 * 1024
MAX_FILE_CHARS = MAX_FILE_BYTES  # a character is at least a byte of UTF-8
MAX_DEPTH = 20  # lists and mappings inside one another; a survey needs about 6
MAX_QUESTIONS = 200
MAX_OPTIONS = 50
MAX_SCALE_POINTS = 11  # buttons in one message: 0…10 at most

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
QuestionType = Literal["single", "multi", "scale", "yes_no", "number", "text"]
CHOICE_TYPES = ("single", "multi")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    ru: Annotated[str, Field(min_length=1, max_length=2000)]
    en: Annotated[str, Field(min_length=1, max_length=2000)]

    def get(self, locale: str) -> str:
        return self.en if locale == "en" else self.ru


class Option(Strict):
    id: Identifier
    label: Text


class Scale(Strict):
    min: Annotated[int, Field(ge=-100, le=100)] = 1
    max: Annotated[int, Field(ge=-100, le=100)] = 5
    min_label: Text
    max_label: Text


class ShowIf(Strict):
    """Show the question only when an earlier question's answer is (or includes) `equals`,
    or is one of `any_of`."""

    question: Identifier
    equals: Annotated[str, Field(max_length=200)] | int | bool | None = None
    any_of: (
        Annotated[list[Annotated[str, Field(max_length=200)] | int], Field(max_length=MAX_OPTIONS)]
        | None
    ) = None

    @model_validator(mode="after")
    def _one_condition(self) -> ShowIf:
        if (self.equals is None) == (self.any_of is None):
            raise PydanticCustomError(
                "show_if_condition", "show_if needs exactly one of `equals` or `any_of`"
            )
        return self

    @property
    def values(self) -> list[str | int | bool]:
        return list(self.any_of) if self.any_of is not None else [self.equals]  # type: ignore[list-item]


class Question(Strict):
    id: Identifier
    type: QuestionType
    text: Text
    help: Text | None = None
    required: bool = True
    options: Annotated[list[Option], Field(max_length=MAX_OPTIONS)] = []
    min_picks: int | None = None
    max_picks: int | None = None
    scale: Scale | None = None
    min: float | None = None
    max: float | None = None
    # A number question takes whole numbers (a count) unless the file allows fractions.
    decimal: bool = False
    max_length: Annotated[int, Field(ge=1, le=4000)] = 1000
    show_if: ShowIf | None = None

    def option_ids(self) -> list[str]:
        return [option.id for option in self.options]


class SurveyAudience(Strict):
    roles: Annotated[list[Role], Field(min_length=1, max_length=10)]
    programmes: Annotated[list[Name], Field(max_length=100)] = []
    municipalities: Annotated[list[Name], Field(max_length=100)] = []


class SurveyDefinition(Strict):
    code: Identifier
    version: Annotated[int, Field(ge=1)] = 1
    template: bool = False  # shipped as an example to adapt before use
    title: Text
    description: Text
    audience: SurveyAudience
    unit: Literal["school", "person", "curator_school"]
    # Another survey whose questions with the same id the analysis compares with this one's,
    # school by school (directors' answers against their curators').
    compare_with: Identifier | None = None
    questions: Annotated[list[Question], Field(min_length=1, max_length=MAX_QUESTIONS)]

    # question id: its place in `questions` (looked up for every stored answer)
    _places: dict[str, int] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> SurveyDefinition:
        problems = list(_problems(self))
        if problems:  # the problems themselves travel in the context, to be translated
            text = "; ".join(problems)
            raise PydanticCustomError("survey_problems", "{text}", {"text": text, "all": problems})
        self._places.update((q.id, i) for i, q in enumerate(self.questions))
        return self

    def question(self, question_id: str) -> Question:
        return self.questions[self.place(question_id)]

    def place(self, question_id: str) -> int:
        """The question's index in `questions` (KeyError for an unknown id)."""
        return self._places[question_id]


class Problem(str):
    """One thing wrong with a survey file: in English as the string (for the console and
    logs), and as the end of a locale key, `survey-problem-<key>`, with its arguments, so
    the bot and the CLI show it in the reader's language."""

    key: str
    args: dict[str, object]
    question: str | None

    def __new__(
        cls, english: str, key: str, question: str | None = None, **args: object
    ) -> Problem:
        problem = super().__new__(cls, english)
        problem.key, problem.args, problem.question = key, args, question
        return problem


def _problems(definition: SurveyDefinition) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, Question] = {}
    for question in definition.questions:
        where = question.id
        if question.id in seen:
            problems.append(Problem(f"question {where}: duplicate id", "duplicate-id", where))
        problems += [
            Problem(f"question {where}: {p}", p.key, where, **p.args)
            for p in _question_problems(question)
        ]
        if question.show_if is not None:
            source = seen.get(question.show_if.question)
            if source is None:
                known = any(q.id == question.show_if.question for q in definition.questions)
                later = "a later question" if known else "an unknown question"
                english = (
                    f"question {where}: show_if refers to {later} {question.show_if.question!r}"
                )
                kind = "show-if-later" if known else "show-if-unknown"
                problems.append(Problem(english, kind, where, source=question.show_if.question))
            else:
                for problem in _condition_problems(question.show_if, source):
                    english = f"question {where}: show_if {problem}"
                    problems.append(Problem(english, problem.key, where, **problem.args))
        seen.setdefault(question.id, question)
    return problems


def _question_problems(question: Question) -> list[Problem]:
    problems = []
    if question.type in CHOICE_TYPES:
        ids = question.option_ids()
        if len(ids) < 2:
            problems.append(Problem("a choice needs at least two options", "two-options"))
        if len(set(ids)) != len(ids):
            problems.append(Problem("option ids repeat", "options-repeat"))
    elif question.options:
        problems.append(Problem(f"a {question.type} question has no options", "no-options"))
    if question.type == "multi":
        low, high = question.min_picks or 0, question.max_picks or len(question.options)
        if not 0 <= low <= high <= len(question.options):
            problems.append(
                Problem("min_picks/max_picks must fit the number of options", "picks-fit")
            )
    elif question.min_picks is not None or question.max_picks is not None:
        problems.append(Problem("min_picks/max_picks are for multi questions", "picks-multi"))
    if question.type == "scale":
        if question.scale is None:
            problems.append(
                Problem(
                    "a scale question needs `scale` with min, max and end labels", "scale-needed"
                )
            )
        elif question.scale.min >= question.scale.max:
            problems.append(Problem("scale min must be below max", "scale-order"))
        elif question.scale.max - question.scale.min >= MAX_SCALE_POINTS:
            problems.append(
                Problem(
                    f"a scale has at most {MAX_SCALE_POINTS} points",
                    "scale-points",
                    limit=MAX_SCALE_POINTS,
                )
            )
    if question.decimal and question.type != "number":
        problems.append(Problem("decimal is for number questions", "decimal-not-number"))
    lowest, highest = question.min, question.max
    if (
        question.type == "number"
        and lowest is not None
        and highest is not None
        and lowest > highest
    ):
        problems.append(Problem("number min must not exceed max", "number-order"))
    return problems


def _condition_problems(condition: ShowIf, source: Question) -> list[Problem]:
    problems = []
    for value in condition.values:
        if source.type in CHOICE_TYPES and value not in source.option_ids():
            problems.append(
                Problem(
                    f"value {value!r} is not an option of {source.id}",
                    "not-an-option",
                    value=str(value),
                    source=source.id,
                )
            )
        elif source.type == "yes_no" and not isinstance(value, bool):
            problems.append(
                Problem(
                    f"value {value!r} must be true or false for {source.id}",
                    "not-yes-no",
                    value=str(value),
                    source=source.id,
                )
            )
        elif source.type == "text":
            problems.append(
                Problem(
                    f"cannot depend on the free text of {source.id}", "free-text", source=source.id
                )
            )
    return problems


class SurveyFileError(Exception):
    """`problems` name what is wrong (in English, for the file's author); a file refused as
    a whole, before its contents are looked at, also has a `reason` (a locale key's end:
    `survey-admin-refused-<reason>`) with its `details`."""

    def __init__(
        self, path: Path, problems: list[str], reason: str | None = None, **details: object
    ) -> None:
        super().__init__(f"{path.name}: " + "; ".join(problems))
        self.path = path
        self.problems = problems
        self.reason = reason
        self.details = details


class _Refused(yaml.YAMLError):
    def __init__(self, reason: str, mark: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = int(getattr(mark, "line", -1)) + 1


class _SurveyLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases (no survey needs them, and they multiply
    a small file) and nesting deeper than MAX_DEPTH (the composer recurses once per level:
    50,000 levels were a RecursionError). Checked event by event, before anything is built."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused("yaml-aliases", event.start_mark)
        if not isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused("yaml-too-deep", event.start_mark)
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self._depth -= 1


_REFUSALS = {
    "yaml-aliases": "anchors and aliases (& and *) are not allowed",
    "yaml-too-deep": f"nested deeper than {MAX_DEPTH} levels",
}


def _too_large(path: Path) -> SurveyFileError:
    limit = MAX_FILE_BYTES // 1024
    return SurveyFileError(path, [f"larger than {limit} KB"], "too-large", limit=limit)


def parse_definition(text: str, path: Path) -> SurveyDefinition:
    if len(text) > MAX_FILE_CHARS:
        raise _too_large(path)
    try:
        data = yaml.load(text, Loader=_SurveyLoader)
    except _Refused as refused:
        problem = f"line {refused.line}: {_REFUSALS[refused.reason]}"
        details = {"line": refused.line, "limit": MAX_DEPTH}
        raise SurveyFileError(path, [problem], refused.reason, **details) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        where = {"line": mark.line + 1} if mark is not None else {}
        kind = "not-yaml-at" if mark is not None else "not-yaml"
        raise SurveyFileError(path, [Problem(f"{line}not valid YAML", kind, **where)]) from None
    if not isinstance(data, dict):
        english = "the file must be a mapping with code, title, questions…"
        raise SurveyFileError(path, [Problem(english, "not-mapping")])
    try:
        return SurveyDefinition.model_validate(data)
    except ValidationError as error:
        problems: list[str] = []
        for each in error.errors():
            if each["type"] == "survey_problems":
                problems += each["ctx"]["all"]
            else:
                problems.append(_describe(data, each))
        raise SurveyFileError(path, problems) from None


def template(name: str) -> Path | None:
    """A survey template shipped with the bot (`data/surveys/<name>.yaml`, package data), by
    its name (`pulse`, or `pulse.yaml`); None when there is no such template."""
    stem = name.removesuffix(".yaml")
    if not stem or not stem.replace("_", "").isalnum() or not stem.isascii():
        return None  # a name, never a path
    found = files("data") / "surveys" / f"{stem}.yaml"
    return Path(str(found)) if found.is_file() else None


def load_definition(path: Path) -> SurveyDefinition:
    if path.stat().st_size > MAX_FILE_BYTES:  # refused before it is read
        raise _too_large(path)
    return parse_definition(path.read_text(encoding="utf-8"), path)


# pydantic's error types as the ends of locale keys (`survey-problem-<key>`), with the
# context value each message names.
_PYDANTIC_KEYS: dict[str, tuple[str, str | None]] = {
    "missing": ("missing", None),
    "extra_forbidden": ("unknown-field", None),
    "literal_error": ("not-allowed", "expected"),
    "enum": ("not-allowed", "expected"),
    "string_too_long": ("too-long", "max_length"),
    "too_long": ("too-long", "max_length"),
    "string_too_short": ("too-short", "min_length"),
    "too_short": ("too-short", "min_length"),
    "string_pattern_mismatch": ("bad-identifier", None),
    "greater_than_equal": ("too-small", "ge"),
    "less_than_equal": ("too-big", "le"),
    "show_if_condition": ("show-if-condition", None),
}


def _describe(data: dict[str, object], error: ErrorDetails) -> Problem:
    """A pydantic error as "question q4 (questions.3.type): Input should be …", and as a
    `survey-problem-*` key with the field's place (and the question's id) to translate."""
    location = list(error.get("loc", ()))
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    where = ".".join(str(part) for part in location)
    kind = error["type"]
    fallback = "wrong-type" if kind.endswith(("_type", "_parsing")) else "invalid"
    key, named = _PYDANTIC_KEYS.get(kind, (fallback, None))
    args: dict[str, object] = {"field": where}
    if named is not None:
        # pydantic lists what it expected as "'a', 'b' or 'c'": the "or" is English.
        args["value"] = str(error.get("ctx", {}).get(named, "")).replace(" or ", ", ")
        args["value"] = str(args["value"]).replace("'", "")
    if len(location) >= 2 and location[0] == "questions" and isinstance(location[1], int):
        questions = data.get("questions")
        if isinstance(questions, list) and location[1] < len(questions):
            entry = questions[location[1]]
            if isinstance(entry, dict) and "id" in entry:
                english = f"question {entry['id']} ({where}): {message}"
                return Problem(english, key, str(entry["id"]), **args)
    return Problem(f"{where}: {message}" if where else message, key, None, **args)
