"""The one API: analyze() over texts or a DataFrame, bad input, versions, staff topics, progress."""

from __future__ import annotations

import pandas as pd
import pytest

from xinfang.errors import ValidationError, message
from xinfang.text import COLUMNS, analyze, vocabulary_versions
from xinfang.text.vocab import UNCLASSIFIED


def test_columns_and_index_contract__ok():
    df = pd.DataFrame({"text": ["工资太低了", "谢谢信访办"], "unit": ["综采队", "掘进队"]}, index=[10, 20])
    result = analyze(df)
    assert list(result.columns) == list(COLUMNS) == ["label", "score", "cues", "topics", "topic_words",
                                                      "keywords", "decided_by", "taxonomy_version",
                                                      "lexicon_version"]
    assert list(result.index) == [10, 20]
    assert list(result.label) == ["负面", "正面"]
    assert result.score.dtype == float and result.score.between(-1, 1).all()
    assert all(isinstance(c, list) for c in result.cues)
    assert all(isinstance(t, list) and t for t in result.topics)
    assert all(isinstance(w, dict) for w in result.topic_words)
    assert (result.decided_by == "lexicon").all()
    versions = vocabulary_versions()
    assert set(result.taxonomy_version) == {versions["taxonomy_version"]}
    assert set(result.lexicon_version) == {versions["lexicon_version"]}


def test_series_list_and_single_text__ok():
    series = pd.Series(["工资太低"], index=["a"])
    assert list(analyze(series).index) == ["a"]
    assert len(analyze(["一", "二", "三"])) == 3
    assert analyze("工资太低").label.tolist() == ["负面"]
    assert len(analyze([])) == 0


@pytest.mark.parametrize("value", [None, float("nan"), "", "   ", 0, 12345, 3.14, pd.NA, "😀😀😀", "\x00\x07\x1b",
                                   "ok", "1234567890"])
def test_bad_input_gives_a_defined_result__ok(value):
    result = analyze([value])
    assert result.label.tolist() == ["中性"]
    assert result.score.tolist() == [0.0]
    assert result.topics.tolist() == [[UNCLASSIFIED]]
    assert result.cues.tolist() == [[]]


def test_mixed_scripts_and_emoji_do_not_break_matching__ok():
    result = analyze(["工资太低😡!!! salary too low", "勞保用品發放不及時🙁", "OK，谢谢"])
    assert result.label.tolist() == ["负面", "负面", "正面"]
    assert result.topics[1] == ["C07"]


def test_very_long_text__ok():
    text = ("矿靴质量太差，" * 20_000)[:100_000]
    result = analyze([text, "谢谢"])
    assert len(text) == 100_000
    assert result.label.tolist() == ["负面", "正面"]
    assert result.topics[0] == ["C07"]


def test_texts_with_newlines_stay_one_row_each__ok():
    result = analyze(["第一行\n工资太低", "谢谢\r\n你们"])
    assert result.label.tolist() == ["负面", "正面"]


def test_other_objects_raise_a_typed_error__error():
    with pytest.raises(ValidationError) as info:
        analyze(["好", {"not": "text"}])
    assert str(info.value) == message("text.not_text", row=2, kind="dict")


def test_missing_text_column__error():
    df = pd.DataFrame({"remark": ["好"]})
    with pytest.raises(ValidationError) as info:
        analyze(df)
    assert str(info.value) == message("text.no_column", column="text", known="remark", argument="text_column")
    assert analyze(df, text_column="remark").label.tolist() == ["正面"]


def test_staff_topics_win__ok():
    df = pd.DataFrame({"text": ["夜班费太低", "夜班费太低", "夜班费太低"],
                       "staff_topics": ["C01|C08", None, ["C12"]]})
    result = analyze(df)
    assert result.topics.tolist() == [["C01", "C08"], ["C02"], ["C12"]]
    assert result.topic_words[0] == {"C01": ["人工标注"], "C08": ["人工标注"]}


def test_staff_topic_unknown_code__error():
    df = pd.DataFrame({"text": ["夜班费太低"], "staff_topics": ["C99"]})
    with pytest.raises(ValidationError) as info:
        analyze(df)
    assert info.value.code == "text.unknown_topic"


def test_keywords_on_request__ok():
    plain = analyze(["井下班中餐送到工作面都凉了"])
    assert plain.keywords.tolist() == [[]]
    asked = analyze(["井下班中餐送到工作面都凉了", ""], keywords=True)
    assert "班中餐" in asked.keywords[0]
    assert asked.keywords[1] == []


def test_progress_bar_on_request__ok(capsys):
    analyze(["工资太低"] * 10, progress=True, chunk_size=3)
    assert "10/10" in capsys.readouterr().err
    analyze(["工资太低"] * 10)
    assert capsys.readouterr().err == ""


def test_chunking_does_not_change_results__ok():
    texts = ["工资太低", "谢谢", None, "劳保用品发放不及时", "建议增加班车"] * 7
    assert analyze(texts, chunk_size=4).equals(analyze(texts, chunk_size=1000))


def test_import_is_cheap__ok():
    import subprocess
    import sys

    code = ("import sys, xinfang.text; print(sorted(m for m in ('pandas', 'sklearn', 'jieba', 'opencc', "
            "'ahocorasick', 'yaml', 'pypinyin') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_stale_results_are_recognised__ok():
    from xinfang.text import is_stale

    row = analyze(["工资太低"]).iloc[0]
    assert not is_stale(row.taxonomy_version, row.lexicon_version)
    assert is_stale("2020.1", row.lexicon_version)
    assert is_stale(row.taxonomy_version, "old")
