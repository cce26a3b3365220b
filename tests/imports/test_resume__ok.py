"""An import stopped half way keeps its committed batches; the rerun continues and stores nothing twice."""

import datetime as dt

import pytest

from tests.imports.builders import WJX_ANSWERS, wjx_by_text, write_ledger, write_xlsx
from tests.imports.conftest import count
from xinfang.imports import batches, ledger, run_import
from xinfang.storage.models import Case, Submission


class Stop(Exception):
    pass


def _stop_after(batches_done: int):
    seen = []

    def progress(rows, fraction):
        seen.append(rows)
        if len(seen) == batches_done:
            raise Stop

    return progress


def test_ledger_import_resumes(mine, tmp_path, monkeypatch):
    monkeypatch.setattr(ledger, "LEDGER_BATCH", 2)
    rows = [[i, dt.date(2023, 1, i), None, "更新队", f"第{i}件反映的问题", None, None] for i in range(1, 8)]
    path = write_ledger(tmp_path / "台账.xlsx", rows)
    with pytest.raises(Stop):
        run_import("ledger", path, progress=_stop_after(2))
    assert count(Case) == 4  # two batches of two committed
    report = run_import("ledger", path)
    assert (report.imported, report.already) == (3, 4)
    assert count(Case) == 7


def test_form_import_resumes(mine, tmp_path, monkeypatch):
    monkeypatch.setattr(batches, "FORM_BATCH", 1)
    path = write_xlsx(tmp_path / "a.xlsx", wjx_by_text())
    with pytest.raises(Stop):
        run_import("wjx", path, form="sixiang_dongtai", progress=_stop_after(1))
    assert count(Submission) == 1
    report = run_import("wjx", path, form="sixiang_dongtai")
    assert (report.imported, report.already) == (len(WJX_ANSWERS) - 1, 1)
