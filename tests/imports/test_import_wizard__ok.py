"""The workbook's import step without a browser: read columns, change a mapping, dry run, import."""

import ipywidgets as w
import yaml

from tests.imports.builders import wjx_by_text, write_csv, write_xlsx
from tests.imports.conftest import count
from widgets.import_wizard import ImportWizard
from xinfang.imports.preview import preview
from xinfang.storage.models import Case, Submission


def _dropdowns(wizard):
    return {d.description: d for d in wizard.columns.children if isinstance(d, w.Dropdown)}


def test_ledger_mapping_step_dry_run_then_import(mine, tmp_path):
    rows = [["来访时间", "信访人", "问题描述", "备注"], ["2023-02-01", "孙七", "工伤认定太慢", "x"],
            ["2023-02-02", "", "排班不均衡", ""]]
    wizard = ImportWizard()
    wizard.kind.value = "ledger"
    wizard.path.value = str(write_csv(tmp_path / "l.csv", rows))
    wizard.read.click()
    drops = _dropdowns(wizard)
    assert drops["信访人"].value == "name" and drops["备注"].value == ""
    drops["来访时间"].value = "received_on"
    drops["问题描述"].value = "text"
    wizard.go.click()  # dry run is the default
    assert "可以导入 2 行" in wizard.result.value and count(Case) == 0
    assert yaml.safe_load(wizard.mapping_text.value)["columns"]["问题描述"] == "text"
    wizard.dry_run.value = False
    wizard.go.click()
    assert "导入 2 行" in wizard.result.value and count(Case) == 2
    assert wizard.progress.value == 1.0


def test_wjx_columns_show_what_is_dropped(mine, tmp_path):
    wizard = ImportWizard()
    wizard.kind.value = "wjx"
    wizard.form.value = "sixiang_dongtai"
    wizard.path.value = str(write_xlsx(tmp_path / "a.xlsx", wjx_by_text()))
    wizard.read.click()
    assert _dropdowns(wizard)["2、工资收入和奖金分配"].value == "pay"
    assert "来自IP" not in _dropdowns(wizard)
    wizard.dry_run.value = False
    wizard.go.click()
    assert count(Submission) == 3


def test_errors_are_shown_escaped(tmp_path):
    wizard = ImportWizard()
    wizard.path.value = str(tmp_path / "<none>.csv")
    wizard.read.click()
    assert 'data-testid="error"' in wizard.result.value and "&lt;none&gt;" in wizard.result.value


def test_preview_suggests_questions(tmp_path):
    p = preview("wjx", write_xlsx(tmp_path / "a.xlsx", wjx_by_text()), form="sixiang_dongtai")
    assert p.suggested["8、您最近最关心哪些事？（最多选三项）"] == "concerns"
    assert p.fixed["来自IP"] == "为保护匿名不导入"
