"""Discovery of new themes among unmatched remarks, and promotion of a theme into the taxonomy."""

from __future__ import annotations

import random
import shutil

import pandas as pd
import pytest

from xinfang.errors import ValidationError
from xinfang.text import analyze, discover_topics, promote_theme
from xinfang.text.vocab import load_taxonomy

THEMES = {
    "快递": ["快递驿站离得太远，取快递很不方便", "快递总放在门卫那里，经常丢件", "快递驿站周末不开门，取快递难"],
    "手机信号": ["井下手机信号太差，打不了电话", "手机信号弱，家里联系不上我", "手机信号时有时无，视频打不通"],
    "流浪狗": ["流浪狗太多，晚上回家害怕", "流浪狗在路边追人", "小区流浪狗成群结队"],
}


@pytest.fixture
def remarks() -> pd.DataFrame:
    rnd = random.Random(3)
    rows = [(theme, rnd.choice(texts)) for _ in range(40) for theme, texts in THEMES.items()]
    rows += [("known", "夜班费太低了")] * 10        # matched by the taxonomy: must be left out
    df = pd.DataFrame(rows, columns=["theme", "text"])
    return df.join(analyze(df))


def test_planted_themes_are_found_among_unmatched_remarks__ok(remarks):
    themes = discover_topics(remarks, n_topics=3, random_state=0)
    assert len(themes) == 3
    assert sum(t.size for t in themes) == (remarks.topics.map(lambda t: t == ["未归类"])).sum()
    for core in THEMES:
        holders = [t for t in themes if core in t.words[:3]]
        assert len(holders) == 1, (core, [t.words for t in themes])
        examples = remarks.loc[holders[0].examples, "theme"]
        assert (examples == core).mean() >= 0.8
    assert all(remarks.loc[t.examples, "theme"].ne("known").all() for t in themes)


def test_same_random_state_same_themes__ok(remarks):
    first = discover_topics(remarks, n_topics=3, random_state=1)
    second = discover_topics(remarks, n_topics=3, random_state=1)
    assert [t.words for t in first] == [t.words for t in second]


def test_plain_lists_and_degenerate_input__ok():
    texts = [t for texts in THEMES.values() for t in texts] * 3
    themes = discover_topics(texts, n_topics=2, random_state=0)
    assert themes and all(isinstance(i, int) for t in themes for i in t.examples)
    assert discover_topics([], n_topics=3) == []
    assert discover_topics(["", None, "的了"], n_topics=3) == []


def test_promote_theme_into_a_new_topic__ok(tmp_path, remarks):
    path = tmp_path / "taxonomy.yaml"
    shutil.copy(load_taxonomy().file, path)
    before = load_taxonomy(path)
    version = promote_theme(["快递驿站", "取快递", "丢件", "快"], name="快递收发", path=path)
    after = load_taxonomy(path)
    assert version == after.version != before.version
    new = after.topics[-1]
    assert (new.code, new.name) == ("C15", "快递收发")
    assert new.words == ("快递驿站", "取快递", "丢件")              # the one-character word is skipped
    assert "# Topic taxonomy" in path.read_text(encoding="utf-8")   # comments kept
    result = analyze(["快递驿站又关门了"], taxonomy=str(path))
    assert result.topics[0] == ["C15"]
    assert result.taxonomy_version[0] == version


def test_promote_words_into_an_existing_topic__ok(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    shutil.copy(load_taxonomy().file, path)
    promote_theme(["电梯", "宿舍"], code="C09", path=path)          # 宿舍 is already there
    topic = next(t for t in load_taxonomy(path).topics if t.code == "C09")
    assert topic.words.count("电梯") == 1 and topic.words.count("宿舍") == 1
    assert analyze(["电梯又坏了"], taxonomy=str(path)).topics[0] == ["C09"]


def test_promote_into_an_unknown_code__error(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    shutil.copy(load_taxonomy().file, path)
    with pytest.raises(ValidationError) as info:
        promote_theme(["电梯"], code="C77", path=path)
    assert info.value.code == "text.unknown_topic"
    with pytest.raises(ValidationError) as info:
        promote_theme(["电梯"], path=path)
    assert info.value.code == "text.theme_needs_name"
