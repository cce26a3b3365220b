"""The column-mapping step: a file's columns, what each is suggested to be, and what it may be.

The workbook shows one dropdown per column with ``targets`` as options and ``suggested`` preselected;
the choices become the ``columns`` of a mapping (``mapping_for``), the same a mapping file holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xinfang.imports.mapping import ColumnMapping, load_mapping
from xinfang.imports.tables import open_table

SAMPLE_ROWS = 3


@dataclass(frozen=True)
class Preview:
    kind: str
    file: str
    sheet: str
    columns: list[str]
    suggested: dict[str, str | None]  # column → target (None: not imported)
    targets: list[tuple[str, str]]  # (label users read, target name)
    fixed: dict[str, str] = field(default_factory=dict)  # columns the importer handles itself → why
    sample: list[list[str]] = field(default_factory=list)


def preview(kind: str, path: str | Path, *, form=None, mapping=None, sheet: str | None = None) -> Preview:
    """Columns of ``path`` with suggested targets for ``kind`` (see ``run_import`` for the arguments)."""
    from xinfang.imports import ALIASES, _spec, kobo, ledger, wjx
    from xinfang.imports.questions import Questions

    key = ALIASES.get(str(kind).strip().lower(), str(kind))
    cmap = load_mapping(mapping)
    table = open_table(path, sheet or cmap.sheet)
    sample = []
    for _, values in table.rows:
        sample.append(["" if v is None else str(v) for v in values])
        if len(sample) >= SAMPLE_ROWS:
            break
    table.close()
    fixed: dict[str, str] = {}
    if key == "ledger":
        suggested = ledger.suggest_mapping(table.columns)
        for col in table.columns:
            named, target = cmap.target_of(col)
            if named:
                suggested[col] = target
        targets = [(f"{f.label}（{f.name}）", f.name) for f in ledger.FIELDS]
    else:
        spec = _spec(form, cmap, "答卷")
        questions = Questions(spec, cmap)
        private = wjx.PRIVATE if key == "wjx" else kobo.PRIVATE
        suggested = {}
        for col in table.columns:
            if col in private:
                fixed[col] = "为保护匿名不导入" if col not in (wjx.SUBMITTED, *kobo.TIME_COLUMNS) else "只取日期"
                continue
            if key == "kobo" and col in (*kobo.SYSTEM, *kobo.ID_COLUMNS):
                fixed[col] = "答卷编号" if col in kobo.ID_COLUMNS else "系统列，不导入"
                continue
            _, f = questions.find(col)
            if f is None and key == "kobo":
                f = next((questions.by_name[s] for s in kobo._segments(col) if s in questions.by_name), None)
            suggested[col] = f.name if f is not None else None
        targets = [(f"{f.label()}（{f.name}）", f.name) for f in questions.fields]
    return Preview(key, table.file, table.sheet, table.columns, suggested, targets, fixed, sample)


def mapping_for(chosen: dict[str, str | None], *, form: str | None = None, sheet: str | None = None) -> ColumnMapping:
    """The mapping the column-mapping step produced (save it with ``.to_yaml()`` for the command line)."""
    return ColumnMapping(columns=dict(chosen), form=form, sheet=sheet)
