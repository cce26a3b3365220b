"""The one entry point: ``analyze(texts or DataFrame) -> DataFrame``, and tallies over its result.

Per remark: ``label`` (负面/中性/正面), ``score`` in [-1, 1], ``cues`` (what decided, e.g.
"差距比较大(抱怨句式)"), ``topics`` (codes; ["未归类"] when none), ``topic_words`` (code → the words that
matched), ``keywords`` (only when asked), ``decided_by`` ("lexicon" or "model"), and the versions of the
taxonomy and lexicon used, so stored results can be recomputed when a vocabulary changes.

The work is done in batches: one normalisation call and one automaton pass per batch of remarks, so ten
years of records take seconds, not hours. A progress bar appears on long runs.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from xinfang.errors import ValidationError
from xinfang.text import sentiment as _sentiment
from xinfang.text import topics as _topics
from xinfang.text.normalize import normalize_joined
from xinfang.text.vocab import Lexicon, Taxonomy

COLUMNS = ("label", "score", "cues", "topics", "topic_words", "keywords", "decided_by",
           "taxonomy_version", "lexicon_version")
STAFF_MARK = "人工标注"
PROGRESS_FROM = 50_000


def _inputs(data, text_column: str) -> tuple[list[object], pd.Index, pd.DataFrame | None]:
    if isinstance(data, pd.DataFrame):
        if text_column not in data.columns:
            raise ValidationError("text.no_column", column=text_column,
                                  known="、".join(map(str, data.columns)) or "（无）", argument="text_column")
        return data[text_column].tolist(), data.index, data
    if isinstance(data, pd.Series):
        return data.tolist(), data.index, None
    if data is None or isinstance(data, str | bytes) or not isinstance(data, Iterable):
        values = [data]
    else:
        values = list(data)
    return values, pd.RangeIndex(len(values)), None


def _progress(progress, total: int):
    show = total >= PROGRESS_FROM if progress is None else bool(progress)
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="分析", unit="条", mininterval=0.5)


def analyze(data, *, text_column: str = "text", progress: bool | None = None, keywords: bool = False,
            sentiment_model=None, topic_model=None, staff_topic_column: str = "staff_topics",
            taxonomy: Taxonomy | str | None = None, lexicon: Lexicon | str | None = None,
            chunk_size: int = 20_000) -> pd.DataFrame:
    """Analyse remarks; one output row per input, same index.

    ``data``: a list/Series of texts, a single text, or a DataFrame with ``text_column``. Inputs that are
    None, NaN, empty or numbers give 中性 with no topic; other non-text values raise ``text.not_text``.
    ``sentiment_model`` / ``topic_model``: fitted models from :mod:`xinfang.text.models`, used once they
    are ready (trained on enough cases). The sentiment model then decides the label (``decided_by`` =
    "model"); the topic model tags remarks the taxonomy leaves 未归类.
    ``staff_topic_column``: in a DataFrame, topics set by staff ("C01|C07" or a list) win over both.
    ``progress``: None shows a bar from 50,000 remarks on; True/False force it.
    The result's ``attrs["model_params"]`` describes the models used (for storage beside the results).
    """
    values, index, frame = _inputs(data, text_column)
    engine = _sentiment.compiled(lexicon)
    tagger = _topics.compiled(taxonomy)
    sent_model = sentiment_model if sentiment_model is not None and sentiment_model.ready() else None
    top_model = topic_model if topic_model is not None and topic_model.ready() else None
    need_texts = keywords or sent_model is not None or top_model is not None
    staff = None
    if frame is not None and staff_topic_column in frame.columns:
        staff = frame[staff_topic_column].tolist()
        known = set(tagger.taxonomy.codes) | {tagger.unclassified}

    n = len(values)
    labels: list[str] = []
    scores: list[float] = []
    cues_col: list[list[str]] = []
    topics_col: list[list[str]] = []
    words_col: list[dict[str, list[str]]] = []
    keywords_col: list[list[str]] = []
    decided: list[str] = []
    bar = _progress(progress, n)
    # The results are millions of small lists and dicts without cycles; the cyclic garbage collector
    # would rescan them again and again (quadratic time on big runs), so it pauses during the loop.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for start in range(0, n, max(1, chunk_size)):
            chunk = values[start:start + chunk_size]
            joined, count = normalize_joined(chunk, start_row=start + 1)
            texts = [t.strip() for t in joined.split("\n")] if need_texts else None
            found_all = tagger.match_joined(joined, count)
            finish = engine.finish_tuple
            for raw, cues in engine.score_joined(joined, count):
                label, score, cue_texts = finish(raw, cues)
                labels.append(label)
                scores.append(score)
                cues_col.append(cue_texts)
            decided.extend(["lexicon"] * count)
            topics_of = tagger.topics_of
            topics_col.extend([topics_of(found) for found in found_all])
            words_col.extend(found_all)
            if sent_model is not None:
                offset = len(labels) - count
                nonempty = [i for i, t in enumerate(texts) if t]
                if nonempty:
                    decisions = sent_model.decide([texts[i] for i in nonempty])
                    for i, (label, score, confidence, cues) in zip(nonempty, decisions, strict=True):
                        if confidence < sent_model.min_confidence:
                            continue
                        row = offset + i
                        labels[row] = label
                        scores[row] = round(score, 4)
                        lexicon_cues = cues_col[row]
                        cues_col[row] = cues + [c for c in lexicon_cues if c not in cues]
                        decided[row] = "model"
            if top_model is not None:
                offset = len(topics_col) - count
                open_rows = [i for i in range(count) if topics_col[offset + i] == [tagger.unclassified]
                             and texts[i]]
                if open_rows:
                    for i, found in zip(open_rows, top_model.decide([texts[i] for i in open_rows]), strict=True):
                        if found:
                            topics_col[offset + i] = list(found)
                            words_col[offset + i] = found
            if keywords:
                from xinfang.text.segment import keywords as _keywords

                keywords_col.extend(_keywords(texts))
            else:
                keywords_col.extend([[] for _ in range(count)])
            if bar is not None:
                bar.update(count)
    finally:
        if gc_was_enabled:
            gc.enable()
        if bar is not None:
            bar.close()

    if staff is not None:
        for row, value in enumerate(staff):
            codes = codes_of(value)
            if not codes:
                continue
            for code in codes:
                if code not in known:
                    raise ValidationError("text.unknown_topic", topic=code, file=tagger.taxonomy.file,
                                          known="、".join(tagger.taxonomy.codes))
            topics_col[row] = codes
            words_col[row] = {code: [STAFF_MARK] for code in codes}

    result = pd.DataFrame(
        {
            "label": labels,
            "score": pd.array(scores, dtype="float64"),
            "cues": cues_col,
            "topics": topics_col,
            "topic_words": words_col,
            "keywords": keywords_col,
            "decided_by": decided,
            "taxonomy_version": tagger.version,
            "lexicon_version": engine.version,
        },
        index=index,
        columns=list(COLUMNS),
    )
    result.attrs["model_params"] = {
        "sentiment_model": model_params(sent_model),
        "topic_model": model_params(top_model),
    }
    return result


def codes_of(value: Iterable[str] | str | None) -> list[str]:
    """Topic codes from a list or a "C01|C07" string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in re.split(r"[|,，;；\s]+", value) if p.strip()]
    if not isinstance(value, Iterable):
        return [] if _is_missing(value) else [str(value)]
    return [str(p).strip() for p in value if str(p).strip()]


def model_params(model) -> dict[str, object] | None:
    """What to store beside an analysis so a figure can be reproduced: class, parameters, training size,
    vocabulary versions at training time."""
    if model is None:
        return None
    info: dict[str, object] = {"model": type(model).__name__, "params": model.get_params()}
    for key in ("n_cases_", "vocabulary_versions_", "fitted_at_"):
        if hasattr(model, key):
            info[key.rstrip("_")] = getattr(model, key)
    if hasattr(model, "classes_"):
        info["classes"] = [str(c) for c in model.classes_]
    return info


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def vocabulary_versions() -> dict[str, str]:
    """{"taxonomy_version": …, "lexicon_version": …} of the vocabulary files in use."""
    from xinfang.text.vocab import vocabulary_versions as _versions

    return _versions()


def is_stale(taxonomy_version: object, lexicon_version: object) -> bool:
    """True when a stored analysis was made with other vocabulary versions than the ones in use
    (recompute it with :func:`analyze`)."""
    current = vocabulary_versions()
    return (str(taxonomy_version) != current["taxonomy_version"]
            or str(lexicon_version) != current["lexicon_version"])


# -- tallies --------------------------------------------------------------------------------------

_TOPIC_NAMES = ("topic", "topics")
TOTAL = "合计"


def _prepare(df: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    frame = df
    if "month" in names and "month" not in frame.columns:
        for candidate in ("date", "received", "received_date", "received_at", "day"):
            if candidate in frame.columns:
                frame = frame.assign(month=pd.to_datetime(frame[candidate]).dt.strftime("%Y-%m"))
                break
    for name in names:
        column = "topics" if name in _TOPIC_NAMES else name
        if column not in frame.columns:
            raise ValidationError("text.no_column", column=column, known="、".join(map(str, frame.columns)),
                                  argument="by")
    if any(name in _TOPIC_NAMES for name in names):
        frame = frame.assign(topic=frame["topics"].map(lambda t: list(t) if isinstance(t, list | tuple) else
                                                       ([t] if isinstance(t, str) else [])))
        frame = frame.explode("topic")
        frame = frame[frame["topic"].notna()]
    return frame


def tally(df: pd.DataFrame, by: Sequence[str] = ("topic",), *, columns: str | None = None,
          person_column: str = "person_key", totals: bool = True, min_size: int | None = None,
          suppress: bool = True) -> pd.DataFrame:
    """Count remarks (distinct people when ``person_column`` exists) by ``by`` (e.g. ["unit", "topic",
    "month"]), optionally spread over ``columns`` (e.g. "label"), with 合计 totals, then small-group
    suppression (:func:`xinfang.privacy.suppress`). "topic" explodes the ``topics`` lists, so a remark
    with two topics counts under both (totals count each person once).
    """
    from xinfang import privacy

    by = [by] if isinstance(by, str) else list(by)
    names = by + ([columns] if columns else [])
    frame = _prepare(df, names)
    keys = ["topic" if b in _TOPIC_NAMES else b for b in by]
    col_key = ("topic" if columns in _TOPIC_NAMES else columns) if columns else None
    distinct = person_column in frame.columns

    def count(group_keys: list[str]) -> pd.Series:
        if not group_keys:
            value = frame[person_column].nunique() if distinct else len(frame)
            return pd.Series([value])
        grouped = frame.groupby(group_keys, sort=True, dropna=False)
        return grouped[person_column].nunique() if distinct else grouped.size()

    measure = "人数" if distinct else "条数"
    if col_key is None:
        table = count(keys).rename(measure).to_frame()
        if totals:
            grand = count([]).iloc[0]
            label = tuple([TOTAL] * len(keys)) if len(keys) > 1 else TOTAL
            table.loc[label, measure] = grand
    else:
        table = count(keys + [col_key]).unstack(col_key, fill_value=0)
        table.columns = [str(c) for c in table.columns]
        if totals:
            table[TOTAL] = count(keys).reindex(table.index).fillna(0)
            per_column = count([col_key])
            row = [per_column.get(c, 0) for c in table.columns[:-1]] + [count([]).iloc[0]]
            label = tuple([TOTAL] * len(keys)) if len(keys) > 1 else TOTAL
            table.loc[label, :] = row
    table = table.fillna(0).astype("int64")
    if not suppress:
        return table
    return privacy.suppress(table, min_size=min_size)


__all__ = ["COLUMNS", "analyze", "codes_of", "is_stale", "model_params", "tally", "vocabulary_versions"]
