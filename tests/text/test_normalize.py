"""Normalisation: pinyin annotations, Traditional → Simplified, widths, sentences, odd characters."""

from __future__ import annotations

import re

import pytest

from xinfang.text import normalize as nz

# An annotation as it appears in the seed: a parenthesised run of lowercase Latin letters.
SIMPLE_ANNOTATION = re.compile(r"\([a-z]+\)")
ANY_PINYIN_GROUP = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+[1-5]?[)）]")


def test_seed_article_loses_every_annotation__ok(seed_text):
    display = nz.clean(seed_text)
    assert SIMPLE_ANNOTATION.search(seed_text), "the fixture should contain annotations"
    assert not ANY_PINYIN_GROUP.search(display)


def test_seed_article_keeps_every_other_character__ok(seed_text):
    # Independent check: drop the annotations with a plain regex and compare character by character.
    expected = SIMPLE_ANNOTATION.sub("", seed_text).strip()
    assert nz.clean(seed_text) == expected


def test_seed_article_keeps_real_parentheses_and_traditional_for_display__ok(seed_text):
    display = nz.clean(seed_text)
    assert "(文 郭艷霞)" in display
    assert "礦" in display and "隊" in display


def test_seed_article_analysis_form_is_simplified__ok(seed_text):
    analysis = nz.normalize(seed_text)
    assert "礦" not in analysis and "隊" not in analysis and "獎" not in analysis
    assert "精益奖金分配差距比较大" in analysis
    assert "(文 郭艳霞)" in analysis
    assert not ANY_PINYIN_GROUP.search(analysis)


@pytest.mark.parametrize(
    ("raw", "display"),
    [
        ("煤(mei)礦", "煤礦"),
        ("信(xin)(xin)訪(fang)(fang)辦", "信訪辦"),
        ("礦(kuàng)工", "礦工"),            # tone mark
        ("礦(kuang4)工", "礦工"),           # tone digit
        ("綠(lǜ)色", "綠色"),                # ü with tone
        ("煤（mei）礦", "煤礦"),            # full-width parentheses
    ],
)
def test_annotations_of_every_shape_are_removed__ok(raw, display):
    assert nz.clean(raw) == display


@pytest.mark.parametrize(
    "raw",
    ["(文 郭艷霞)", "工作安排（一）", "信号(OK)", "保底(3000元)", "时间(min)", "长度(m)", "方案(a)说明",
     "英文(abc)", "（二）季度"],
)
def test_real_parentheses_are_kept__ok(raw):
    assert nz.clean(raw) == raw


def test_a_syllable_that_is_no_reading_of_its_character_stays_in_unannotated_text__ok():
    # "min" is a pinyin syllable but not a reading of 间; with no other annotation it is a real unit.
    assert nz.clean("间隔(min)") == "间隔(min)"


def test_widths_are_folded_and_latin_lowercased__ok():
    assert nz.normalize("ＡＢＣ１２３，（一）") == "abc123,(一)"
    assert nz.normalize("夜班\u3000\u3000费") == "夜班 费"


def test_traditional_is_folded_to_simplified__ok():
    assert nz.normalize("勞保用品發放不及時") == "劳保用品发放不及时"
    assert nz.normalize("他們是奔著解決問題來的") == "他们是奔着解决问题来的"
    assert nz.normalize("著名") == "著名"


def test_control_and_invisible_characters_are_dropped__ok():
    assert nz.clean("工\x00资\u200b低\u202e了\x07") == "工资低了"
    assert nz.normalize("工资\ud800低") == "工资低"


def test_batch_matches_one_by_one__ok(seed_text):
    texts = ["煤(mei)礦", None, 12, "  a  b ", seed_text[:200], "第一行\n第二行"]
    assert nz.normalize_many(texts) == [nz.normalize(t) for t in texts]
    assert nz.normalize_many([]) == []


def test_split_sentences__ok(seed_text):
    sentences = nz.split_sentences(nz.clean(seed_text))
    assert len(sentences) > 20
    assert any(s.startswith("“我覺得隊里的精益獎金分配差距比較大。”") for s in sentences)
    assert nz.split_sentences("") == []
    assert nz.split_sentences("好！真的吗？是的。") == ["好！", "真的吗？", "是的。"]


@pytest.mark.parametrize(("value", "expected"), [(None, ""), (float("nan"), ""), (12, "12"), (3.5, "3.5"),
                                                 (b"\xe5\xb7\xa5\xe8\xb5\x84", "工资")])
def test_to_text_defined_results__ok(value, expected):
    assert nz.to_text(value) == expected


def test_to_text_refuses_other_objects__error():
    from xinfang.errors import ValidationError, message

    with pytest.raises(ValidationError) as info:
        nz.to_text({"a": 1}, row=7)
    assert str(info.value) == message("text.not_text", row=7, kind="dict")
