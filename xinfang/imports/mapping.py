"""Mapping files: which column of the file is which question or field, where names differ.

A mapping file is YAML (UTF-8), written by hand or saved by the column-mapping step of the workbook::

    form: sixiang_dongtai          # 问卷星 / Kobo: the form in survey_forms/ (or give it on the command line)
    sheet: 台账                     # optional: the worksheet to read
    layout: number                 # 问卷星 only: the file was downloaded 按序号 (text is 按文本, the default)
    columns:                       # column header in the file → question name / ledger field; null = skip
      "3、您对工资收入满意吗": pay
      来访日期: received_on
      备注: null
    values:                        # per question / field: value in the file → value to store
      unit: {綜採1隊: 综采一队}
    defaults:                      # ledgers: a value for fields the file has no column for
      channel: 来访

Headers are compared after normalisation (Traditional → Simplified, widths, spaces and punctuation,
and 问卷星's leading question number ``3、``), so small differences need no mapping entry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from xinfang.errors import ValidationError
from xinfang.text.normalize import normalize

_NUMBER_PREFIX = re.compile(r"^\s*(?:第\s*)?\d+\s*(?:题)?\s*[、.．:：]\s*")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
KNOWN_KEYS = ("form", "sheet", "layout", "columns", "values", "defaults")


@dataclass
class ColumnMapping:
    columns: dict[str, str | None] = field(default_factory=dict)
    values: dict[str, dict[str, object]] = field(default_factory=dict)
    defaults: dict[str, object] = field(default_factory=dict)
    form: str | None = None
    sheet: str | None = None
    layout: str | None = None
    file: str = ""

    def target_of(self, header: str) -> tuple[bool, str | None]:
        """(whether the mapping names this header, its target or None to skip)."""
        if header in self.columns:
            return True, self.columns[header]
        key = header_key(header)
        for k, v in self.columns.items():
            if header_key(k) == key:
                return True, v
        return False, None

    def value(self, target: str, raw: object) -> object:
        table = self.values.get(target)
        if not table or raw is None:
            return raw
        text = str(raw).strip()
        return table.get(text, table.get(header_key(text), raw))

    def to_yaml(self) -> str:
        data: dict[str, object] = {}
        for key in ("form", "sheet", "layout"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        data["columns"] = dict(self.columns)
        if self.values:
            data["values"] = self.values
        if self.defaults:
            data["defaults"] = self.defaults
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def header_key(text: object) -> str:
    """A header or label for comparison: no question number, Simplified, no spaces or punctuation."""
    s = _NUMBER_PREFIX.sub("", str(text or ""))
    return _PUNCT.sub("", normalize(s))


def _fail(file: str, line: int, problem: str, fix: str) -> ValidationError:
    return ValidationError("import.mapping", file=file, line=line, problem=problem, fix=fix, problem_en=problem)


def load_mapping(source: str | Path | Mapping | ColumnMapping | None) -> ColumnMapping:
    """A mapping from a YAML file, a dict (the workbook's mapping step) or nothing."""
    if source is None:
        return ColumnMapping()
    if isinstance(source, ColumnMapping):
        return source
    name = "（映射）"
    if isinstance(source, Mapping):
        data: object = dict(source)
    else:
        path = Path(source)
        name = path.name
        if not path.exists():
            raise ValidationError("import.file_missing", file=str(path))
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            raise _fail(name, 1, "文件不是 UTF-8 编码", "用记事本或 VS Code 另存为 UTF-8") from None
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
            raise _fail(name, line, "YAML 格式有误", "检查该行和上一行的缩进、冒号和引号") from exc
    data = data or {}
    if not isinstance(data, dict):
        raise _fail(name, 1, "内容应为「键: 值」的表", "参照说明中的示例改写")
    for key in data:
        if key not in KNOWN_KEYS:
            raise _fail(name, 1, f"不认识的项「{key}」", "改正拼写或删除该项；可用的项：" + "、".join(KNOWN_KEYS))
    columns = data.get("columns") or {}
    values = data.get("values") or {}
    defaults = data.get("defaults") or {}
    for key, part in (("columns", columns), ("values", values), ("defaults", defaults)):
        if not isinstance(part, dict):
            raise _fail(name, 1, f"「{key}」应为「键: 值」的表", "参照说明中的示例改写")
    for target, table in values.items():
        if not isinstance(table, dict):
            raise _fail(name, 1, f"values 下「{target}」应为「原值: 新值」的表", "参照说明中的示例改写")
    layout = data.get("layout")
    if layout not in (None, "text", "number"):
        raise _fail(name, 1, f"layout「{layout}」无效", "写 text（按文本下载）或 number（按序号下载）")
    return ColumnMapping(
        columns={str(k): (None if v in (None, "") else str(v)) for k, v in columns.items()},
        values={str(t): {str(k): v for k, v in tbl.items()} for t, tbl in values.items()},
        defaults={str(k): v for k, v in defaults.items()},
        form=data.get("form"), sheet=data.get("sheet"), layout=layout, file=name,
    )
