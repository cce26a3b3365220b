"""问卷星 downloads, both layouts, onto the anonymous 员工思想动态问卷: answers, anonymity, idempotency."""

import copy
import datetime as dt
import json

import yaml

from tests.imports.builders import (
    PRIVATE_VALUES,
    WJX_ANSWERS,
    expected_answers,
    wjx_by_number,
    wjx_by_text,
    write_csv,
    write_xlsx,
)
from tests.imports.conftest import count, every_stored_text, submissions
from xinfang.imports import run_import
from xinfang.storage.models import Submission

FORM = "sixiang_dongtai"


def _sorted(pairs):
    return sorted(pairs, key=lambda p: (p[0], json.dumps(p[1], sort_keys=True, ensure_ascii=False)))


def _stored_by_day():
    return _sorted((s.submitted_on, s.answers) for s in submissions())


def _expected():
    return _sorted((dt.date.fromisoformat(a["meta"][1][:10].replace("/", "-")), expected_answers(a))
                   for a in WJX_ANSWERS)


def test_by_text_layout_imports_every_answer(mine, tmp_path):
    path = write_xlsx(tmp_path / "问卷星_按文本.xlsx", wjx_by_text())
    report = run_import("wjx", path, form=FORM)
    assert (report.read, report.imported, report.already, report.refused_count) == (3, 3, 0, 0)
    assert _stored_by_day() == _expected()


def test_by_number_layout_gives_the_same_answers(mine, tmp_path):
    path = write_xlsx(tmp_path / "问卷星_按序号.xlsx", wjx_by_number())
    report = run_import("wjx", path, form=FORM)
    assert (report.imported, report.refused_count) == (3, 0), report.lines()
    assert _stored_by_day() == _expected()


def test_matrix_question_rows_map_to_questions(mine, tmp_path):
    path = write_xlsx(tmp_path / "矩阵.xlsx", wjx_by_text(matrix=True))
    report = run_import("wjx", path, form=FORM)
    assert report.imported == 3, report.lines()
    assert _stored_by_day() == _expected()


def test_gbk_csv_download(mine, tmp_path):
    path = write_csv(tmp_path / "问卷星.csv", wjx_by_text(), encoding="gbk")
    report = run_import("wjx", path, form=FORM)
    assert report.imported == 3, report.lines()
    assert _stored_by_day() == _expected()


def test_anonymous_import_keeps_none_of_the_private_fields(mine, tmp_path):
    """No IP, 来源详情, 来源, 所用时间, 序号 or time of day anywhere in the database."""
    for rows, name in ((wjx_by_text(), "t.xlsx"), (wjx_by_number(), "n.xlsx")):
        run_import("wjx", write_xlsx(tmp_path / name, rows), form=FORM)
    stored = every_stored_text(mine)
    for value in PRIVATE_VALUES:
        assert value not in stored, value
    for sub in submissions():
        assert set(sub.answers) <= {"unit", "pay", "safety", "canteen", "shift", "management", "ppe", "concerns",
                                    "remark"}
        assert isinstance(sub.submitted_on, dt.date) and not isinstance(sub.submitted_on, dt.datetime)


def test_instance_id_does_not_depend_on_time_of_day_ip_or_source(mine, tmp_path):
    """The derived instanceID holds no time finer than the day: another time, IP, duration and source
    on the same day name the same answer sheets."""
    run_import("wjx", write_xlsx(tmp_path / "a.xlsx", wjx_by_text()), form=FORM)
    moved = copy.deepcopy(WJX_ANSWERS)
    for a in moved:
        a["meta"][1] = a["meta"][1][:10] + " 23:59:59"
        a["meta"][2:] = ["1秒", "其他", "x", "192.168.0.1"]
    again = run_import("wjx", write_xlsx(tmp_path / "b.xlsx", wjx_by_text(moved)), form=FORM)
    assert (again.imported, again.already) == (0, 3)


def test_two_surveys_with_the_same_serials_on_one_day_are_both_kept(mine, tmp_path):
    run_import("wjx", write_xlsx(tmp_path / "a.xlsx", wjx_by_text()), form=FORM)
    other = copy.deepcopy(WJX_ANSWERS)
    for a in other:
        a["unit"] = "机电队"
    report = run_import("wjx", write_xlsx(tmp_path / "b.xlsx", wjx_by_text(other)), form=FORM)
    assert (report.imported, report.already) == (3, 0)


def test_ranking_and_empty_answers(mine, tmp_path):
    answers = copy.deepcopy(WJX_ANSWERS)
    answers[0]["concerns"] = ["安全生产→收入分配"]
    answers[0]["remark"] = "(空)"
    report = run_import("wjx", write_xlsx(tmp_path / "a.xlsx", wjx_by_text(answers[:1])), form=FORM)
    assert report.imported == 1, report.lines()
    [sub] = submissions()
    assert sub.answers["concerns"] == ["收入分配", "安全生产"] and "remark" not in sub.answers


def test_rerun_and_longer_download_never_import_twice(mine, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", wjx_by_text())
    run_import("wjx", path, form=FORM)
    again = run_import("wjx", path, form=FORM)
    assert (again.imported, again.already) == (0, 3)
    # the by-number download of the same answer sheets is the same answer sheets
    assert run_import("wjx", write_xlsx(tmp_path / "n.xlsx", wjx_by_number()), form=FORM).already == 3
    more = [*WJX_ANSWERS, {**WJX_ANSWERS[1], "meta": [4, "2026/10/14 12:00:00", "60秒", "微信", "N/A", "10.9.9.9"]}]
    later = run_import("wjx", write_xlsx(tmp_path / "b.xlsx", wjx_by_text(more)), form=FORM)
    assert (later.imported, later.already) == (1, 3)
    assert count(Submission) == 4


def test_dry_run_writes_nothing(mine, tmp_path):
    report = run_import("wjx", write_xlsx(tmp_path / "a.xlsx", wjx_by_text()), form=FORM, dry_run=True)
    assert (report.imported, report.dry_run) == (3, True)
    assert "试运行" in report.lines()[0]
    assert count(Submission) == 0


def test_mapping_file_where_the_texts_differ(mine, tmp_path):
    rows = wjx_by_text()
    rows[0][7] = "2、您对工资待遇满意吗？"
    path = write_xlsx(tmp_path / "a.xlsx", rows)
    unmapped = run_import("wjx", path, form=FORM, dry_run=True)
    assert "2、您对工资待遇满意吗？" in unmapped.unmapped_columns
    assert unmapped.refused_count == 3  # pay is required
    mapping = tmp_path / "map.yaml"
    mapping.write_text(yaml.safe_dump({"form": FORM, "columns": {"2、您对工资待遇满意吗？": "pay"}},
                                      allow_unicode=True), encoding="utf-8")
    report = run_import("wjx", path, mapping=mapping)
    assert report.imported == 3 and report.mapping["2、您对工资待遇满意吗？"] == "pay"
    assert _stored_by_day() == _expected()


def test_progress_is_reported(mine, tmp_path):
    seen = []
    run_import("wjx", write_xlsx(tmp_path / "a.xlsx", wjx_by_text()), form=FORM,
               progress=lambda rows, fraction: seen.append((rows, fraction)))
    assert seen[-1] == (3, 1.0)
