"""Vocabulary files: a mistake is refused naming the file and the line; edits are picked up."""

from __future__ import annotations

import os
import textwrap

import pytest

from xinfang.errors import DataFileError, message
from xinfang.text import analyze
from xinfang.text.vocab import load_lexicon, load_mining_dict, load_taxonomy

TAXONOMY = """\
version: "t1"
topics:
  - code: C01
    name: 薪酬
    words: [工资, 奖金分配]
  - code: C02
    name: 福利
    words:
      - 夜班费
      - 取暖费
"""

LEXICON = """\
version: "l1"
slots:
  money: [工资, 奖金]
sections:
  grievance:
    label: 抱怨句式
    weight: -1.5
    words: [<money>太低, 老是]
  praise:
    label: 称赞
    weight: 1.5
    words: [谢谢]
negators: [不, 没]
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refused(loader, path):
    with pytest.raises(DataFileError) as info:
        loader(path)
    return info.value


def test_valid_files_load_and_drive_analyze__ok(tmp_path):
    taxonomy = write(tmp_path, "taxonomy.yaml", TAXONOMY)
    lexicon = write(tmp_path, "sentiment.yaml", LEXICON)
    assert load_taxonomy(taxonomy).codes == ("C01", "C02")
    result = analyze(["奖金太低", "谢谢", "夜班费"], taxonomy=str(taxonomy), lexicon=str(lexicon))
    assert result.label.tolist() == ["负面", "正面", "中性"]
    assert result.topics.tolist() == [["未归类"], ["未归类"], ["C02"]]   # 奖金 alone is not a C01 word
    assert set(result.taxonomy_version) == {"t1"} and set(result.lexicon_version) == {"l1"}


def test_yaml_syntax_error__error(tmp_path):
    path = write(tmp_path, "taxonomy.yaml", TAXONOMY.replace("words: [工资, 奖金分配]", "words: [工资, 奖金分配"))
    error = refused(load_taxonomy, path)
    assert error.code == "vocab.yaml_syntax"
    assert error.params["line"] == 6
    assert str(error) == message("vocab.yaml_syntax", file=str(path), line=6, detail=error.params["detail"])
    assert str(path) in str(error)


def test_duplicate_topic_code__error(tmp_path):
    path = write(tmp_path, "taxonomy.yaml", TAXONOMY.replace("code: C02", "code: C01"))
    error = refused(load_taxonomy, path)
    assert str(error) == message("vocab.duplicate", file=str(path), line=6, value="C01", other_line=3)


def test_bad_topic_code__error(tmp_path):
    path = write(tmp_path, "taxonomy.yaml", TAXONOMY.replace("code: C02", "code: 福利"))
    assert str(refused(load_taxonomy, path)) == message("vocab.bad_code", file=str(path), line=6, value="福利")


def test_one_character_word__error(tmp_path):
    path = write(tmp_path, "taxonomy.yaml", TAXONOMY.replace("      - 取暖费", "      - 费"))
    assert str(refused(load_taxonomy, path)) == message("vocab.word_too_short", file=str(path), line=10,
                                                        value="费", min_len=2)


def test_duplicate_word_in_a_topic__error(tmp_path):
    path = write(tmp_path, "taxonomy.yaml", TAXONOMY.replace("      - 取暖费", "      - 夜班费"))
    assert str(refused(load_taxonomy, path)) == message("vocab.duplicate", file=str(path), line=10,
                                                        value="夜班费", other_line=9)


def test_unknown_key__error(tmp_path):
    path = write(tmp_path, "taxonomy.yaml", TAXONOMY.replace("    name: 福利", "    nmae: 福利"))
    error = refused(load_taxonomy, path)
    assert str(error) == message("vocab.unknown_key", file=str(path), line=7, key="nmae",
                                 known="code, name, words, context_words, description")


def test_missing_version__error(tmp_path):
    path = write(tmp_path, "taxonomy.yaml", TAXONOMY.replace('version: "t1"\n', ""))
    assert str(refused(load_taxonomy, path)) == message("vocab.missing_key", file=str(path), line=1,
                                                        key="version")


def test_words_not_a_list__error(tmp_path):
    path = write(tmp_path, "taxonomy.yaml", TAXONOMY.replace("words: [工资, 奖金分配]", "words: 工资"))
    assert str(refused(load_taxonomy, path)) == message(
        "vocab.wrong_type", file=str(path), line=5, key="words", expected="词语列表", found="文字「工资」",
        expected_en="a list of words", found_en="the text '工资'")


def test_empty_file__error(tmp_path):
    path = write(tmp_path, "taxonomy.yaml", "")
    assert refused(load_taxonomy, path).code == "vocab.missing_key"


def test_lexicon_unknown_slot__error(tmp_path):
    path = write(tmp_path, "sentiment.yaml", LEXICON.replace("<money>太低", "<pay>太低"))
    assert str(refused(load_lexicon, path)) == message("vocab.bad_slot", file=str(path), line=8,
                                                       value="<pay>太低", slot="pay", known="money")


def test_lexicon_bad_weight__error(tmp_path):
    path = write(tmp_path, "sentiment.yaml", LEXICON.replace("weight: 1.5", "weight: 很高"))
    assert str(refused(load_lexicon, path)) == message("vocab.bad_number", file=str(path), line=11,
                                                       key="weight", value="很高", lo=-5.0, hi=5.0)


def test_lexicon_same_word_in_two_sections__error(tmp_path):
    path = write(tmp_path, "sentiment.yaml", LEXICON.replace("words: [谢谢]", "words: [谢谢, 老是]"))
    assert str(refused(load_lexicon, path)) == message("vocab.duplicate", file=str(path), line=12,
                                                       value="老是", other_line=8)


def test_lexicon_bad_boolean__error(tmp_path):
    path = write(tmp_path, "sentiment.yaml", LEXICON.replace("    weight: -1.5\n", "    weight: -1.5\n    negatable: 也许\n"))
    assert refused(load_lexicon, path).params["line"] == 8


def test_mining_dictionary_bad_line__error(tmp_path):
    path = write(tmp_path, "mining_dict.txt", "# comment\n综采队 2000 nt\n掘进队 很多 nt\n")
    assert str(refused(load_mining_dict, path)) == message("vocab.dict_line", file=str(path), line=3,
                                                           value="掘进队 很多 nt")


def test_shipped_files_are_valid__ok():
    assert load_taxonomy().version and load_lexicon().version
    assert len(load_mining_dict().entries) > 50


def test_an_edited_file_is_read_again__ok(tmp_path):
    path = write(tmp_path, "taxonomy.yaml", TAXONOMY)
    assert load_taxonomy(path).version == "t1"
    path.write_text(TAXONOMY.replace('"t1"', '"t2"'), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_taxonomy(path).version == "t2"


def test_lexicon_word_with_punctuation__error(tmp_path):
    from xinfang.text.sentiment import compiled

    path = write(tmp_path, "sentiment.yaml", LEXICON.replace("words: [谢谢]", "words: [谢谢, '好,很好']"))
    with pytest.raises(DataFileError) as info:
        compiled(str(path))
    assert str(info.value) == message("vocab.bad_character", file=str(path), line=12, value="好,很好", char=",")


def test_vocabulary_versions_are_the_loaded_files_versions__ok(tmp_path, monkeypatch):
    """vocabulary_versions reads only the files' version field; it must agree with a full load, follow an
    edit, and a file without a readable version is loaded in full so its mistake is reported."""
    from xinfang import config
    from xinfang.text.vocab import clear_cache, vocabulary_versions

    assert vocabulary_versions() == {"taxonomy_version": load_taxonomy().version,
                                     "lexicon_version": load_lexicon().version}
    (tmp_path / "text").mkdir()
    write(tmp_path / "text", "taxonomy.yaml", TAXONOMY)
    lexicon = write(tmp_path / "text", "sentiment.yaml", LEXICON)
    monkeypatch.setenv("XINFANG_DATA_DIR", str(tmp_path))
    config.reset()
    clear_cache()
    try:
        assert vocabulary_versions() == {"taxonomy_version": "t1", "lexicon_version": "l1"}
        lexicon.write_text(LEXICON.replace('version: "l1"\n', ""), encoding="utf-8")
        stat = lexicon.stat()
        os.utime(lexicon, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        assert refused(lambda _: vocabulary_versions(), None).code == "vocab.missing_key"
    finally:
        monkeypatch.delenv("XINFANG_DATA_DIR")
        config.reset()
        clear_cache()
