"""The director's notebooks run top to bottom on the demo database, and are committed without outputs."""

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient
from openpyxl import load_workbook

from .conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").rglob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(REPO)))
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("path", sorted((REPO / "notebooks" / "director").glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_director_notebook_runs(path, demo_db, monkeypatch, tmp_path):
    monkeypatch.setenv("XINFANG_DB_URL", demo_db)
    monkeypatch.setenv("XINFANG_RUN_DIR", str(tmp_path))  # where the notebooks' exports go
    nb = nbformat.read(path, as_version=4)
    # the kernel inherits this process's environment, XINFANG_DB_URL included
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("诉求数" in json.dumps(o.get("data", {}), ensure_ascii=False) for o in outputs)
    assert all(c.outputs for c in nb.cells if c.cell_type == "code"), "every cell shows something"
    if path.name.startswith(("01_", "02_")):  # tables as the director reads them: Chinese headers, per cent
        shown = " ".join(o.get("data", {}).get("text/html", "") for o in outputs if o.output_type == "execute_result")
        assert re.search(r"<td>\d+\.\d%</td>", shown) and not re.search(r"<td>0\.\d{4,}</td>", shown)
        assert not re.search(r"<th>(case_no|unit|status|due_on)</th>", shown)
    if path.name.startswith("02_"):  # its export reads as the office reads: topic names, rates in per cent
        book = load_workbook(tmp_path / "exports" / "研判分析.xlsx")
        header = [c.value for c in book["话题×单位"][1]]
        assert header[0] == "单位" and "薪酬与绩效分配" in header, header
        assert not [h for h in header if re.fullmatch(r"C\d+", str(h))], header
        rates = book["关键指标"]["C"]  # 月份, 诉求数, 化解率, …
        assert rates[0].value == "化解率"
        assert {c.number_format for c in rates[1:] if isinstance(c.value, float)} == {"0.0%"}
