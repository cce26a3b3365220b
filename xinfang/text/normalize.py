"""Text normalisation: the one place that turns raw remarks into display and analysis forms.

Two forms of every remark:

* **display form** (:func:`clean`): the text as written, minus inline pinyin annotations such as
  ``煤(mei)礦`` and minus control characters. Traditional characters stay, so staff see what was said.
* **analysis form** (:func:`normalize`): the display form with full-width forms folded to ASCII,
  Latin letters lower-cased, whitespace collapsed and Traditional folded to Simplified (OpenCC ``t2s``).
  Lexicons, the taxonomy and the models only ever see this form.

Pinyin annotations are recognised conservatively so real parentheses survive (``(文 郭艷霞)``, ``（一）``,
``(OK)``, ``(3000元)``): a parenthesised group is an annotation only when it follows a Chinese character
(or another annotation) and holds one lowercase pinyin syllable (tone marks, ``ü``/``v`` and a tone digit
allowed) that is a reading of that character. Once a text has one such confirmed annotation, any valid
syllable after a Chinese character counts too (annotators sometimes pick an unusual reading).

Heavy imports (``opencc``, ``pypinyin``) happen on first use, never at import time.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from numbers import Number

# -- character classes ----------------------------------------------------------------------------

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
# One annotation group: ASCII or full-width parentheses around a lowercase syllable with optional
# tone marks / umlaut and an optional tone digit.
_SYLLABLE = r"[a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜḿńňǹê]{1,6}[1-5]?"
_GROUP = rf"[(（]\s?({_SYLLABLE})\s?[)）]"
_ANNOTATED_RUN = re.compile(rf"(?<=[{_HAN}])((?:{_GROUP})+)")
_ONE_GROUP = re.compile(_GROUP)

# Control and invisible formatting characters removed from both forms. Keeps \t \n \r (turned into
# spaces in the analysis form) and ZWJ (U+200D, part of emoji sequences). Lone surrogates (from badly
# decoded input) are removed too: they cannot be encoded and would break downstream libraries.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200c\u200e\u200f\u2028\u2029\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
_SPACES = re.compile(r"[ \t\r\f\v\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]+")

# Full-width ASCII variants (U+FF01..U+FF5E) fold to ASCII; the ideographic space to a space; ASCII
# capitals to lowercase so "OK" and "ok" match the same lexicon entry.
_WIDTH_TABLE: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE.update({0x3000: 0x20, 0xFF5F: ord("("), 0xFF60: ord(")"), 0xFFE5: ord("¥")})
for _cp in range(ord("A"), ord("Z") + 1):
    _WIDTH_TABLE[_cp] = _cp + 32
for _cp in range(0xFF21, 0xFF3B):  # full-width capitals straight to lowercase ASCII
    _WIDTH_TABLE[_cp] = _cp - 0xFEE0 + 32

# OpenCC t2s leaves 著 alone ("紧接著", "奔著"); as a particle it is 着 in Simplified. The words where
# 著 is the Simplified form stay (著名, 著作, 显著 …).
_ZHE = re.compile(r"(?<![显名专论原巨卓土编遗合拙])著(?![名作称述者录])")

# Sentence ends for split_sentences (after width folding "！？；" are ASCII).
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;…])(?![”’」』)\]）。！？!?…])|\n+")


# -- lazy heavy resources -------------------------------------------------------------------------

@cache
def _opencc():
    import opencc  # C++ core; the pure-Python reimplementations are far slower

    return opencc.OpenCC("t2s")


@cache
def _readings() -> dict[int, frozenset[str]]:
    """Toneless readings per code point, from pypinyin's table (loaded on the first annotation)."""
    from pypinyin.pinyin_dict import pinyin_dict

    return {cp: frozenset(_toneless(r) for r in value.split(",")) for cp, value in pinyin_dict.items()}


@cache
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable with at least one vowel (m, n, ng, hm are left to parentheses)."""
    found: set[str] = set()
    for readings in _readings().values():
        found.update(readings)
    return frozenset(s for s in found if re.search("[aeiouv]", s))


def _toneless(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable.strip().lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.rstrip("12345").replace("v", "u").replace("ü", "u")


# -- public functions -----------------------------------------------------------------------------

def to_text(value: object, *, row: object = None) -> str:
    """Coerce one input value to ``str``: None/NaN/empty → "", numbers → their text, bytes → UTF-8.

    Anything else (a dict, a list …) raises ``ValidationError('text.not_text')``.
    """
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Number):
        try:
            if math.isnan(value):  # type: ignore[arg-type]
                return ""
        except TypeError:
            pass
        return str(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    try:  # pandas.NA / NaT and friends
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError, ImportError):
        pass
    from xinfang.errors import ValidationError

    raise ValidationError("text.not_text", row=row if row is not None else "?", kind=type(value).__name__)


def strip_annotations(text: str) -> str:
    """Remove inline pinyin annotations (``煤(mei)礦``, ``信(xin)(xin)訪(fang)(fang)``, ``礦(kuàng)``).

    Real parentheses are kept: the group must follow a Chinese character and hold a pinyin syllable
    that is a reading of that character (or, once the text has a confirmed annotation, any syllable).
    """
    if "(" not in text and "（" not in text:
        return text
    runs = list(_ANNOTATED_RUN.finditer(text))
    if not runs:
        return text
    readings = _readings()
    syllables = _syllables()

    def matches_reading(run: re.Match[str]) -> bool:
        known = readings.get(ord(text[run.start() - 1]))
        return bool(known) and all(_toneless(s) in known for s in _ONE_GROUP.findall(run.group(1)))

    confirmed = [matches_reading(run) for run in runs]
    document_is_annotated = any(confirmed)
    out: list[str] = []
    last = 0
    for run, ok in zip(runs, confirmed, strict=True):
        if not ok:
            if not document_is_annotated:
                continue
            if not all(_toneless(s) in syllables for s in _ONE_GROUP.findall(run.group(1))):
                continue
        out.append(text[last:run.start()])
        last = run.end()
    out.append(text[last:])
    return "".join(out)


def remove_invisible(text: str) -> str:
    """Drop control characters, invisible formatting marks and lone surrogates."""
    return _INVISIBLE.sub("", text)


def clean(value: object) -> str:
    """Display form: annotations and control characters removed, script and widths unchanged."""
    text = to_text(value)
    if not text:
        return ""
    return strip_annotations(remove_invisible(text)).strip()


def fold_width(text: str) -> str:
    """Fold full-width ASCII forms and the ideographic space; lower-case Latin letters."""
    return text.translate(_WIDTH_TABLE)


def to_simplified(text: str) -> str:
    """Traditional → Simplified with OpenCC (``t2s``)."""
    return _opencc().convert(text) if text else text


def normalize(value: object) -> str:
    """Analysis form of one remark (see the module docstring)."""
    return normalize_many([value])[0]


def normalize_many(values: Iterable[object]) -> list[str]:
    """Analysis form of many remarks at once (one OpenCC call per batch; much faster than a loop)."""
    joined, count = normalize_joined(values)
    if count == 0:
        return []
    return [part.strip() for part in joined.split("\n")]


def normalize_joined(values: Iterable[object], *, start_row: int = 1) -> tuple[str, int]:
    """Normalise ``values`` into one string with the remarks separated by ``"\\n"``.

    ``start_row`` is the number (counted from 1, as users count) of the first value, for messages.

    Returns the joined analysis text and the number of remarks. The hot path of :func:`analyze`
    matches its lexicons over this string in one pass.
    """
    items: list[str] = []
    append = items.append
    for i, value in enumerate(values):
        text = value if type(value) is str else to_text(value, row=start_row + i)
        if "\n" in text or "\r" in text or "\x85" in text:
            text = text.replace("\r", " ").replace("\n", " ").replace("\x85", " ")
        if "(" in text or "（" in text:
            text = strip_annotations(text)
        append(text)
    joined = "\n".join(items)
    joined = _INVISIBLE.sub("", joined)
    joined = joined.translate(_WIDTH_TABLE)
    joined = _SPACES.sub(" ", joined)
    converted = to_simplified(joined)
    if converted.count("\n") != joined.count("\n"):  # never seen; stay exact if OpenCC ever merges lines
        converted = "\n".join(to_simplified(part) for part in joined.split("\n"))
    if "著" in converted:
        converted = _ZHE.sub("着", converted)
    return converted, len(items)


def split_sentences(text: str) -> list[str]:
    """Split a display- or analysis-form text into sentences (。！？；… and line breaks)."""
    if not text:
        return []
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


__all__ = [
    "clean",
    "fold_width",
    "normalize",
    "normalize_joined",
    "normalize_many",
    "remove_invisible",
    "split_sentences",
    "strip_annotations",
    "to_simplified",
    "to_text",
]
