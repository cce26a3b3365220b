"""Fixture files built in the tests from the documented export layouts (no binary fixtures checked in).

问卷星 "下载答卷数据": 按文本 and 按序号; Kobo "Export data" (XLS / CSV, XML values and headers,
``group/question``); ODK Central "Download CSV" (``group-question``, KEY, SubmissionDate); a legacy
信访台账 as an office keeps it in Excel (title row, merged two-row header, date cells, serial numbers,
formulas).
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

WJX_META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
LIKERT = ["很满意", "比较满意", "一般", "不太满意", "很不满意"]  # order of the form's likert list (5 … 1)

# Three answer sheets of the 员工思想动态问卷 (sixiang_dongtai), as respondents gave them.
WJX_ANSWERS = [
    {"meta": [1, "2026/10/12 09:21:33", "125秒", "微信", "N/A", "10.2.3.44(山西-大同)"],
     "unit": "综采一队", "likert": ["很满意", "比较满意", "一般", "不太满意", "很不满意", "比较满意"],
     "concerns": ["收入分配", "安全生产"], "remark": "食堂饭菜太咸(xian)了"},
    {"meta": [2, "2026/10/12 18:05:07", "301秒", "手机提交", "直接访问", "10.2.9.71(山西-大同)"],
     "unit": "更新队", "likert": ["一般", "一般", "一般", "一般", "一般", "一般"],
     "concerns": ["排班休息"], "remark": "(跳过)"},
    {"meta": [3, "2026/10/13 07:55:40", "88秒", "链接", "https://www.wjx.cn/vm/abc.aspx", "10.2.3.44(山西-大同)"],
     "unit": "综采一队", "likert": ["不太满意", "很不满意", "比较满意", "一般", "很满意", "很满意"],
     "concerns": ["收入分配", "干部作风", "劳保用品"], "remark": "希望精益奖金分配公开"},
]
LIKERT_TEXTS = ["工资收入和奖金分配", "井下安全生产条件", "食堂和班中餐", "排班和休息休假", "队组管理和干部作风",
                "劳保用品发放（工作服、矿靴、口罩等）"]
CONCERNS = ["收入分配", "安全生产", "食堂伙食", "排班休息", "干部作风", "劳保用品", "职业健康", "子女教育"]
PRIVATE_VALUES = ["10.2.3.44", "10.2.9.71", "山西-大同", "125秒", "301秒", "88秒", "wjx.cn/vm", "直接访问",
                  "09:21:33", "18:05:07", "07:55:40", "09:21", "18:05", "07:55"]


def write_xlsx(path: Path, rows: list[list[object]], *, sheet: str = "Sheet1", merges: list[str] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], *, encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def wjx_by_text(answers=WJX_ANSWERS, *, matrix: bool = False) -> list[list[object]]:
    """按文本: `N、题目` columns; a 矩阵题 gives `N(行标题)` columns when ``matrix``."""
    header = [*WJX_META, "1、您所在的单位"]
    if matrix:
        header += [f"2({t})" for t in LIKERT_TEXTS]
    else:
        header += [f"{i + 2}、{t}" for i, t in enumerate(LIKERT_TEXTS)]
    header += ["8、您最近最关心哪些事？（最多选三项）", "9、还有什么想对信访办说的？"]
    out = [header]
    for a in answers:
        out.append([*a["meta"], a["unit"], *a["likert"], "┋".join(a["concerns"]), a["remark"]])
    return out


def wjx_by_number(answers=WJX_ANSWERS, units: list[str] | None = None) -> list[list[object]]:
    """按序号: option positions (1 = first option) and one 0/1 column per multi-select option."""
    units = units or ["综采一队", "综采二队", "更新队"]
    header = [*WJX_META, "1、您所在的单位", *[f"{i + 2}、{t}" for i, t in enumerate(LIKERT_TEXTS)],
              *[f"第8题({c})" for c in CONCERNS], "9、还有什么想对信访办说的？"]
    out = [header]
    for a in answers:
        remark = "-3" if a["remark"] == "(跳过)" else a["remark"]
        out.append([*a["meta"], units.index(a["unit"]) + 1, *[LIKERT.index(x) + 1 for x in a["likert"]],
                    *[1 if c in a["concerns"] else 0 for c in CONCERNS], remark])
    return out


def expected_answers(a: dict) -> dict:
    """What the form should hold for one of WJX_ANSWERS."""
    names = ["pay", "safety", "canteen", "shift", "management", "ppe"]
    out = {"unit": a["unit"], **{n: 5 - LIKERT.index(x) for n, x in zip(names, a["likert"], strict=True)},
           "concerns": [c for c in CONCERNS if c in a["concerns"]]}
    if a["remark"] != "(跳过)":
        out["remark"] = a["remark"].replace("(xian)", "")
    return out


# -- Kobo / ODK ------------------------------------------------------------------------------------

KOBO_PRIVATE_VALUES = ["2026-10-12T09:10:01.123+08:00", "2026-10-12T09:13:44.456+08:00", "collect:Zx8Qd7",
                       "wangjg_phone", "kobo_user_li", "39.9042 116.4074", "39.9042", "116.4074", "09:10:01"]
NAMES = ["pay", "safety", "canteen", "shift", "management", "ppe"]


def _kobo_answers(a: dict) -> list[object]:
    return [a["unit"], *[str(5 - LIKERT.index(x)) for x in a["likert"]], " ".join(a["concerns"])]


def kobo_export(answers=WJX_ANSWERS, *, option_columns: bool = True) -> list[list[object]]:
    """KoboToolbox "Export data" with XML values and headers: group/question, _uuid, _submission_time."""
    header = ["start", "end", "deviceid", "username", "unit", *[f"satisfaction/{n}" for n in NAMES], "concerns"]
    if option_columns:
        header += [f"concerns/{c}" for c in CONCERNS]
    header += ["remark", "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
               "_submitted_by", "__version__", "_tags", "_geolocation", "_index"]
    out = [header]
    for i, a in enumerate(answers):
        row = ["2026-10-12T09:10:01.123+08:00", "2026-10-12T09:13:44.456+08:00", "collect:Zx8Qd7", "wangjg_phone",
               *_kobo_answers(a)]
        if option_columns:
            row += [1 if c in a["concerns"] else 0 for c in CONCERNS]
        remark = "" if a["remark"] == "(跳过)" else a["remark"]
        day = a["meta"][1][:10].replace("/", "-")
        row += [remark, 1000 + i, f"0b1c2d3e-0000-4000-8000-00000000000{i}", f"{day}T01:21:33", "", "", "submitted_via_web",
                "kobo_user_li", "vR2x", "", "39.9042 116.4074", i + 1]
        out.append(row)
    return out


def odk_central_csv(answers=WJX_ANSWERS) -> list[list[object]]:
    """ODK Central "Download CSV": SubmissionDate first, group-question, meta-instanceID, KEY, submitter."""
    header = ["SubmissionDate", "start", "end", "deviceid", "unit", *[f"satisfaction-{n}" for n in NAMES], "concerns",
              "remark", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
              "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]
    out = [header]
    for i, a in enumerate(answers):
        day = a["meta"][1][:10].replace("/", "-")
        key = f"uuid:0b1c2d3e-0000-4000-8000-00000000000{i}"
        remark = "" if a["remark"] == "(跳过)" else a["remark"]
        out.append([f"{day}T01:21:33.000Z", "2026-10-12T09:10:01.123+08:00", "2026-10-12T09:13:44.456+08:00",
                    "collect:Zx8Qd7", *_kobo_answers(a), remark, key, key, "17", "wangjg_phone", 0, 0, "", "",
                    "collect:Zx8Qd7", 0, "2026.1"])
    return out


# -- legacy 信访台账 -------------------------------------------------------------------------------

LEDGER_TITLE = "2023年度信访工作台账"
LEDGER_HEADER_TOP = ["序号", "日期", "姓名", "单位", "反映问题", "处理情况", None]
LEDGER_HEADER_SUB = [None, None, None, None, None, "处理人", "处理结果"]


def ledger_rows(rows: list[list[object]]) -> list[list[object]]:
    """A ledger sheet: a title row merged across, a two-row header with merged cells, then ``rows``."""
    return [[LEDGER_TITLE], LEDGER_HEADER_TOP, LEDGER_HEADER_SUB, *rows]


LEDGER_MERGES = ["A1:G1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:G2"]


def write_ledger(path: Path, rows: list[list[object]]) -> Path:
    return write_xlsx(path, ledger_rows(rows), sheet="台账", merges=LEDGER_MERGES)
