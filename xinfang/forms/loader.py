"""Read an XLSForm workbook with pyxform, check our own rules, build a frozen FormSpec.

One way through (pyxform's own pipeline): workbook → rows (pyxform's reader) → our checks, which
name file, sheet, Excel row and column → pyxform's ``workbook_to_json`` (its own checks) → spec.
Nothing is written anywhere; results are cached per file and modification time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from xinfang import vocab
from xinfang.errors import FormDefinitionError
from xinfang.forms.expressions import Expression, ExpressionSyntaxError, parse
from xinfang.forms.sources import SOURCES
from xinfang.forms.spec import DEFAULT_LANGUAGE, LANGUAGES, Choice, Field, FormSpec
from xinfang.forms.targets import COMPATIBLE, KIND_ZH, RECORDS, TARGETS

# the question types we draw; pyxform knows more (gps, photo …) but a phone form here needs none
_TYPES = {
    "text": "text", "integer": "integer", "int": "integer", "decimal": "decimal", "date": "date",
    "datetime": "datetime", "note": "note", "calculate": "calculate",
    "begin_group": "begin_group", "begin group": "begin_group", "end_group": "end_group", "end group": "end_group",
    "begin_repeat": "begin_repeat", "begin repeat": "begin_repeat", "end_repeat": "end_repeat",
    "end repeat": "end_repeat",
}
_SELECTS = {"select_one": "select_one", "select_multiple": "select_multiple"}
# choices from a list the workbook keeps, named like the CSV an ODK form would attach (forms.sources)
_FROM_FILE = {"select_one_from_file": "select_one", "select_multiple_from_file": "select_multiple"}
KNOWN_TYPES = ("text, integer, decimal, select_one 列表名, select_multiple 列表名, select_one_from_file 数据来源, "
               "date, datetime, note, calculate, begin_group, end_group, begin_repeat, end_repeat")
_JSON_KINDS = {"text": "text", "integer": "integer", "decimal": "decimal", "select one": "select_one",
               "select all that apply": "select_multiple", "date": "date", "dateTime": "datetime",
               "datetime": "datetime", "note": "note", "calculate": "calculate", "group": "group",
               "repeat": "repeat", "int": "integer", "select_one": "select_one",
               "select_multiple": "select_multiple"}
# expression columns (as written, with their aliases) → canonical name
_EXPR_COLUMNS = {"relevant": "relevant", "relevance": "relevant", "constraint": "constraint",
                 "required": "required", "calculation": "calculation", "calculate": "calculation",
                 "choice_filter": "choice_filter", "read_only": "read_only", "readonly": "read_only"}
_YES_NO = {"yes", "no", "true", "false", "true()", "false()", "y", "n", "1", "0"}
_NAME_OK = re.compile(r"^[A-Za-z_\u4e00-\u9fff][\w.\-\u4e00-\u9fff]*$")

if TYPE_CHECKING:
    from pyxform.xls2json_backends import DefinitionData

# pyxform (and openpyxl, numpy under it) is imported when a workbook is read, not with this module:
# a form kernel that only draws an already-built spec stays light.

_cache: dict[tuple[str, int, int], FormSpec] = {}


def load(path: str | Path) -> FormSpec:
    """The form in the XLSForm workbook at ``path`` (.xlsx, or .md for tests and review)."""
    p = Path(path)
    if not p.is_file():
        raise FormDefinitionError("form.file_missing", file=str(p))
    stat = p.stat()
    key = (str(p.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _cache:
        source = p.read_bytes()
        _cache[key] = _build(_read(source, p.name, p.suffix.lower()), p.name, str(p), source)
    return _cache[key]


def loads(markdown: str, file: str = "form.md") -> FormSpec:
    """A form written as Markdown tables (pyxform's test format)."""
    try:
        source = markdown.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate (text decoded badly somewhere before)
        raise FormDefinitionError("form.unreadable", file=file,
                                  detail=f"第 {exc.start + 1} 个字符不是有效的文字") from None
    return _build(_read(source, file, ".md"), file, file, source)


def _read(source: bytes, name: str, suffix: str) -> DefinitionData:
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import get_xlsform

    try:
        return get_xlsform(source, file_type=suffix if suffix in {".xlsx", ".md", ".xls", ".csv"} else None)
    except (PyXFormError, ValueError, KeyError, TypeError, OSError) as exc:
        raise FormDefinitionError("form.unreadable", file=name, detail=_short(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - a damaged file breaks zipfile, zlib, xlrd, XML parsers in many ways
        raise FormDefinitionError("form.unreadable", file=name,
                                  detail=f"文件已损坏或不完整：{type(exc).__name__}") from exc


def _short(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def lang_code(key: str, default: str = DEFAULT_LANGUAGE) -> str:
    """'简体中文 (zh-Hans)', '简体中文' or 'default' → 'zh-Hans'."""
    key = str(key).strip()
    if key == "default":
        return default
    m = re.search(r"\(([^()]+)\)\s*$", key)
    if m:
        return m.group(1).strip()
    by_name = {v: k for k, v in LANGUAGES.items()}
    return by_name.get(key, key)


def _texts(value, default: str) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return {lang_code(k, default): str(v) for k, v in value.items() if v not in (None, "")}
    return {default: str(value)}


class _Checker:
    """Our rules on the raw rows, each failure naming the cell."""

    def __init__(self, data: DefinitionData, file: str) -> None:
        self.data = data
        self.file = file
        self.settings = (data.settings or [{}])[0] if data.settings else {}
        self.survey = list(data.survey or [])
        self.choice_rows = list(data.choices or [])
        self.sources: dict[str, str] = {}  # question name → the select_*_from_file list it draws from

    def fail(self, code: str, **params) -> None:
        raise FormDefinitionError(code, file=self.file, **params)

    def setting_column(self, *names: str) -> str | None:
        for k in self.settings:
            if k.strip().lower() in names:
                return k
        return None

    def run(self) -> tuple[dict[str, int], dict[tuple[str, str], int], str]:
        record_col = self.setting_column("xf_record")
        record = str(self.settings.get(record_col, "none")).strip() if record_col else "none"
        if record not in RECORDS:
            self.fail("form.bad_setting", row=2, column=record_col, problem=f"记录类型「{record}」无效",
                      fix="改用以下之一：" + "、".join(RECORDS))
        for col, what in (("version", "版本号"), ("form_id", "表单编号")):
            found = self.setting_column(col, *(("id_string",) if col == "form_id" else ()))
            if not found or not str(self.settings.get(found, "")).strip():
                self.fail("form.bad_setting", row=2, column=col, problem=f"缺少{what}",
                          fix=f"在 settings 表添加「{col}」列并填写{what}")
        anonymous = self.anonymous = self._anonymous()

        choice_lists: dict[str, dict[str, int]] = {}
        choice_rows: dict[tuple[str, str], int] = {}
        for i, row in enumerate(self.choice_rows):
            list_name, name = row.get("list_name"), row.get("name")
            if not list_name or name is None:
                continue
            seen = choice_lists.setdefault(list_name, {})
            if name in seen:
                self.fail("form.duplicate_name", sheet="choices", row=i + 2, column="name", name=name,
                          other_row=seen[name])
            seen[name] = i + 2
            choice_rows[(list_name, name)] = i + 2

        names: dict[str, int] = {}
        kinds: dict[str, tuple[str, str | None]] = {}
        for i, row in enumerate(self.survey):
            if not row:
                continue
            kind, list_name, source = self._type(row, i + 2, choice_lists)
            if kind in {"end_group", "end_repeat"}:
                continue
            name = row.get("name")
            if source:
                self.sources[name] = source
            if not name:
                self.fail("form.missing_name", row=i + 2, column="name")
            if name in names:
                self.fail("form.duplicate_name", sheet="survey", row=i + 2, column="name", name=name,
                          other_row=names[name])
            names[name] = i + 2
            kinds[name] = (kind, list_name)

        targets_seen: dict[str, int] = {}
        prefixes, needed = RECORDS[record]
        for i, row in enumerate(self.survey):
            for col, value in row.items():
                canon = _EXPR_COLUMNS.get(col.strip().lower())
                if not canon or value is None:
                    continue
                text = str(value).strip()
                if canon in {"required", "read_only"} and text.lower() in _YES_NO:
                    continue
                try:
                    expr = parse(text, columns=canon == "choice_filter")
                except ExpressionSyntaxError as exc:
                    self.fail("form.bad_expression", row=i + 2, column=col, expr=text, detail=exc.detail)
                for ref in sorted(expr.references):
                    if ref not in names:
                        self.fail("form.unknown_reference", row=i + 2, column=col, name=ref)
                if canon == "choice_filter":
                    list_name = kinds.get(row.get("name"), (None, None))[1]
                    source = self.sources.get(row.get("name"))
                    known = (set(SOURCES[source].columns) if source else
                             {k for r in self.choice_rows if r.get("list_name") == list_name for k in r})
                    for c in sorted(expr.columns - known - {"name"}):
                        self.fail("form.bad_expression", row=i + 2, column=col, expr=text,
                                  detail=f"数据来源「{source}」没有「{c}」列" if source else
                                  f"choices 表的「{list_name}」列表没有「{c}」列")
            col = next((k for k in row if k.strip().lower() == "xf_field"), None)
            if col and row.get(col):
                self._target(row, i + 2, col, prefixes, anonymous, kinds, targets_seen, choice_lists)
        missing = [t for t in needed if t not in targets_seen]
        if missing:
            self.fail("form.target_missing", row=2, column=record_col or "xf_record", record=record,
                      targets="、".join(missing))
        return names, choice_rows, record

    def _anonymous(self) -> bool:
        col = self.setting_column("xf_anonymous")
        raw = str(self.settings.get(col, "no")).strip().lower() if col else "no"
        if raw not in _YES_NO:
            self.fail("form.bad_setting", row=2, column=col, problem=f"「{raw}」不是 yes 或 no",
                      fix="填写 yes（匿名表单）或 no")
        return raw in {"yes", "true", "true()", "y", "1"}

    def _type(self, row: dict, n: int, lists: dict) -> tuple[str, str | None, str | None]:
        """(kind, choice list, data source) of a survey row."""
        col = next((k for k in row if k.strip().lower() == "type"), "type")
        raw = " ".join(str(row.get(col, "")).split())
        if not raw:
            self.fail("form.unknown_type", row=n, column=col, value="", known=KNOWN_TYPES)
        parts = raw.split(" ")
        if parts[0] in _SELECTS or parts[0] in _FROM_FILE:
            if len(parts) != 2:
                self.fail("form.unknown_type", row=n, column=col, value=raw, known=KNOWN_TYPES)
            if parts[0] in _FROM_FILE:
                if parts[1] not in SOURCES:
                    self.fail("form.unknown_source", row=n, column=col, source=parts[1],
                              known="、".join(f"{s.file}（{s.what}）" for s in SOURCES.values()))
                return _FROM_FILE[parts[0]], None, parts[1]
            if parts[1] not in lists:
                self.fail("form.missing_choices", row=n, column=col, list=parts[1])
            return _SELECTS[parts[0]], parts[1], None
        kind = _TYPES.get(raw) or _TYPES.get(raw.lower())
        if not kind:
            self.fail("form.unknown_type", row=n, column=col, value=raw, known=KNOWN_TYPES)
        return kind, None, None

    def _target(self, row, n, col, prefixes, anonymous, kinds, seen, lists) -> None:
        value = str(row[col]).strip()
        target = TARGETS.get(value)
        if target is None:
            allowed = [t for t in TARGETS if t.startswith(prefixes)]
            self.fail("form.unknown_target", sheet="survey", row=n, column=col, value=value,
                      known="、".join(allowed))
        if not value.startswith(prefixes):
            self.fail("form.target_not_allowed", row=n, column=col,
                      problem=f"本表单的记录类型不能写入「{value}」",
                      fix="改用 " + "、".join(t for t in TARGETS if t.startswith(prefixes)) + " 之一")
        if anonymous and value.startswith("identity."):
            self.fail("form.target_not_allowed", row=n, column=col, problem="匿名表单不能收集姓名、工号或电话",
                      fix="删除该写入目标，或在 settings 表把 xf_anonymous 改为 no")
        if value in seen:
            self.fail("form.target_not_allowed", row=n, column=col,
                      problem=f"写入目标「{value}」已由第 {seen[value]} 行使用", fix="每个写入目标只用一次")
        seen[value] = n
        kind, list_name = kinds.get(row.get("name"), (None, None))
        source = self.sources.get(row.get("name"))
        # a choice written to a number field must be a number: a numeric source, or a list named 1, 2, 3 …
        numeric = (SOURCES[source].numeric if source else
                   bool(list_name) and all(str(c).lstrip("-").isdecimal() for c in lists[list_name]))
        if kind not in COMPATIBLE[target.kind] or (target.kind == "int" and kind == "select_one" and not numeric):
            self.fail("form.target_not_allowed", row=n, column=col,
                      problem=f"题型「{kind}」不能写入「{value}」（需要{KIND_ZH[target.kind]}）",
                      fix="改题型，或改用其他写入目标")
        if target.vocab and list_name:
            allowed = vocab.terms(target.vocab)
            for name, crow in lists[list_name].items():
                if name not in allowed:
                    raise FormDefinitionError("form.choice_not_allowed", file=self.file, row=crow, column="name",
                                              value=name, target=value, known="、".join(allowed))


_PYX_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")


def _pyxform_json(data: DefinitionData, file: str) -> dict:
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json

    try:
        return workbook_to_json(data, form_name="data", fallback_form_name=Path(file).stem, warnings=[])
    except PyXFormError as exc:
        text = _short(exc)
        m = _PYX_ROW.search(text)
        sheet = "choices" if "choices" in text.lower() else "settings" if "settings" in text.lower() else "survey"
        raise FormDefinitionError("form.xlsform", file=file, sheet=sheet, row=m.group(1) if m else "?",
                                  column="?", problem=_PYX_ROW.sub("", text).strip()) from exc


def _build(data: DefinitionData, file: str, path: str, source: bytes) -> FormSpec:
    if not data.survey:
        raise FormDefinitionError("form.xlsform", file=file, sheet="survey", row=1, column="type",
                                  problem="没有 survey 表或表中没有题目")
    checker = _Checker(data, file)
    rows, choice_rows, record = checker.run()
    anonymous = checker.anonymous
    js = _pyxform_json(data, file)
    default = lang_code(js.get("default_language") or "default", DEFAULT_LANGUAGE)
    if default == "default":
        default = DEFAULT_LANGUAGE
    langs: set[str] = set()
    raw_rows = {r.get("name"): r for r in checker.survey if r.get("name")}

    def parsed(text: str, name: str, column: str, columns: bool = False) -> Expression:
        """The checker parsed every expression already; pyxform may hand it back respelled, and a
        parse deep in this stack may hit the nesting limit the checker's did not: name the cell then too."""
        try:
            return parse(text, columns=columns)
        except ExpressionSyntaxError as exc:
            raise FormDefinitionError("form.bad_expression", file=file, row=rows.get(name, "?"), column=column,
                                      expr=text, detail=exc.detail) from None

    def expr(text, name: str, column: str) -> Expression | None:
        return None if text in (None, "") else parsed(str(text).strip(), name, column)

    def flag(text, name: str, column: str) -> Expression | None:
        """required / read_only: yes or no, or an expression."""
        if text in (None, ""):
            return None
        t = str(text).strip()
        if t.lower() in {"yes", "true", "true()", "y", "1"}:
            return parse("true()")
        if t.lower() in {"no", "false", "false()", "n", "0"}:
            return None
        return parsed(t, name, column)

    def build(node: dict, repeat: str | None) -> Field | None:
        if node.get("name") == "meta" and node.get("control", {}).get("bodyless"):
            return None
        name = node["name"]
        kind = _JSON_KINDS.get(node["type"])
        if kind is None:  # our type check ran first, so this is a pyxform type we did not expect
            raise FormDefinitionError("form.unknown_type", file=file, row=rows.get(name, "?"), column="type",
                                      value=node["type"], known=KNOWN_TYPES)
        bind = node.get("bind", {})
        labels = _texts(node.get("label"), default)
        hints = _texts(node.get("hint"), default)
        langs.update(labels, hints)
        choices = ()
        source = checker.sources.get(name)
        if kind in {"select_one", "select_multiple"} and not source:  # a source's choices are read at use
            list_name = node.get("list_name") or node.get("itemset")
            items = js.get("choices", {}).get(list_name) or node.get("choices") or []
            built = []
            for c in items:
                clabels = _texts(c.get("label"), default)
                langs.update(clabels)
                extra = {k: str(v) for k, v in c.items() if k not in {"name", "label"} and not isinstance(v, dict)}
                built.append(Choice(str(c["name"]), clabels, choice_rows.get((list_name, str(c["name"])), 0), extra))
            choices = tuple(built)
        inner = name if kind == "repeat" else repeat
        children = tuple(f for f in (build(c, inner) for c in node.get("children", [])) if f)
        raw = raw_rows.get(name, {})
        target = next((str(v).strip() for k, v in raw.items() if k.strip().lower() == "xf_field" and v), None)
        return Field(
            name=name, kind=kind, row=rows.get(name, 0), labels=labels, hints=hints,
            required=flag(bind.get("required"), name, "required"),
            required_messages=_texts(bind.get("jr:requiredMsg"), default),
            constraint=expr(bind.get("constraint"), name, "constraint"),
            constraint_messages=_texts(bind.get("jr:constraintMsg"), default),
            relevant=expr(bind.get("relevant"), name, "relevant"),
            calculation=expr(bind.get("calculate"), name, "calculation"),
            choice_filter=(parsed(node["choice_filter"], name, "choice_filter", columns=True)
                           if node.get("choice_filter") else None),
            read_only=flag(bind.get("readonly"), name, "read_only"),
            default=None if node.get("default") in (None, "") else str(node["default"]),
            appearance=str(node.get("control", {}).get("appearance", "") or ""),
            list_name=None if source else node.get("list_name") or node.get("itemset"), source=source,
            choices=choices, children=children,
            target=target, repeat=repeat,
        )

    fields = tuple(f for f in (build(c, None) for c in js.get("children", [])) if f)
    _check_defaults(fields, file, raw_rows)
    order = [code for code in LANGUAGES if code in langs] + sorted(langs - set(LANGUAGES))
    if record == "activity+cases":
        _check_case_repeat(fields, file)
    return FormSpec(
        key=str(js.get("id_string")), title=str(js.get("title") or js.get("id_string")),
        version=str(js.get("version")), record=record, anonymous=anonymous, fields=fields,
        languages=tuple(order) or (default,), file=path, definition=js, source=source,
    )


DYNAMIC_DEFAULTS = {"today()", "now()"}


def _check_defaults(fields: tuple[Field, ...], file: str, raw_rows: dict) -> None:
    """A default must be an answer the question accepts (today() for dates is allowed)."""
    from xinfang.errors import message
    from xinfang.forms.engine import BadValue, coerce

    for top in fields:
        for f in top.walk():
            if f.default is None or f.kind in {"note", "group", "repeat", "calculate"}:
                continue
            if f.kind in {"date", "datetime"} and f.default.replace(" ", "") in DYNAMIC_DEFAULTS:
                continue
            try:
                coerce(f, f.default)
            except BadValue as exc:
                column = next((k for k in raw_rows.get(f.name, {}) if k.strip().lower() == "default"), "default")
                detail = message(exc.code, label=f.label(), **exc.params).split("：", 1)[-1]
                raise FormDefinitionError("form.bad_default", file=file, row=f.row, column=column,
                                          value=f.default, detail=detail) from None


def _check_case_repeat(fields: tuple[Field, ...], file: str) -> None:
    """In a meeting record the demands (case.* fields) sit in one repeat: one case per item."""
    spec_fields = [f for top in fields for f in top.walk()]
    repeats = {f.repeat for f in spec_fields if f.target and f.target.startswith("case.")}
    text_field = next(f for f in spec_fields if f.target == "case.text")
    if text_field.repeat is None or len(repeats - {None}) > 1:
        raise FormDefinitionError("form.target_not_allowed", file=file, row=text_field.row, column="xf_field",
                                  problem="会议记录的诉求内容（case.text）应放在同一个重复组（begin_repeat）里",
                                  fix="把每条诉求的题目放进一个 begin_repeat … end_repeat 之间")
