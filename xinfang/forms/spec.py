"""The parsed, frozen form: what the renderer draws and what submit() checks answers against."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xinfang.forms.expressions import Expression

LANGUAGES = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}
DEFAULT_LANGUAGE = "zh-Hans"

# question kinds that hold an answer
VALUE_KINDS = {"text", "integer", "decimal", "select_one", "select_multiple", "date", "datetime", "calculate"}
CONTAINER_KINDS = {"group", "repeat"}


def pick(texts: Mapping[str, str], language: str) -> str:
    """The text in ``language``, else the default language, else any."""
    if not texts:
        return ""
    return texts.get(language) or texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()))


@dataclass(frozen=True)
class Choice:
    name: str
    labels: Mapping[str, str]
    row: int
    extra: Mapping[str, str] = field(default_factory=dict)  # other columns, for choice_filter

    def label(self, language: str = DEFAULT_LANGUAGE) -> str:
        return pick(self.labels, language) or self.name


@dataclass(frozen=True, eq=False)
class Field:
    name: str
    kind: str  # text integer decimal select_one select_multiple date datetime note calculate group repeat
    row: int
    labels: Mapping[str, str] = field(default_factory=dict)
    hints: Mapping[str, str] = field(default_factory=dict)
    required: Expression | None = None
    required_messages: Mapping[str, str] = field(default_factory=dict)
    constraint: Expression | None = None
    constraint_messages: Mapping[str, str] = field(default_factory=dict)
    relevant: Expression | None = None
    calculation: Expression | None = None
    choice_filter: Expression | None = None
    read_only: Expression | None = None
    default: str | None = None
    appearance: str = ""
    list_name: str | None = None
    source: str | None = None  # select_one_from_file: a list the workbook fills (xinfang.forms.sources)
    choices: tuple[Choice, ...] = ()
    children: tuple[Field, ...] = ()
    target: str | None = None
    repeat: str | None = None  # name of the repeat this field sits in, if any

    def label(self, language: str = DEFAULT_LANGUAGE) -> str:
        return pick(self.labels, language) or self.name

    def hint(self, language: str = DEFAULT_LANGUAGE) -> str:
        return pick(self.hints, language)

    @property
    def multiline(self) -> bool:
        return self.kind == "text" and "multiline" in self.appearance.split()

    @property
    def numeric_choices(self) -> bool:
        """Choice lists named 1, 2, 3 … (Likert scales) give numbers, not text."""
        return bool(self.choices) and all(c.name.lstrip("-").isdecimal() for c in self.choices)

    def walk(self) -> Iterator[Field]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, eq=False)
class FormSpec:
    key: str
    title: str
    version: str
    record: str
    anonymous: bool
    fields: tuple[Field, ...]
    languages: tuple[str, ...]
    file: str
    definition: Mapping = field(default_factory=dict, repr=False)
    source: bytes = field(default=b"", repr=False)

    def walk(self) -> Iterator[Field]:
        for f in self.fields:
            yield from f.walk()

    def __getitem__(self, name: str) -> Field:
        for f in self.walk():
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def targets(self) -> dict[str, Field]:
        return {f.target: f for f in self.walk() if f.target}

    @property
    def source_path(self) -> Path:
        return Path(self.file)
