"""Lexicon sentiment: labels, scores and the cues that decided them."""

from __future__ import annotations

import re

import pytest

from xinfang.text.sentiment import NEGATIVE, NEUTRAL, POSITIVE, score_texts


def one(text):
    return score_texts([text])[0]


def seed_quote(seed_text: str, marker: str) -> str:
    from xinfang.text.normalize import clean

    quotes = re.findall(r"“([^”]+)”", clean(seed_text))
    found = [q for q in quotes if marker in q]
    assert found, f"no quote with {marker!r} in the seed"
    return found[0]


def test_seed_bonus_complaint_is_negative__ok(seed_text):
    result = one(seed_quote(seed_text, "精益獎金"))
    assert result.label == NEGATIVE
    assert result.score < 0
    assert any("差距比较大" in cue and "抱怨" in cue for cue in result.cues)


def test_seed_praise_of_the_office_is_positive__ok(seed_text):
    result = one(seed_quote(seed_text, "態度好"))
    assert result.label == POSITIVE
    assert result.score > 0
    assert any("没架子" in cue for cue in result.cues)


def test_seed_uneven_shifts_is_negative__ok(seed_text):
    from xinfang.text.normalize import clean

    phrase = re.search(r"有提(排[^,，的]*)的", clean(seed_text)).group(1)
    assert one(phrase).label == NEGATIVE


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("我觉得队里的精益奖金分配差距比较大", NEGATIVE),       # no negative word at all
        ("排班不均衡，老是我们班上夜班", NEGATIVE),
        ("信访办的同志态度好，没架子", POSITIVE),
        ("劳保用品发放不及时", NEGATIVE),
        ("工资一直没发", NEGATIVE),
        ("这样分配合理吗？", NEGATIVE),                         # rhetorical question
        ("凭什么我们班的夜班费比别人少", NEGATIVE),
        ("下周三下午两点在会议室学习劳动合同法", NEUTRAL),
        ("谢谢你们，问题解决了", POSITIVE),
    ],
)
def test_labels__ok(text, label):
    assert one(text).label == label


def test_negation_flips_a_positive_word__ok():
    assert one("食堂的饭菜很好").label == POSITIVE
    flipped = one("食堂的饭菜不好")
    assert flipped.label == NEGATIVE
    assert one("处理得不及时").label == NEGATIVE
    negated = one("发放没有及时")
    assert negated.label == NEGATIVE and any("否定" in c for c in negated.cues)


def test_negated_negative_is_weakly_positive__ok():
    assert one("不累").score > 0


def test_degree_words_scale_the_score__ok():
    assert one("食堂的饭菜非常好").score > one("食堂的饭菜好").score > one("食堂的饭菜有点好").score > 0


def test_contrast_gives_the_last_word_more_weight__ok():
    assert one("食堂还挺好的，就是价格太贵了").label == NEGATIVE
    assert one("虽然工资不高，但是领导很关心我们").label == POSITIVE
    assert any("转折" in c for c in one("挺好的，但是工资太低了").cues)


def test_a_suggestion_is_neutral_a_demand_is_not__ok():
    assert one("建议在浴池旁边增设一个烘干间，方便大家").label == NEUTRAL
    assert one("希望尽快解决夜班费的问题").label == NEGATIVE
    assert one("要求把考核结果每月公布").label == NEGATIVE


def test_information_questions_are_neutral__ok():
    assert one("年休假怎么申请？").label == NEUTRAL
    assert one("工伤好了以后还能回原来的岗位吗？").label == NEUTRAL
    assert one("取暖费什么时候发？").label == NEUTRAL


def test_sarcasm__ok():
    assert one("呵呵，真是太好了").label == NEGATIVE
    ironic = one("信访回复真及时，每次都要等半年")
    assert ironic.label == NEGATIVE
    assert any("反讽" in c for c in ironic.cues)
    # The same praise without a complaint stays praise.
    assert one("信访回复真及时，谢谢").label == POSITIVE


def test_neutral_words_mask_sentiment_characters__ok():
    assert one("我出差去了好几个地方").label == NEUTRAL   # 差 and 好 inside 出差 / 好几


def test_cues_explain_the_label__ok():
    result = one("工资太低，领导态度也差")
    assert result.label == NEGATIVE
    assert result.cues and all(re.search(r"\(.+\)$", c) for c in result.cues)
    assert one("下周三学习").cues == []


def test_scores_are_bounded_and_long_texts_are_fine__ok():
    long_bad = "工资太低，" * 5000
    result = one(long_bad)
    assert result.label == NEGATIVE and -1.0 <= result.score < -0.9
    long_good = "谢谢，" * 5000
    assert 0.9 < one(long_good).score <= 1.0
