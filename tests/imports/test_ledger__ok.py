"""Legacy 信访台账 into cases: merged headers, dates of every kind, names to the vault, reruns, dry runs."""

import datetime as dt

import yaml
from sqlalchemy import select

from tests.imports.builders import write_csv, write_ledger
from tests.imports.conftest import count
from xinfang.imports import open_table, run_import
from xinfang.imports.ledger import suggest_mapping
from xinfang.storage import db
from xinfang.storage.models import Case, CaseEvent, PiiVault

ROWS = [
    [1, dt.datetime(2023, 3, 1), "王建国", "更新队", "井下津貼拖欠(qian)三個月", "张科长", "已答复，4月补发"],
    [2, 45000, None, "綜採一隊", "班中餐品种少，希望增加", "李干事", "已协调食堂"],
    [3, "2023年5月6日", "赵六", "机电队", "劳保用品发放不及时", None, None],
]


def _cases():
    with db.session() as s:
        return [(c.received_on, c.text, c.intake_mode, c.channel, c.unit_id is not None)
                for c in s.scalars(select(Case).order_by(Case.id))]


def test_merged_header_is_read_and_mapped(tmp_path):
    table = open_table(write_ledger(tmp_path / "台账.xlsx", ROWS))
    assert table.columns == ["序号", "日期", "姓名", "单位", "反映问题", "处理情况/处理人", "处理情况/处理结果"]
    assert table.header_row == 3
    assert suggest_mapping(table.columns) == {
        "序号": None, "日期": "received_on", "姓名": "name", "单位": "unit", "反映问题": "text",
        "处理情况/处理人": None, "处理情况/处理结果": "handling"}


def test_ledger_rows_become_cases_with_names_in_the_vault(mine, tmp_path):
    report = run_import("ledger", write_ledger(tmp_path / "台账.xlsx", ROWS))
    assert (report.read, report.imported, report.cases, report.refused_count) == (3, 3, 3, 0), report.lines()
    assert _cases() == [
        (dt.date(2023, 3, 1), "井下津貼拖欠三個月", "实名", "来访", True),
        (dt.date(2023, 3, 15), "班中餐品种少，希望增加", "匿名", "来访", True),  # serial 45000; 綜採一隊 found
        (dt.date(2023, 5, 6), "劳保用品发放不及时", "实名", "来访", True),
    ]
    with db.session() as s:
        assert sorted(s.scalars(select(PiiVault.name))) == ["王建国", "赵六"]
        notes = list(s.scalars(select(CaseEvent.note).where(CaseEvent.kind == "登记").order_by(CaseEvent.id)))
        assert notes == ["台账处理情况：已答复，4月补发", "台账处理情况：已协调食堂", None]
        for text in s.scalars(select(Case.text)):
            assert "王建国" not in text and "赵六" not in text
        for details in s.scalars(select(CaseEvent.details)):
            assert "王建国" not in str(details) and "赵六" not in str(details)
    assert any("来访" in n for n in report.notes)


def test_rerun_and_edited_file_never_import_twice(mine, tmp_path):
    path = write_ledger(tmp_path / "台账.xlsx", ROWS)
    run_import("ledger", path)
    again = run_import("ledger", path)
    assert (again.imported, again.already) == (0, 3)
    # a later copy of the ledger: rows moved, one added, written in Simplified this time
    later = [ROWS[2], [9, dt.date(2023, 6, 1), None, "运输队", "通勤班车太挤", None, None], ROWS[0], ROWS[1]]
    later[2] = [*ROWS[0][:4], "井下津贴拖欠三个月", *ROWS[0][5:]]
    report = run_import("ledger", write_ledger(tmp_path / "台账2.xlsx", later))
    assert (report.imported, report.already, report.refused_count) == (1, 3, 0), report.lines()
    assert count(Case) == 4


def test_dry_run_reports_the_same_and_writes_nothing(mine, tmp_path):
    rows = [*ROWS, [4, "2023-07-01", None, "不存在的队", "问题", None, None], ROWS[1]]
    path = write_ledger(tmp_path / "台账.xlsx", rows)
    dry = run_import("ledger", path, dry_run=True)
    assert count(Case) == 0 and count(PiiVault) == 0 and count(CaseEvent) == 0
    real = run_import("ledger", path)
    assert (dry.imported, dry.refused_count) == (real.imported, real.refused_count) == (3, 2)
    assert [r.message for r in dry.refused] == [r.message for r in real.refused]


def test_gbk_csv_ledger_with_text_dates_and_serials(mine, tmp_path):
    rows = [["日期", "姓名", "单位", "反映问题", "处理情况"],
            ["2023/5/6", "", "更新队", "夜班费没有按时发放", "已转人资科"],
            ["45000", "", "机电队", "澡堂热水不够", ""],
            ["20230801", "", "", "宿舍漏雨", ""]]
    report = run_import("ledger", write_csv(tmp_path / "台账.csv", rows, encoding="gbk"))
    assert report.imported == 3, report.lines()
    assert [c[0] for c in _cases()] == [dt.date(2023, 5, 6), dt.date(2023, 3, 15), dt.date(2023, 8, 1)]


def test_mapping_file_with_other_headers_defaults_and_unit_names(mine, tmp_path):
    rows = [["来访时间", "信访人", "队别", "问题描述", "形式"],
            ["2023-02-01", "孙七", "综采1队", "工伤认定太慢", "来信"],
            ["2023-02-02", "", "更新队", "排班不均衡", ""]]
    mapping = tmp_path / "台账映射.yaml"
    mapping.write_text(yaml.safe_dump({
        "columns": {"来访时间": "received_on", "信访人": "name", "队别": "unit", "问题描述": "text", "形式": "channel"},
        "values": {"unit": {"综采1队": "综采一队"}}, "defaults": {"channel": "电话"}}, allow_unicode=True),
        encoding="utf-8")
    report = run_import("ledger", write_csv(tmp_path / "l.csv", rows), mapping=mapping)
    assert report.imported == 2, report.lines()
    assert [(c[2], c[3]) for c in _cases()] == [("实名", "来信"), ("匿名", "电话")]
