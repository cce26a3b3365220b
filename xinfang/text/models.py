"""Trainable models that learn from the office's own labelled cases (scikit-learn conventions).

* :class:`SentimentModel` — 负面 / 中性 / 正面 from character n-grams plus the lexicon's own findings
  (score, counts of complaint patterns, demands …) as features, so a few hundred cases go a long way.
* :class:`TopicModel` — multi-label topics (one logistic regression per topic) from character n-grams
  plus the taxonomy's matches; a topic set by staff is training data.

Conventions (STYLE.md): ``__init__`` only stores its keyword arguments; ``fit`` does the work and returns
``self``; learned state ends in ``_``; ``random_state`` is a parameter; ``get_params()`` describes the
model fully; the tokenizer and feature functions are module-level, so a fitted model pickles.
A model is used by :func:`xinfang.text.analyze` only once :meth:`ready` (enough cases); the output's
``decided_by`` column says whether the lexicon or the model decided.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from xinfang.errors import ValidationError
from xinfang.text.analysis import codes_of as _codes
from xinfang.text.analysis import model_params
from xinfang.text.sentiment import LABELS, NEGATIVE, POSITIVE

_SPLIT = re.compile(r"[\s,.!?;:。、…“”\"'()\[\]{}<>~\-—]+")
_CUE_LABEL = re.compile(r"\(([^()]*)\)$")

# Lexicon features, in this order (names shown when a model explains itself).
LEXICON_FEATURES = ("词典得分", "负面线索", "正面线索", "抱怨句式", "诉求句式", "反问", "反讽", "否定")


# -- module-level functions (picklable) -----------------------------------------------------------

def tokenize(text: str, ngram_max: int = 3) -> list[str]:
    """Character 1..ngram_max-grams of the analysis form, never across punctuation or spaces.

    Runs of Latin letters and digits count as one token ("wifi", "3000").
    """
    from xinfang.text.normalize import normalize

    tokens: list[str] = []
    for piece in _SPLIT.split(normalize(text)):
        if not piece:
            continue
        units = re.findall(r"[a-z0-9]+|.", piece)
        size = len(units)
        for n in range(1, ngram_max + 1):
            for i in range(size - n + 1):
                tokens.append("".join(units[i:i + n]))
    return tokens


def lexicon_features(texts: Iterable[object]):
    """Sparse matrix of the lexicon's findings per text (see LEXICON_FEATURES)."""
    from scipy import sparse

    from xinfang.text import sentiment
    from xinfang.text.normalize import normalize_joined

    engine = sentiment.compiled()
    texts = list(texts)
    joined, count = normalize_joined(texts)
    rows = []
    for raw, cues in engine.score_joined(joined, count):
        neg = pos = grievance = demand = question = sarcasm = negation = 0.0
        for contribution, text in cues:
            found = _CUE_LABEL.search(text)
            label = found.group(1) if found else ""
            if contribution < 0:
                neg += 1
            elif contribution > 0:
                pos += 1
            if "抱怨" in label:
                grievance += 1
            elif "诉求" in label:
                demand += 1
            elif "反问" in label:
                question += 1
            elif "反讽" in label:
                sarcasm += 1
            if "否定" in label:
                negation += 1
        rows.append((engine.score_of(raw), min(neg, 5) / 5, min(pos, 5) / 5, min(grievance, 3) / 3,
                     min(demand, 3) / 3, min(question, 2) / 2, min(sarcasm, 1), min(negation, 3) / 3))
    return sparse.csr_matrix(np.asarray(rows, dtype=float).reshape(len(rows), len(LEXICON_FEATURES)))


def taxonomy_features(texts: Iterable[object]):
    """Sparse 0/1 matrix: which taxonomy topics each text matches (columns in taxonomy order)."""
    from scipy import sparse

    from xinfang.text import topics
    from xinfang.text.normalize import normalize_joined

    engine = topics.compiled()
    codes = engine.taxonomy.codes
    index = {code: i for i, code in enumerate(codes)}
    texts = list(texts)
    joined, count = normalize_joined(texts)
    rows, cols = [], []
    for r, found in enumerate(engine.match_joined(joined, count)):
        for code in found:
            if code in index:
                rows.append(r)
                cols.append(index[code])
    data = np.ones(len(rows), dtype=float)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(texts), len(codes)))


def _as_list(texts) -> list[str]:
    """The texts as strings, as analyze() reads them: None/NaN → "", numbers → their text, bytes
    decoded (bad bytes replaced); anything else is refused with text.not_text. scikit-learn itself
    would fail on NaN or on bytes that are not UTF-8."""
    from xinfang.text.normalize import to_text

    if isinstance(texts, str | bytes):
        texts = [texts]
    return [to_text(t, row=i + 1) for i, t in enumerate(texts)]


def _fit_features(features, texts: list[str], what: str, what_en: str):
    try:
        return features.fit_transform(texts)
    except ValueError as exc:
        if "empty vocabulary" not in str(exc):
            raise
        # every text is blank, digits or punctuation: no n-gram to learn from
        raise ValidationError("text.no_words", n=len(texts), what=what, what_en=what_en) from exc


def _features(ngram_max: int, min_df: int, max_features: int | None, extra):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion
    from sklearn.preprocessing import FunctionTransformer

    parts = [("ngrams", TfidfVectorizer(analyzer=functools.partial(tokenize, ngram_max=ngram_max),
                                        min_df=min_df, max_features=max_features, sublinear_tf=True))]
    if extra is not None:
        parts.append(("vocabulary", FunctionTransformer(extra, accept_sparse=True)))
    return FeatureUnion(parts)


def _feature_names(union) -> list[str]:
    names = list(union.transformer_list[0][1].get_feature_names_out())
    if len(union.transformer_list) > 1:
        extra = union.transformer_list[1][1].func
        if extra is lexicon_features:
            names += [f"[{n}]" for n in LEXICON_FEATURES]
        else:
            from xinfang.text import topics

            names += [f"[{c}]" for c in topics.compiled().taxonomy.codes]
    return names


def _vocab_versions() -> dict[str, str]:
    from xinfang.text.vocab import vocabulary_versions

    return vocabulary_versions()


# -- sentiment ------------------------------------------------------------------------------------

class SentimentModel(ClassifierMixin, BaseEstimator):
    """Logistic regression over character n-grams and lexicon findings.

    Parameters
    ----------
    C : inverse regularisation strength of the logistic regression.
    ngram_max : longest character n-gram.
    min_df, max_features : vocabulary pruning of the n-gram vectoriser.
    use_lexicon : add the lexicon's findings as features.
    class_weight : passed to LogisticRegression ("balanced" copes with few 正面 cases).
    min_cases : the model is used by analyze() only when trained on at least this many cases.
    min_confidence : below this top probability analyze() keeps the lexicon's label.
    random_state : seed of the solver.
    """

    def __init__(self, C: float = 2.0, ngram_max: int = 3, min_df: int = 1, max_features: int | None = 300_000,
                 use_lexicon: bool = True, class_weight: str | None = "balanced", min_cases: int = 200,
                 min_confidence: float = 0.0, random_state: int = 0) -> None:
        self.C = C
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_features = max_features
        self.use_lexicon = use_lexicon
        self.class_weight = class_weight
        self.min_cases = min_cases
        self.min_confidence = min_confidence
        self.random_state = random_state

    def fit(self, X: Sequence[object], y: Sequence[object]) -> SentimentModel:
        from sklearn.linear_model import LogisticRegression

        texts = _as_list(X)
        labels = [str(v) for v in y]
        if len(texts) != len(labels):
            raise ValueError("X and y have different lengths")
        for row, label in enumerate(labels):
            if label not in LABELS:
                raise ValidationError("text.bad_label", row=row + 1, value=label, known="、".join(LABELS))
        if len(texts) < 2 or len(set(labels)) < 2:
            raise ValidationError("text.too_few_cases", n=len(texts), need=max(2, self.min_cases),
                                  what="情感模型", what_en="sentiment model")
        self.features_ = _features(self.ngram_max, self.min_df, self.max_features,
                                   lexicon_features if self.use_lexicon else None)
        matrix = _fit_features(self.features_, texts, "情感模型", "sentiment model")
        self.classifier_ = LogisticRegression(C=self.C, max_iter=2000, class_weight=self.class_weight,
                                              random_state=self.random_state)
        self.classifier_.fit(matrix, labels)
        self.classes_ = self.classifier_.classes_
        self.n_cases_ = len(texts)
        self.vocabulary_versions_ = _vocab_versions()
        self.fitted_at_ = datetime.now(UTC).isoformat(timespec="seconds")
        return self

    def _check(self) -> None:
        if not hasattr(self, "classifier_"):
            raise ValidationError("text.not_fitted", what="情感模型", what_en="sentiment model")

    def ready(self) -> bool:
        """Fitted on at least ``min_cases`` cases (analyze() uses it only then)."""
        return hasattr(self, "classifier_") and self.n_cases_ >= self.min_cases

    def predict_proba(self, X: Sequence[object]) -> np.ndarray:
        self._check()
        texts = _as_list(X)
        if not texts:  # scikit-learn refuses an empty batch
            return np.zeros((0, len(self.classes_)))
        return self.classifier_.predict_proba(self.features_.transform(texts))

    def predict(self, X: Sequence[object]) -> np.ndarray:
        self._check()
        texts = _as_list(X)
        if not texts:
            return np.asarray([], dtype=object)
        return self.classifier_.predict(self.features_.transform(texts))

    def decide(self, X: Sequence[object], top: int = 3) -> list[tuple[str, float, float, list[str]]]:
        """(label, score in [-1, 1], confidence, cues) per text; cues are the features that pushed most."""
        self._check()
        texts = _as_list(X)
        if not texts:
            return []
        matrix = self.features_.transform(texts)
        proba = self.classifier_.predict_proba(matrix)
        classes = list(self.classes_)
        neg = classes.index(NEGATIVE) if NEGATIVE in classes else None
        pos = classes.index(POSITIVE) if POSITIVE in classes else None
        names = _feature_names(self.features_)
        coef = self.classifier_.coef_
        binary = coef.shape[0] == 1
        out = []
        matrix = matrix.tocsr()
        for r in range(matrix.shape[0]):
            k = int(np.argmax(proba[r]))
            label = classes[k]
            score = (proba[r][pos] if pos is not None else 0.0) - (proba[r][neg] if neg is not None else 0.0)
            row = matrix.getrow(r)
            weights = coef[0] if binary else coef[k]
            sign = (1 if k == 1 else -1) if binary else 1
            contrib = [(sign * weights[j] * v, names[j]) for j, v in zip(row.indices, row.data, strict=True)]
            contrib.sort(reverse=True)
            cues = [f"{name}(模型)" for value, name in contrib[:top] if value > 0]
            out.append((label, float(np.clip(score, -1, 1)), float(proba[r][k]), cues))
        return out


# -- topics ---------------------------------------------------------------------------------------

class TopicModel(BaseEstimator):
    """One logistic regression per topic over character n-grams and taxonomy matches.

    Parameters
    ----------
    C, ngram_max, min_df, max_features, class_weight : as in :class:`SentimentModel`.
    use_taxonomy : add the taxonomy's matches as features.
    threshold : probability from which a topic is given.
    min_cases_per_topic : topics with fewer positive cases are not learned.
    min_cases : the model is used by analyze() only when trained on at least this many cases.
    random_state : seed of the solver.
    """

    def __init__(self, C: float = 4.0, ngram_max: int = 3, min_df: int = 1, max_features: int | None = 300_000,
                 use_taxonomy: bool = True, class_weight: str | None = "balanced", threshold: float = 0.5,
                 min_cases_per_topic: int = 5, min_cases: int = 200, random_state: int = 0) -> None:
        self.C = C
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_features = max_features
        self.use_taxonomy = use_taxonomy
        self.class_weight = class_weight
        self.threshold = threshold
        self.min_cases_per_topic = min_cases_per_topic
        self.min_cases = min_cases
        self.random_state = random_state

    def fit(self, X: Sequence[object], Y: Sequence[Iterable[str] | str]) -> TopicModel:
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.preprocessing import MultiLabelBinarizer

        from xinfang.text.vocab import UNCLASSIFIED

        texts = _as_list(X)
        label_sets = [[c for c in _codes(v) if c != UNCLASSIFIED] for v in Y]
        if len(texts) != len(label_sets):
            raise ValueError("X and Y have different lengths")
        counts: dict[str, int] = {}
        for codes in label_sets:
            for code in codes:
                counts[code] = counts.get(code, 0) + 1
        kept = sorted(c for c, n in counts.items() if n >= self.min_cases_per_topic and n < len(texts))
        if not kept:
            raise ValidationError("text.too_few_cases", n=len(texts), need=self.min_cases_per_topic,
                                  what="主题模型", what_en="topic model")
        self.binarizer_ = MultiLabelBinarizer(classes=kept)
        target = self.binarizer_.fit_transform([[c for c in codes if c in kept] for codes in label_sets])
        self.features_ = _features(self.ngram_max, self.min_df, self.max_features,
                                   taxonomy_features if self.use_taxonomy else None)
        matrix = _fit_features(self.features_, texts, "主题模型", "topic model")
        base = LogisticRegression(C=self.C, max_iter=2000, class_weight=self.class_weight,
                                  random_state=self.random_state)
        self.classifier_ = OneVsRestClassifier(base).fit(matrix, target)
        self.classes_ = np.asarray(kept)
        self.n_cases_ = len(texts)
        self.vocabulary_versions_ = _vocab_versions()
        self.fitted_at_ = datetime.now(UTC).isoformat(timespec="seconds")
        return self

    def _check(self) -> None:
        if not hasattr(self, "classifier_"):
            raise ValidationError("text.not_fitted", what="主题模型", what_en="topic model")

    def ready(self) -> bool:
        return hasattr(self, "classifier_") and self.n_cases_ >= self.min_cases

    def predict_proba(self, X: Sequence[object]) -> np.ndarray:
        """Probability of each topic in ``classes_`` (columns), per text."""
        self._check()
        texts = _as_list(X)
        if not texts:  # scikit-learn refuses an empty batch
            return np.zeros((0, len(self.classes_)))
        return self._proba(self.features_.transform(texts))

    def _proba(self, matrix) -> np.ndarray:
        proba = self.classifier_.predict_proba(matrix)
        if proba.shape[1] != len(self.classes_):  # a single topic: binary columns [not, topic]
            proba = proba[:, -len(self.classes_):]
        return proba

    def predict(self, X: Sequence[object]) -> list[list[str]]:
        from xinfang.text.vocab import UNCLASSIFIED

        proba = self.predict_proba(X)
        out = []
        for row in proba:
            codes = [str(self.classes_[j]) for j in np.argsort(-row) if row[j] >= self.threshold]
            out.append(codes or [UNCLASSIFIED])
        return out

    def decide(self, X: Sequence[object], top: int = 3) -> list[dict[str, list[str]]]:
        """Per text: topic code → the features that pushed most (empty dict when no topic reaches
        the threshold)."""
        self._check()
        texts = _as_list(X)
        if not texts:
            return []
        matrix = self.features_.transform(texts).tocsr()
        proba = self._proba(matrix)
        names = _feature_names(self.features_)
        out = []
        for r in range(matrix.shape[0]):
            row = matrix.getrow(r)
            found: dict[str, list[str]] = {}
            for j in np.argsort(-proba[r]):
                if proba[r][j] < self.threshold:
                    break
                coef = self.classifier_.estimators_[j].coef_[0]
                contrib = sorted(((coef[i] * v, names[i]) for i, v in zip(row.indices, row.data, strict=True)),
                                 reverse=True)
                found[str(self.classes_[j])] = [f"{n}(模型)" for value, n in contrib[:top] if value > 0]
            out.append(found)
        return out


__all__ = ["LEXICON_FEATURES", "SentimentModel", "TopicModel", "lexicon_features", "model_params",
           "taxonomy_features", "tokenize"]
