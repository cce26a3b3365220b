"""The importers (问卷星, Kobo/ODK, legacy ledgers) on random and damaged files: random bytes under a
table's name, valid downloads truncated or with bytes changed, tables with hostile cells (formulas,
merged cells, huge cells, every kind of value) in .xlsx and in CSV of every encoding an office meets,
and random mapping files. ``run_import`` stores what it can and refuses the rest with typed errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from tests.imports import builders as B
from xinfang.errors import XinfangError
from xinfang.imports import run_import
from xinfang.imports.tables import EXCEL_ERRORS

from .conftest import attempt, check_typed, examples
from .strategies import NASTY, any_char, hostile_text, long_text

KINDS = ("wjx", "kobo", "ledger")
FORM = "sixiang_dongtai"
_serial = itertools.count()


def _ledger_layout() -> tuple[list[list[object]], list[str]]:
    rows = [[1, "2023-05-06", "张三", "更新队", "工资拖欠三个月", "王干事", "已解决"],
            [2, dt.datetime(2023, 5, 7, 9, 30), None, "綜採一隊", "勞保用品發放不及時(ji)", "李干事", "已答复"],
            [3, 45000, "李四", "抽采队", "井下津贴晚发", None, None]]
    return B.ledger_rows(rows), B.LEDGER_MERGES


LAYOUTS = {  # kind → builders of valid files: (rows, merged ranges)
    "wjx": [lambda: (B.wjx_by_text(), []), lambda: (B.wjx_by_text(matrix=True), []), lambda: (B.wjx_by_number(), [])],
    "kobo": [lambda: (B.kobo_export(), []), lambda: (B.kobo_export(option_columns=False), []),
             lambda: (B.odk_central_csv(), [])],
    "ledger": [_ledger_layout],
}

ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "utf-16", "utf-16-le", "utf-16-be", "latin-1",
             "shift_jis"]


def _import(kind: str, path, *, dry_run: bool = False, mapping=None, form: str | None = FORM):
    report = run_import(kind, path, form=None if kind == "ledger" else form, dry_run=dry_run, mapping=mapping)
    assert report.read == report.imported + report.already + report.refused_count, report.lines()
    assert all(r.message for r in report.refused)
    assert report.lines()  # the report users read renders
    return report


def _check(out, path) -> None:
    if isinstance(out, XinfangError):
        check_typed(out)
        assert out.code.split(".")[0] in {"import", "form"}, out.code
        if out.code in {"import.bad_file_type", "import.unreadable", "import.empty", "import.missing_column",
                        "import.cell"}:
            assert path.name in out.zh


def _write(tmp_path, suffix: str, data: bytes):
    path = tmp_path / f"下载{next(_serial)}{suffix}"
    path.write_bytes(data)
    return path


# -- random bytes ---------------------------------------------------------------------------------

MAGIC = [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF-1.7", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
         b"\x1f\x8b", b"<?xml version='1.0'?>", "序号,提交答卷时间\n".encode()]


@pytest.mark.parametrize("kind", KINDS)
def test_random_bytes_under_a_table_name(mine, tmp_path, kind):
    @settings(max_examples=examples(0.25))
    @given(magic=st.sampled_from(MAGIC), body=st.binary(max_size=4096),
           suffix=st.sampled_from([".xlsx", ".csv", ".txt", ".tsv", ".xls", ".CSV", ""]))
    def run(magic, body, suffix):
        path = _write(tmp_path, suffix, magic + body)
        _check(attempt(f"imports.{kind}", _import, kind, path), path)

    run()


# -- valid downloads, damaged ---------------------------------------------------------------------

def _xlsx(rows, merges=(), *, sheet="Sheet1", extra_sheets=()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    for name, more in extra_sheets:
        other = wb.create_sheet(name)
        for row in more:
            other.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv(rows, encoding: str, delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    errors = "surrogatepass" if encoding.startswith("utf") else "replace"
    return buf.getvalue().encode(encoding, errors=errors)


def _damage(data: bytes, how: str, at: float, junk: bytes) -> bytes:
    i = int(at * len(data))
    if how == "truncate":
        return data[:i]
    if how == "flip":
        return data[:i] + bytes([data[i] ^ (junk[0] | 1)]) + data[i + 1:]
    if how == "insert":
        return data[:i] + junk + data[i:]
    return data[:i] + junk + data[i + len(junk):]  # overwrite


def _damage_member(data: bytes, which: float, how: str, at: float, junk: bytes) -> bytes:
    """One part of an .xlsx (sheet, shared strings, styles …) damaged: its XML changed and zipped
    again (a valid zip holding broken XML), or its compressed bytes changed in place (CRC, zlib)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        info = infos[int(which * len(infos))]
        if how == "in place":
            start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            i = start + int(at * max(1, info.compress_size))
            return data[:i] + bytes([data[i] ^ (junk[0] | 1)]) + data[i + 1:]
        parts = {i.filename: zf.read(i.filename) for i in infos}
    parts[info.filename] = _damage(parts[info.filename], how, at, junk)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("kind", KINDS)
def test_valid_download_damaged(mine, tmp_path, kind):
    @settings(max_examples=examples(0.25))
    @given(layout=st.sampled_from(LAYOUTS[kind]), as_xlsx=st.booleans(), encoding=st.sampled_from(ENCODINGS),
           damages=st.lists(st.tuples(st.sampled_from(["truncate", "flip", "insert", "overwrite"]),
                                      st.floats(min_value=0, max_value=1, exclude_max=True),
                                      st.binary(min_size=1, max_size=32)), min_size=1, max_size=3),
           dry_run=st.booleans(), member=st.one_of(st.none(), st.floats(min_value=0, max_value=1, exclude_max=True)))
    def run(layout, as_xlsx, encoding, damages, dry_run, member):
        rows, merges = layout()
        data = _xlsx(rows, merges) if as_xlsx else _csv(rows, encoding)
        for n, (how, at, junk) in enumerate(damages):
            if as_xlsx and member is not None and n == 0:
                data = _damage_member(data, member, how if at < 0.5 else "in place", at, junk)
            elif data:
                data = _damage(data, how, at, junk)
        path = _write(tmp_path, ".xlsx" if as_xlsx else ".csv", data)
        _check(attempt(f"imports.{kind}", _import, kind, path, dry_run=dry_run), path)

    run()


# -- tables with hostile cells --------------------------------------------------------------------

formulas = st.sampled_from(["=SUM(A1:A3)", "=1/0", "=A1", "=NOW()", "=HYPERLINK(\"http://x\",\"x\")", "=", "=\"a\"&B2",
                            "=INDIRECT(\"Z\"&ROW())", "=#REF!"])
excel_values = st.one_of(
    hostile_text, hostile_text, long_text, formulas,
    st.integers(min_value=-(2**63), max_value=2**63 - 1), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.none(), st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1)), st.times(), st.sampled_from(sorted(EXCEL_ERRORS)),
    st.sampled_from(NASTY), st.sampled_from(["(跳过)", "-3", "1", "0", "┋", "很满意┋一般", "收入分配┋其他〖加班费〗",
                                             "2026/10/12 09:21:33", "2026-10-12T01:21:33Z", "45000", "uuid:", "综采一队"]),
)
csv_values = st.one_of(hostile_text, hostile_text, formulas, st.integers(), st.floats(), st.sampled_from(NASTY),
                       st.builds(lambda n: "字" * n, st.sampled_from([70_000, 140_000])))


def _excel_safe(v):
    """What openpyxl can write: no XML-illegal characters or lone surrogates in strings."""
    if isinstance(v, str):
        v = ILLEGAL_CHARACTERS_RE.sub("", v)
        return re.sub("[\ud800-\udfff]", "", v)[:40_000]
    return v


@st.composite
def hostile_table(draw, kind: str, values):
    rows, merges = draw(st.sampled_from(LAYOUTS[kind]))()
    rows = [list(r) for r in rows]
    header_at = next(i for i, r in enumerate(rows) if len([v for v in r if v not in (None, "")]) >= 2)
    width = max(len(r) for r in rows)
    if draw(st.booleans()):  # a column dropped, or the header shuffled
        j = draw(st.integers(min_value=0, max_value=width - 1))
        if draw(st.booleans()):
            rows = [r[:j] + r[j + 1:] for r in rows]
            merges = []
        else:
            order = draw(st.permutations(range(width)))
            rows = [[(r + [None] * width)[k] for k in order] for r in rows]
            merges = []
    if draw(st.booleans()):  # a hostile header cell
        j = draw(st.integers(min_value=0, max_value=len(rows[header_at]) - 1))
        rows[header_at][j] = draw(values)
    for r in rows[header_at + 1:]:
        for j in range(len(r)):
            if draw(st.integers(min_value=0, max_value=3)) == 0:
                r[j] = draw(values)
    rows += draw(st.lists(st.lists(values, max_size=width + 2), max_size=3))
    if draw(st.booleans()):
        rows.insert(0, [draw(values)])  # a title row
        merges = [_shift(m) for m in merges]
    return rows, merges


def _shift(rng: str) -> str:
    return re.sub(r"(\d+)", lambda m: str(int(m.group(1)) + 1), rng)


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_cells_in_xlsx(mine, tmp_path, kind):
    @settings(max_examples=examples(0.25))
    @given(data=st.data(), merges=st.lists(st.tuples(st.integers(1, 8), st.integers(1, 12), st.integers(0, 2),
                                                     st.integers(0, 3)), max_size=3),
           extra=st.lists(st.tuples(st.text(st.characters(codec="utf-8", exclude_characters="[]:*?/\\"),
                                            min_size=1, max_size=10),
                                    st.lists(st.lists(excel_values, max_size=4), max_size=3)), max_size=2))
    def run(data, merges, extra):
        rows, base_merges = data.draw(hostile_table(kind, excel_values))
        rows = [[_excel_safe(v) for v in r] for r in rows]
        extra = [(name, [[_excel_safe(v) for v in r] for r in more]) for name, more in extra]
        ranges = list(base_merges) + [f"{get_column_letter(c)}{r}:{get_column_letter(c + dc)}{r + dr}"
                                      for r, c, dr, dc in merges if dr or dc]
        try:
            payload = _xlsx(rows, ranges, extra_sheets=extra)
        except (ValueError, TypeError, KeyError):  # openpyxl will not write it: not a file anyone has
            assume(False)
        path = _write(tmp_path, ".xlsx", payload)
        _check(attempt(f"imports.{kind}", _import, kind, path), path)

    run()


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_cells_in_csv_of_any_encoding(mine, tmp_path, kind):
    @settings(max_examples=examples(0.25))
    @given(data=st.data(), encoding=st.sampled_from(ENCODINGS), delimiter=st.sampled_from([",", ";", "\t", "|"]),
           mapping=st.one_of(st.none(), st.none(), st.none(), _mappings(kind)), dry_run=st.booleans())
    def run(data, encoding, delimiter, mapping, dry_run):
        rows, _ = data.draw(hostile_table(kind, csv_values))
        path = _write(tmp_path, ".csv", _csv(rows, encoding, delimiter))
        if isinstance(mapping, str):
            mapping_path = _write(tmp_path, ".yaml", mapping.encode("utf-8", errors="surrogatepass"))
            mapping = mapping_path
        _check(attempt(f"imports.{kind}", _import, kind, path, dry_run=dry_run, mapping=mapping), path)

    run()


def _mappings(kind: str):
    """Mapping files as users write them, right and wrong: YAML text or the dict the workbook makes."""
    targets = (["received_on", "text", "name", "unit", "channel", "people_count", "nope", None] if kind == "ledger"
               else ["unit", "pay", "concerns", "remark", "nope", None])
    headers = st.one_of(st.sampled_from(["日期", "反映问题", "单位", "1、您所在的单位", "remark", "序号"]), hostile_text)
    as_dict = st.fixed_dictionaries({}, optional={
        "columns": st.dictionaries(headers, st.sampled_from(targets), max_size=3),
        "values": st.one_of(st.dictionaries(st.sampled_from(["unit", "pay", "channel"]),
                                            st.dictionaries(hostile_text, st.one_of(hostile_text, st.integers(),
                                                                                     st.none()), max_size=2),
                                            max_size=2), hostile_text),
        "defaults": st.dictionaries(st.sampled_from(["channel", "received_on", "text", "nature"]),
                                    st.one_of(hostile_text, st.integers(), st.dates()), max_size=2),
        "layout": st.sampled_from(["text", "number", "csv", None]),
        "sheet": st.one_of(st.none(), hostile_text),
        "form": st.sampled_from([FORM, "suqiu_dengji", "nope"]),
    })
    yaml_text = st.one_of(
        st.sampled_from(["columns: [", "columns:\n  a: b\n c: d", "- 1\n- 2", "form: sixiang_dongtai\ncolumns: 3",
                         "values:\n  unit: [1, 2]", "\ufeffcolumns: {}", "!!python/object:os.system {}", "", "~",
                         "layout: number", "&a [*a]", "columns: {? [1, 2] : x}"]),
        st.text(any_char, max_size=80),
    )
    return st.one_of(as_dict, yaml_text)
