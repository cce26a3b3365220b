"""The text analyser on arbitrary unicode: normalisation, sentiment, topics, discovery and the trainable
models. Remarks come from phones, Excel files and old ledgers: anything may be in them."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.errors import XinfangError
from xinfang.text import (
    SentimentModel,
    TopicModel,
    analyze,
    clean,
    discover_topics,
    match_topics,
    normalize_many,
    score_texts,
    split_sentences,
    strip_annotations,
)
from xinfang.text.sentiment import LABELS

from .conftest import attempt, check_typed, examples
from .strategies import NASTY, hostile_text, json_like, long_text

remark = st.one_of(hostile_text, hostile_text, hostile_text, long_text)
# what a column of remarks may hold: text mostly, and the odd number, empty cell, bytes or object
cell = st.one_of(remark, remark, remark, st.none(), st.just(math.nan), st.just(pd.NA), st.integers(),
                 st.floats(), st.binary(max_size=20), json_like)


def _normalise(values):
    out = normalize_many(values)
    assert len(out) == len(values)
    assert all(isinstance(t, str) and "\n" not in t for t in out)
    for v in values:
        if isinstance(v, str):
            shown = clean(v)
            assert isinstance(shown, str) and not any(0xD800 <= ord(c) <= 0xDFFF for c in shown)
            assert all(isinstance(s, str) and s for s in split_sentences(shown))
            assert isinstance(strip_annotations(v), str)
    return out


@settings(max_examples=examples())
@given(values=st.lists(cell, max_size=8))
def test_normalisation_of_anything(values):
    """Display and analysis forms of any value: one line per remark, no lone surrogates; a value that
    is not text (a dict, a list) is refused with text.not_text."""
    out = attempt("text.normalize", _normalise, values)
    if isinstance(out, XinfangError):
        check_typed(out)
        assert out.code == "text.not_text" and 1 <= out.params["row"] <= len(values)  # counted as users count


def _analyse(values, keywords):
    result = analyze(values, keywords=keywords, progress=False, chunk_size=3)
    assert len(result) == len(values)
    assert set(result["label"]) <= set(LABELS)
    assert all(-1.0 <= s <= 1.0 for s in result["score"])
    assert all(isinstance(t, list) and t for t in result["topics"])
    sentiments = score_texts(values)
    topics = match_topics(values)
    assert len(sentiments) == len(topics) == len(values)
    assert [s.label for s in sentiments] == list(result["label"])
    return result


@settings(max_examples=examples(0.8))
@given(values=st.lists(cell, max_size=8), keywords=st.sampled_from([False, False, False, True]))  # jieba is slow on 100,000 characters
def test_sentiment_and_topics_of_anything(values, keywords):
    """analyze() gives one row per remark, a label of 负面/中性/正面, a score in [-1, 1] and at least one
    topic (未归类 when none) — batched in chunks so the remark separator is crossed too."""
    out = attempt("text.analyze", _analyse, values, keywords)
    if isinstance(out, XinfangError):
        check_typed(out)
        assert out.code == "text.not_text"


topic_codes = st.one_of(st.sampled_from(["C01", "C07|C14", "C01，C02", "未归类", "", None]), hostile_text,
                        st.lists(st.sampled_from(["C01", "C99", "c01", " C03 "]), max_size=3))


@settings(max_examples=examples(0.2))
@given(rows=st.lists(st.tuples(remark, topic_codes), min_size=1, max_size=6),
       column=st.sampled_from(["text", "remark"]))
def test_analysis_of_a_table_with_staff_topics(rows, column):
    """A DataFrame with topics set by staff: unknown codes are refused with text.unknown_topic, a
    missing column with text.no_column."""
    frame = pd.DataFrame(rows, columns=[column, "staff_topics"])
    out = attempt("text.analyze", analyze, frame, text_column="text", progress=False)
    if isinstance(out, XinfangError):
        check_typed(out)
        assert out.code in {"text.unknown_topic", "text.no_column"}
    else:
        assert len(out) == len(rows)


@settings(max_examples=examples(0.1))
@given(values=st.lists(st.one_of(remark, st.sampled_from(NASTY), st.none()), max_size=30),
       n_topics=st.integers(min_value=-1, max_value=12), min_df=st.integers(min_value=1, max_value=3))
def test_topic_discovery_on_anything(values, n_topics, min_df):
    """NMF discovery among any remarks returns themes (maybe none); it never raises."""
    out = attempt("text.discover_topics", discover_topics, values, n_topics=n_topics, min_df=min_df)
    if not isinstance(out, XinfangError):
        assert all(th.size >= 1 and th.words for th in out)


labels = st.integers(min_value=0, max_value=19).flatmap(lambda n: hostile_text if n == 0 else st.sampled_from(LABELS))
model_topics = st.integers(min_value=0, max_value=9).flatmap(
    lambda n: topic_codes if n == 0 else st.lists(st.sampled_from(["C01", "C02", "C07"]), min_size=1, max_size=2))


def _train_and_use(texts, sentiment, topics, probe):
    model = SentimentModel(min_cases=1, ngram_max=2).fit(texts, sentiment)
    decided = model.decide(probe)
    assert len(decided) == len(probe) and all(-1 <= d[1] <= 1 for d in decided)
    tm = TopicModel(min_cases_per_topic=1, ngram_max=2).fit(texts, topics)
    assert len(tm.predict(probe)) == len(probe)
    return model


@settings(max_examples=examples(0.1))
@given(pairs=st.lists(st.tuples(remark, labels, model_topics), max_size=12), probe=st.lists(cell, max_size=4))
def test_models_train_on_any_labelled_remarks(pairs, probe):
    """Training on any labelled remarks works or is refused (text.bad_label, text.too_few_cases …)."""
    texts = [p[0] for p in pairs]
    out = attempt("text.models", _train_and_use, texts, [p[1] for p in pairs],
                  [p[2] if p[2] is not None else [] for p in pairs], probe)
    if isinstance(out, XinfangError):
        check_typed(out)
        assert out.code.startswith("text.")
