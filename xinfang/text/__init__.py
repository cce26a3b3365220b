"""Text analysis of remarks and complaints: normalisation, sentiment, topics, discovery, tallies.

Submodules: ``normalize`` (display and analysis forms), ``vocab`` (data files), ``sentiment``,
``topics``, ``analysis``, ``models``, ``segment``, ``discovery``.

Importing this package is cheap: nothing is loaded (no jieba, scikit-learn, OpenCC, pandas, data files)
until a function is first called. The main entry points::

    from xinfang.text import analyze, tally, discover_topics, vocabulary_versions
    result = analyze(df, text_column="text")        # label, score, cues, topics, topic_words, …
    table = tally(result.join(df[["unit", "month"]]), by=["unit", "topic"], columns="label")
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

_EXPORTS = {
    "analyze": "xinfang.text.analysis",
    "tally": "xinfang.text.analysis",
    "COLUMNS": "xinfang.text.analysis",
    "is_stale": "xinfang.text.analysis",
    "discover_topics": "xinfang.text.discovery",
    "promote_theme": "xinfang.text.discovery",
    "Theme": "xinfang.text.discovery",
    "SentimentModel": "xinfang.text.models",
    "TopicModel": "xinfang.text.models",
    "model_params": "xinfang.text.models",
    "clean": "xinfang.text.normalize",
    "normalize_many": "xinfang.text.normalize",
    "split_sentences": "xinfang.text.normalize",
    "strip_annotations": "xinfang.text.normalize",
    "score_texts": "xinfang.text.sentiment",
    "match_topics": "xinfang.text.topics",
    "load_taxonomy": "xinfang.text.vocab",
    "load_lexicon": "xinfang.text.vocab",
    "clear_cache": "xinfang.text.vocab",
}

if TYPE_CHECKING:  # pragma: no cover
    from xinfang.text.analysis import COLUMNS, analyze, is_stale, tally  # noqa: F401
    from xinfang.text.discovery import Theme, discover_topics, promote_theme  # noqa: F401
    from xinfang.text.models import SentimentModel, TopicModel, model_params  # noqa: F401
    from xinfang.text.normalize import clean, normalize_many, split_sentences, strip_annotations  # noqa: F401
    from xinfang.text.sentiment import score_texts  # noqa: F401
    from xinfang.text.topics import match_topics  # noqa: F401
    from xinfang.text.vocab import clear_cache, load_lexicon, load_taxonomy  # noqa: F401


def vocabulary_versions() -> dict[str, str]:
    """{"taxonomy_version": …, "lexicon_version": …}: compare with stored analyses to know when to
    recompute them."""
    from xinfang.text.vocab import vocabulary_versions as _versions

    return _versions()


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'xinfang.text' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*_EXPORTS, "vocabulary_versions"])


__all__ = sorted([*_EXPORTS, "vocabulary_versions"])
