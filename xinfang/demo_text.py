"""Compose realistic remarks for the demo mine from the phrase corpus data/demo/remarks.yaml.

Deterministic for a ``random.Random``. Shapes vary: opener + grievance (+ a second grievance) +
closer, demands, formal suggestions, praise, neutral questions, mixed and ironic remarks. A share is
turned into Traditional script (OpenCC) and a smaller share gets inline pinyin annotations in the
style of the seed article (``煤(mei)礦``, ``信(xin)(xin)訪(fang)(fang)``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

import yaml

from xinfang.config import settings
from xinfang.errors import DataFileError

KIND_WEIGHTS = {
    "complaint": 52, "demand": 14, "suggestion": 8, "praise": 9, "question": 9, "mixed": 5, "sarcasm": 3,
}
TRADITIONAL_SHARE = 0.12
PINYIN_SHARE_OF_TRADITIONAL = 0.25
PINYIN_SHARE_OF_SIMPLIFIED = 0.01


@dataclass(frozen=True)
class Remark:
    text: str
    kind: str
    topics: tuple[str, ...]
    script: str  # 简, 繁, 繁拼, 简拼


@cache
def corpus() -> dict:
    path = settings().data_dir / "demo" / "remarks.yaml"
    if not path.exists():
        raise DataFileError("data.file_missing", file=str(path))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def _fill(text: str, rng: random.Random, unit: str) -> str:
    return (
        text.replace("{unit}", unit)
        .replace("{n}", str(rng.randint(2, 9)))
        .replace("{money}", str(rng.choice([100, 150, 200, 300, 400, 500, 800, 1000, 1200])))
        .replace("{month}", f"{rng.randint(1, 12)}月")
    )


def _join(opener: str, body: str, closer: str) -> str:
    text = opener + body
    if closer:
        if text and text[-1] not in "。？！?!…":
            text += "。"
        text += closer
    return text


def _annotate_pinyin(text: str, rng: random.Random) -> str:
    """Insert ASCII pinyin after some Han characters, as in the seed article."""
    from pypinyin import Style, pinyin

    out = []
    readings = pinyin(text, style=Style.NORMAL, errors=lambda chars: [None] * len(chars))
    for ch, reading in zip(text, readings, strict=False):
        out.append(ch)
        syllable = reading[0] if reading else None
        if syllable and "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.3:
            out.append(f"({syllable})" * (2 if rng.random() < 0.15 else 1))
    return "".join(out)


def compose(rng: random.Random, topic: str, unit: str) -> Remark:
    """One remark about ``topic`` (a taxonomy code) by someone in ``unit``."""
    data = corpus()
    kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    opener = rng.choice(data["openers"])
    closer = rng.choice(data["closers"])
    topics: tuple[str, ...] = (topic,)
    block = data["topics"][topic]
    if kind == "complaint":
        body = rng.choice(block["complaints"])
        if rng.random() < 0.15:
            other = rng.choice([t for t in data["topics"] if t != topic])
            body = body + rng.choice(["还有，", "另外，", "再一个，", ""]) + rng.choice(
                data["topics"][other]["complaints"])
            topics = (topic, other)
        text = _join(opener, body, closer)
    elif kind == "demand":
        text = _join(opener if rng.random() < 0.5 else "", rng.choice(block["demands"]), "")
    else:
        pool = {"suggestion": "suggestions", "praise": "praise", "question": "neutral_questions",
                "mixed": "mixed", "sarcasm": "sarcasm"}[kind]
        # prefer an item about this topic, else any item of the kind
        items = data[pool]
        about = [i for i in items if topic in (i.get("topics") or [])]
        item = rng.choice(about if about and rng.random() < 0.7 else items)
        text = item["text"]
        topics = tuple(item.get("topics") or ())
    text = _fill(text, rng, unit)
    script = "简"
    if rng.random() < TRADITIONAL_SHARE:
        text = _s2t().convert(text)
        script = "繁"
    # Like the seed article, annotated text is mostly Traditional.
    if rng.random() < (PINYIN_SHARE_OF_TRADITIONAL if script == "繁" else PINYIN_SHARE_OF_SIMPLIFIED):
        text = _annotate_pinyin(text, rng)
        script += "拼"
    return Remark(text=text, kind=kind, topics=topics, script=script)
