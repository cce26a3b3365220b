"""Find a form's question for a column header, and a choice for a cell, by name or by text.

Texts are compared after ``header_key`` (Simplified, no spaces, punctuation or question number),
in every language of the form, so 问卷星's ``3、工资收入和奖金分配`` finds the question labelled
工资收入和奖金分配 and a Traditional label finds its Simplified twin.
"""

from __future__ import annotations

from xinfang.forms import Field, FormSpec
from xinfang.forms.spec import VALUE_KINDS
from xinfang.imports.mapping import ColumnMapping, header_key
from xinfang.imports.values import CellProblem


def answerable(spec: FormSpec) -> list[Field]:
    """Questions an export can fill: top-level, holding a value, not computed by the form."""
    return [f for f in spec.walk() if f.kind in VALUE_KINDS and f.kind != "calculate" and f.repeat is None]


class Questions:
    def __init__(self, spec: FormSpec, mapping: ColumnMapping) -> None:
        self.spec, self.mapping = spec, mapping
        self.fields = answerable(spec)
        self.by_name = {f.name: f for f in self.fields}
        self.by_text: dict[str, Field] = {}
        for f in self.fields:
            for text in [*f.labels.values(), f.name]:
                self.by_text.setdefault(header_key(text), f)

    def find(self, header: str, *, by_text: bool = True) -> tuple[bool, Field | None]:
        """(whether the mapping file decided, the question or None)."""
        named, target = self.mapping.target_of(header)
        if named:
            if target is None:
                return True, None
            if target not in self.by_name:
                raise CellProblem(f"映射文件把「{header}」对应到「{target}」，但表单「{self.spec.title}」没有这道题",
                                  "改为表单中的题目名称：" + "、".join(self.by_name))
            return True, self.by_name[target]
        if header in self.by_name:
            return False, self.by_name[header]
        if by_text:
            return False, self.by_text.get(header_key(header))
        return False, None


def choice_name(f: Field, raw: object, mapping: ColumnMapping, *, by_index: bool = False) -> str:
    """The choice of ``f`` that ``raw`` means: mapped value, choice name, choice text, or (by_index)
    the option's position (1 = first) as 问卷星 downloads 按序号 give it."""
    value = mapping.value(f.name, raw)
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if by_index:
        if text.lstrip("-").isdecimal():  # what int() reads (not ² or ①, which isdigit() accepts)
            i = int(text)
            if 1 <= i <= len(f.choices):
                return f.choices[i - 1].name
        raise CellProblem(f"「{text}」不是「{f.label()}」的选项序号（应为 1 到 {len(f.choices)}）",
                          "核对下载方式（按序号 / 按文本），或在映射文件 values 中写明对应")
    for c in f.choices:
        if c.name == text:
            return c.name
    key = header_key(text)
    for c in f.choices:
        if any(header_key(label) == key for label in c.labels.values()):
            return c.name
    raise CellProblem(f"「{text}」不是「{f.label()}」的选项（可选：{'、'.join(c.label() for c in f.choices)}）",
                      "在映射文件 values 中把它对应到表单的选项")
