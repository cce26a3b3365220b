"""Trainable models: scikit-learn conventions, learning from labelled cases, and who decided."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
from sklearn.base import clone

from xinfang.errors import ValidationError, message
from xinfang.text import SentimentModel, TopicModel, analyze, model_params


def office_cases(n: int, seed: int = 0) -> tuple[list[str], list[str], list[list[str]]]:
    """Synthetic labelled cases in the office's own words (phrasings the lexicon does not know)."""
    rnd = random.Random(seed)
    places = ["宿舍", "二号楼", "单身公寓", "家属区"]
    neg = ["{p}的电梯又停了三天", "{p}电梯天天卡人", "{p}的电梯修了好多回还是那样"]
    pos = ["{p}的电梯换了新的，上下楼轻快多了", "{p}电梯按时保养，挺省事"]
    neutral = ["{p}下周检修电梯", "{p}电梯改为刷卡"]
    texts, labels, topics = [], [], []
    for _ in range(n):
        kind = rnd.choice(["负面", "负面", "正面", "中性"])
        pattern = rnd.choice({"负面": neg, "正面": pos, "中性": neutral}[kind])
        texts.append(pattern.format(p=rnd.choice(places)))
        labels.append(kind)
        topics.append(["C09"])
    for _ in range(n // 2):  # cases about something else
        texts.append(rnd.choice(["班组开会学习文件", "今天下雪路滑", "工会组织义务献血"]))
        labels.append("中性")
        topics.append(["未归类"])
    return texts, labels, topics


def test_estimator_conventions__ok():
    model = SentimentModel(C=3.0, random_state=5)
    assert model.get_params()["C"] == 3.0 and model.get_params()["random_state"] == 5
    assert not [k for k in vars(model) if k.endswith("_")]           # no work in __init__
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    texts, labels, _ = office_cases(60)
    assert model.fit(texts, labels) is model
    learned = [k for k in vars(model) if k.endswith("_")]
    assert {"classifier_", "features_", "classes_", "n_cases_"} <= set(learned)
    assert not [k for k in vars(model) if not k.endswith("_") and k not in model.get_params()]
    restored = pickle.loads(pickle.dumps(model))
    assert (restored.predict(texts) == model.predict(texts)).all()
    assert np.allclose(restored.predict_proba(texts), model.predict_proba(texts))


def test_same_random_state_same_model__ok():
    texts, labels, _ = office_cases(80)
    a = SentimentModel(random_state=1).fit(texts, labels)
    b = SentimentModel(random_state=1).fit(texts, labels)
    assert np.allclose(a.predict_proba(texts), b.predict_proba(texts))


def test_learns_the_office_phrasings_and_says_it_decided__ok():
    train_texts, train_labels, _ = office_cases(200, seed=1)
    test_texts, test_labels, _ = office_cases(60, seed=2)
    lexicon = analyze(test_texts)
    model = SentimentModel(min_cases=100).fit(train_texts, train_labels)
    learned = analyze(test_texts, sentiment_model=model)
    lexicon_accuracy = (lexicon.label == test_labels).mean()
    model_accuracy = (learned.label == test_labels).mean()
    assert model_accuracy > lexicon_accuracy
    assert model_accuracy >= 0.9
    assert set(learned.decided_by) == {"model"}
    assert all(any("(模型)" in cue for cue in cues) for cues in learned.cues)
    params = learned.attrs["model_params"]["sentiment_model"]
    assert params["model"] == "SentimentModel" and params["n_cases"] == len(train_texts)
    assert params["params"] == model.get_params()


def test_a_model_with_too_few_cases_is_not_used__ok():
    texts, labels, _ = office_cases(30)
    model = SentimentModel(min_cases=200).fit(texts, labels)
    assert not model.ready()
    result = analyze(texts, sentiment_model=model)
    assert set(result.decided_by) == {"lexicon"}
    assert result.attrs["model_params"]["sentiment_model"] is None


def test_bad_labels_and_too_few_cases__error():
    with pytest.raises(ValidationError) as info:
        SentimentModel().fit(["好", "差"], ["正面", "bad"])
    assert str(info.value) == message("text.bad_label", row=2, value="bad", known="负面、中性、正面")
    with pytest.raises(ValidationError) as info:
        SentimentModel().fit(["好", "很好"], ["正面", "正面"])
    assert info.value.code == "text.too_few_cases"
    with pytest.raises(ValidationError) as info:
        SentimentModel().predict(["好"])
    assert info.value.code == "text.not_fitted"


def test_public_review_set__ok(waimai):
    """The trainable model on the public food-delivery reviews (read at run time, not copied)."""
    sample = waimai.sample(n=5000, random_state=0)
    labels = sample["label"].map({0: "负面", 1: "正面"}).tolist()
    texts = sample["review"].tolist()
    model = SentimentModel(min_cases=100).fit(texts[:4000], labels[:4000])
    accuracy = (model.predict(texts[4000:]) == np.asarray(labels[4000:])).mean()
    assert accuracy >= 0.85


def test_topic_model_tags_what_the_taxonomy_misses__ok():
    texts, _, topics = office_cases(200, seed=3)
    model = TopicModel(min_cases=50).fit(texts, topics)
    assert model.classes_.tolist() == ["C09"]
    assert model.predict(["二号楼电梯又坏了", "今天下雪路滑"]) == [["C09"], ["未归类"]]
    without = analyze(["二号楼电梯又坏了"])
    assert without.topics[0] == ["未归类"]
    with_model = analyze(["二号楼电梯又坏了", "夜班费太低"], topic_model=model)
    assert with_model.topics.tolist() == [["C09"], ["C02"]]          # the taxonomy still decides row 2
    reasons = with_model.topic_words[0]["C09"]
    assert reasons and all(w.endswith("(模型)") and w[:-4] in "二号楼电梯又坏了" for w in reasons)
    assert model_params(model)["params"] == model.get_params()
    assert pickle.loads(pickle.dumps(model)).predict(["电梯又停了"]) == [["C09"]]


def test_topic_model_needs_enough_cases_per_topic__error():
    with pytest.raises(ValidationError) as info:
        TopicModel(min_cases_per_topic=5).fit(["电梯坏了"] * 3 + ["下雪"] * 3, [["C09"]] * 3 + [["未归类"]] * 3)
    assert info.value.code == "text.too_few_cases"
