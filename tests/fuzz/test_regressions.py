"""The unexpected exceptions the fuzz tests found, one small example each, now refused with typed
errors (or handled). Deterministic: they run in every profile."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile

import pytest

from tests.imports import builders as B
from xinfang import forms
from xinfang.errors import FormDefinitionError, ValidationError, message
from xinfang.imports import run_import
from xinfang.imports.tables import open_table
from xinfang.text import SentimentModel, TopicModel, normalize_many


def _deflated_part(data: bytes, name: str) -> tuple[int, int]:
    """(offset, size) of a zip member's compressed bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    return start, info.compress_size


def _spoil(data: bytes, name: str) -> bytes:
    """The member's compressed bytes changed in the middle: the zip opens, the member does not inflate."""
    start, size = _deflated_part(data, name)
    middle = start + size // 2
    return data[:middle] + bytes(b ^ 0x5A for b in data[middle:middle + 8]) + data[middle + 8:]


def test_damaged_form_workbook_is_unreadable_not_a_zlib_error(tmp_path):
    """forms.load used to let zipfile.BadZipFile / zlib.error escape from pyxform's reader."""
    source = (forms.FORMS_DIR / "sixiang_dongtai.xlsx").read_bytes()
    for name, data in (("截断.xlsx", source[:len(source) // 2]), ("损坏.xlsx", _spoil(source, "xl/worksheets/sheet1.xml"))):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(FormDefinitionError) as info:
            forms.load(path)
        assert info.value.code == "form.unreadable" and name in info.value.zh


def test_form_text_with_a_lone_surrogate_is_unreadable_not_an_encode_error():
    """forms.loads encoded its text to UTF-8 and raised UnicodeEncodeError on a lone surrogate."""
    with pytest.raises(FormDefinitionError) as info:
        forms.loads("| survey |\n|  | type | name | label | relevant |\n|  | text | a | A | \ud800 |\n", file="坏.md")
    assert info.value.code == "form.unreadable" and "坏.md" in info.value.zh


def test_damaged_sheet_data_is_unreadable_not_a_parse_error(tmp_path):
    """openpyxl reads sheets lazily: a damaged sheet failed only while rows were read (ParseError,
    zlib.error, BadZipFile) and escaped from run_import."""
    good = B.write_xlsx(tmp_path / "好.xlsx", B.wjx_by_text() * 40).read_bytes()
    path = tmp_path / "坏.xlsx"
    path.write_bytes(_spoil(good, "xl/worksheets/sheet1.xml"))
    with pytest.raises(ValidationError) as info:
        table = open_table(path)
        for _ in table.rows:
            pass
    assert info.value.code == "import.unreadable" and "坏.xlsx" in info.value.zh


def test_zip_of_an_unknown_version_is_refused_as_damaged(tmp_path):
    """zipfile raises NotImplementedError for a member needing a newer zip version."""
    data = bytearray(B.write_xlsx(tmp_path / "好.xlsx", B.wjx_by_text()).read_bytes())
    at = data.find(b"PK\x01\x02")
    data[at + 6:at + 8] = (99).to_bytes(2, "little")  # "version needed to extract": 9.9
    path = tmp_path / "新版本.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(ValidationError) as info:
        open_table(path)
    assert info.value.code == "import.bad_file_type" and info.value.params["problem"] == "文件已损坏或不完整"


def test_time_and_duration_cells_are_text_not_a_crash(tmp_path):
    """A time-of-day cell reached clean() through text_of and raised text.not_text (no file, no row)."""
    path = tmp_path / "时间.xlsx"
    rows = B.ledger_rows([[1, dt.date(2023, 5, 6), None, None, dt.time(9, 30), dt.timedelta(hours=1), None]])
    B.write_xlsx(path, rows, merges=B.LEDGER_MERGES)
    table = open_table(path)
    from xinfang.imports.values import text_of

    values = next(iter(table.rows))[1]
    assert [text_of(v) for v in values[4:6]] == ["09:30:00", "1:00:00"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_csv_is_read_not_refused_as_binary(tmp_path, encoding):
    """Excel's and WPS's 「Unicode 文本」 is UTF-16 (with or without a byte-order mark); it was refused as
    "binary content"."""
    path = B.write_csv(tmp_path / "问卷星.csv", B.wjx_by_text(), encoding=encoding)
    table = open_table(path)
    assert table.encoding == encoding
    assert table.columns[:2] == ["序号", "提交答卷时间"]
    assert len(list(table.rows)) == len(B.WJX_ANSWERS)


def test_utf16_csv_imports_every_answer(use_db, tmp_path):
    from xinfang.storage import db
    from xinfang.storage.models import OrgUnit

    with db.session(use_db) as s:
        for name in ["综采一队", "综采二队", "更新队", "掘进一队", "掘进二队", "抽采队"]:
            s.add(OrgUnit(name=name, kind="区队", headcount=80))
    path = B.write_csv(tmp_path / "问卷星.txt", [[c for c in row] for row in B.wjx_by_text()], encoding="utf-16")
    report = run_import("wjx", path, form="sixiang_dongtai")
    assert (report.imported, report.refused_count) == (len(B.WJX_ANSWERS), 0), report.lines()


def test_models_refuse_texts_without_words_and_take_any_batch():
    """scikit-learn raised ValueError on a vocabulary of nothing, on an empty batch and on NaN, and
    UnicodeDecodeError on bytes that are not UTF-8."""
    with pytest.raises(ValidationError) as info:
        SentimentModel(min_cases=1).fit(["", "。。。", "  "], ["负面", "中性", "负面"])
    assert info.value.zh == message("text.no_words", n=3, what="情感模型")
    with pytest.raises(ValidationError) as info:
        TopicModel(min_cases_per_topic=1).fit(["", "！！", "  "], [["C01"], [], ["C02"]])
    assert info.value.code == "text.no_words"
    model = SentimentModel(min_cases=1, ngram_max=2).fit(["工资拖欠太久", "态度很好"], ["负面", "正面"])
    assert model.decide([]) == [] and model.predict([]).shape == (0,) and model.predict_proba([]).shape == (0, 2)
    decided = model.decide([math.nan, b"\xff\xfe\xe5\xb7\xa5\xe8\xb5\x84", None, 42])
    assert len(decided) == 4
    topics = TopicModel(min_cases_per_topic=1, ngram_max=2).fit(["工资低", "食堂差", "工资拖欠"],
                                                                [["C01"], ["C09"], ["C01"]])
    assert topics.decide([]) == [] and topics.predict([]) == [] and len(topics.predict([math.nan])) == 1


def test_not_text_names_the_item_as_people_count():
    """The first item is 第 1 条 (it was 第 0 条)."""
    with pytest.raises(ValidationError) as info:
        normalize_many([{"a": 1}])
    assert info.value.params["row"] == 1


def test_superscript_and_circled_digits_are_not_numbers():
    """str.isdigit() accepts ² and ①, which int() refuses: a 问卷星 按序号 cell "²" crashed the import
    (ValueError in choice_name), and a form with choices named ①②③ would have crashed every answer."""
    from xinfang.imports.mapping import ColumnMapping
    from xinfang.imports.questions import choice_name
    from xinfang.imports.values import CellProblem

    unit = forms.by_key("sixiang_dongtai")["unit"]
    with pytest.raises(CellProblem):
        choice_name(unit, "²", ColumnMapping(), by_index=True)
    assert choice_name(unit, "１", ColumnMapping(), by_index=True) == unit.choices[0].name  # full-width 1 is a 1
    spec = forms.loads("""
| survey |
|        | type           | name | label |
|        | select_one l   | q    | 问题  |
| choices |
|         | list_name | name | label |
|         | l         | ①    | 一    |
|         | l         | ②    | 二    |
| settings |
|          | form_title | form_id | version |
|          | 圈码       | circled | 1       |
""")
    assert not spec["q"].numeric_choices
    assert forms.evaluate_form(spec, {"q": "②"}, strict=True).values == {"q": "②"}


def test_mining_dictionary_frequency_must_be_a_number(tmp_path):
    """A frequency written "²" passed isdigit() and failed in int(): now the line is refused naming it."""
    from xinfang.errors import DataFileError
    from xinfang.text.vocab import load_mining_dict

    path = tmp_path / "mining_dict.txt"
    path.write_text("综采工作面 ² n\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_mining_dict(path)
    assert info.value.code == "vocab.dict_line" and info.value.params["line"] == 1
