"""Topics from the taxonomy: multi-label, matched words shown, 未归类 when nothing matches."""

from __future__ import annotations

import re

from xinfang.text.topics import match_topics
from xinfang.text.vocab import UNCLASSIFIED, load_taxonomy


def topics_of(text):
    return match_topics([text])[0]


def test_seed_bonus_complaint_is_c01__ok(seed_text):
    from xinfang.text.normalize import clean

    quote = next(q for q in re.findall(r"“([^”]+)”", clean(seed_text)) if "精益獎金" in q)
    codes, words = topics_of(quote)
    assert codes == ["C01"]
    assert "精益奖金" in words["C01"]


def test_seed_labour_protection_and_shifts__ok(seed_text):
    from xinfang.text.normalize import clean

    first, second = re.findall(r"有提([^,，的]+)的", clean(seed_text))
    assert topics_of(first)[0] == ["C07"]
    assert topics_of(second)[0] == ["C08"]


def test_every_topic_of_the_design_table_is_there_with_many_phrasings__ok():
    taxonomy = load_taxonomy()
    assert taxonomy.codes == tuple(f"C{i:02d}" for i in range(1, 15))
    design_seed_words = {"C01": "奖金分配", "C02": "井下津贴", "C03": "劳务派遣", "C04": "缴费基数",
                         "C05": "停工留薪", "C06": "违章指挥", "C07": "自救器", "C08": "三八制",
                         "C09": "通勤班车", "C10": "持证上岗", "C11": "离岗退养", "C12": "优亲厚友",
                         "C13": "大病救助", "C14": "心理咨询"}
    for topic in taxonomy.topics:
        assert design_seed_words[topic.code] in topic.words
        assert len(topic.words) >= 30, topic.code


def test_multi_label_with_words_per_topic__ok():
    codes, words = topics_of("夜班费少算了，矿靴也两个月没发")
    assert set(codes) == {"C02", "C07"}
    assert words["C02"] == ["夜班费"] and words["C07"] == ["矿靴"]


def test_longest_phrasing_wins__ok():
    codes, words = topics_of("夜班费太低")
    assert codes == ["C02"]          # not C08 for the 夜班 inside 夜班费


def test_unclassified_when_nothing_matches__ok():
    assert topics_of("今天天气不错") == ([UNCLASSIFIED], {})
    assert topics_of("") == ([UNCLASSIFIED], {})


def test_context_words_need_a_topic_word__ok():
    assert topics_of("我在工作面干了十年")[0] == [UNCLASSIFIED]
    codes, words = topics_of("工作面瓦斯超限")
    assert codes == ["C06"] and "工作面" in words["C06"] and "瓦斯超限" in words["C06"]


def test_traditional_and_annotated_text_match__ok():
    assert topics_of("勞(lao)保用品發放不及時")[0] == ["C07"]
