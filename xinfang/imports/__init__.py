"""Bring existing records in without retyping: 问卷星 downloads, Kobo/ODK exports, legacy ledgers.

``run_import(kind, path, form=…, mapping=…, dry_run=…, progress=…)`` is the one entry point (the CLI
and the workbook call it). Files are read streamed, written in short batches (one transaction each)
and every row is keyed, so a rerun continues where the last one stopped and never stores a row twice.
The returned ``ImportReport`` says what was imported and every row refused with its reason.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from xinfang.errors import ValidationError
from xinfang.forms.sources import with_choices
from xinfang.imports.batches import Progress, write_form_rows
from xinfang.imports.mapping import ColumnMapping, header_key, load_mapping
from xinfang.imports.report import ImportReport, Refusal
from xinfang.imports.tables import Table, open_table

KINDS = ("wjx", "kobo", "ledger")
ALIASES = {"问卷星": "wjx", "wjx": "wjx", "kobo": "kobo", "odk": "kobo", "ledger": "ledger", "台账": "ledger"}


def _spec(form, mapping: ColumnMapping, what: str):
    from xinfang import forms

    form = form or mapping.form
    if form is None:
        raise ValidationError("import.needs_form", what=what, what_en=what, known="、".join(forms.available()))
    if hasattr(form, "fields"):
        return form
    if isinstance(form, Path) or str(form).endswith((".xlsx", ".md")):
        return forms.load(Path(form))
    return forms.by_key(str(form))


def run_import(kind: str, path: str | Path, *, form=None, mapping: str | Path | Mapping | ColumnMapping | None = None,
               dry_run: bool = False, progress: Progress | None = None, sheet: str | None = None,
               refusals_path: str | Path | None = None) -> ImportReport:
    """Import ``path`` as ``kind`` ('wjx' 问卷星, 'kobo' Kobo/ODK, 'ledger' 信访台账).

    ``form``: a form key of survey_forms/ (e.g. 'sixiang_dongtai'), a workbook path or a FormSpec
    (问卷星 and Kobo; may also come from the mapping file). ``mapping``: a mapping file or dict (see
    xinfang.imports.mapping). ``dry_run``: check everything, write nothing. ``progress(rows, fraction)``
    is called after each batch. ``refusals_path``: also write every refusal to this CSV file.
    File-level problems (wrong type, empty, missing columns) raise ValidationError; row-level ones
    are in the report.
    """
    started = time.perf_counter()
    key = ALIASES.get(str(kind).strip().lower(), ALIASES.get(str(kind).strip()))
    if key is None:
        raise ValidationError("import.unknown_kind", kind=kind, known="、".join(f"{k}" for k in KINDS))
    cmap = load_mapping(mapping)
    table = open_table(path, sheet or cmap.sheet)
    report = ImportReport(kind=key, file=table.file, sheet=table.sheet, dry_run=dry_run)
    if refusals_path:
        report.open_sink(Path(refusals_path))

    def tick() -> None:
        if progress is not None:
            fraction = table.position()
            if fraction is None and table.estimated_rows:
                fraction = min(1.0, report.read / table.estimated_rows)
            progress(report.read, fraction)

    try:
        if key == "ledger":
            from xinfang.imports import ledger

            ledger.run(table, cmap, report, dry_run=dry_run, tick=tick)
        else:
            # a choice drawn from the ledger (select_one_from_file) is matched against the ledger as it is now
            spec = with_choices(_spec(form, cmap, "问卷星答卷" if key == "wjx" else "Kobo/ODK 答卷"))
            report.form = spec.title
            if key == "wjx":
                from xinfang.imports import wjx as source
            else:
                from xinfang.imports import kobo as source
            write_form_rows(spec, source.rows(spec, table, cmap, report), report, dry_run=dry_run, tick=tick)
    finally:
        report.close_sink()
        table.close()
    report.seconds = time.perf_counter() - started
    if progress is not None:
        progress(report.read, 1.0)
    return report


__all__ = ["KINDS", "ColumnMapping", "ImportReport", "Refusal", "Table", "header_key", "load_mapping",
           "open_table", "run_import"]
