#!/usr/bin/env python
"""Build the shipped forms in survey_forms/ (XLSForm .xlsx plus a Markdown review copy).

    python scripts/build_survey_forms.py             # write every .xlsx from the tables below, and its .md
    python scripts/build_survey_forms.py --markdown  # only refresh the .md copies from the .xlsx files

The .xlsx files are the source of truth once shipped: staff edit them in Excel (a changed form needs a
new settings.version). Run with --markdown after such an edit; run without it only to rebuild from
this file, which overwrites edits made in Excel. 繁體中文 labels are converted from 简体中文 (OpenCC)
when not given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xinfang.forms.workbook import sheets_of, to_markdown, write_xlsx  # noqa: E402

OUT = ROOT / "survey_forms"
LANGS = ("简体中文 (zh-Hans)", "繁體中文 (zh-Hant)", "English (en)")
TRANSLATED = ("label", "hint", "required_message", "constraint_message")


def _hant(text: str) -> str:
    try:
        import opencc
    except ImportError:  # keep 简体中文; staff may fill 繁體中文 in Excel
        return text
    return opencc.OpenCC("s2t").convert(text)


def Q(type_: str, name: str = "", zh: str = "", en: str = "", **cols) -> dict:
    """One survey row. Translated columns take (简体中文, English) pairs; others plain text."""
    row = {"type": type_, "name": name, "label": (zh, en) if zh or en else None}
    row.update(cols)
    return row


def C(list_name: str, name: str, zh: str, en: str, **extra) -> dict:
    return {"list_name": list_name, "name": name, "label": (zh, en), **extra}


UNITS = [("综采一队", "Longwall Team 1"), ("综采二队", "Longwall Team 2"), ("更新队", "Renewal Team"),
         ("掘进一队", "Development Team 1"), ("掘进二队", "Development Team 2"), ("抽采队", "Gas Drainage Team"),
         ("机电队", "Electro-mechanical Team"), ("运输队", "Haulage Team"), ("通风队", "Ventilation Team"),
         ("安全监察科", "Safety Inspection Section"), ("测量组", "Survey Group"), ("洗煤厂", "Coal Preparation Plant"),
         ("后勤服务中心", "Logistics Service Centre")]
UNIT_CHOICES = [C("unit", n, n, en) for n, en in UNITS]
YES_NO = [C("yn", "yes", "是", "Yes"), C("yn", "no", "否", "No")]
TOPICS = [("C01", "薪酬与绩效分配", "Pay and bonus distribution"), ("C02", "津贴补贴与福利", "Allowances and benefits"),
          ("C03", "劳动合同与用工", "Labour contracts"), ("C04", "社保与公积金", "Social insurance and housing fund"),
          ("C05", "工伤与职业病", "Work injury and occupational disease"),
          ("C06", "井下安全与作业环境", "Underground safety and conditions"),
          ("C07", "劳动保护用品", "Protective equipment"), ("C08", "工时排班与休假", "Hours, shifts and leave"),
          ("C09", "后勤生活保障", "Canteen, dormitory and commuting"), ("C10", "岗位晋升与培训", "Promotion and training"),
          ("C11", "退休内退与离岗", "Retirement"), ("C12", "干部作风与管理公平", "Management conduct and fairness"),
          ("C13", "家庭困难与帮扶", "Family hardship and support"),
          ("C14", "思想情绪与心理健康", "Morale and mental health")]
TOPIC_CHOICES = [C("topic", code, zh, en) for code, zh, en in TOPICS]
NOT_FUTURE = {"constraint": ". <= today()", "constraint_message": ("日期不能晚于今天", "The date cannot be in the future")}

FORMS: dict[str, dict] = {}

# -- 1. 员工思想动态问卷 (anonymous; the keys match xinfang.demo) -------------------------------------
LIKERT = [C("likert", str(i), zh, en) for i, zh, en in (
    (5, "很满意", "Very satisfied"), (4, "比较满意", "Satisfied"), (3, "一般", "Neutral"),
    (2, "不太满意", "Dissatisfied"), (1, "很不满意", "Very dissatisfied"))]
CONCERNS = [C("concerns", n, n, en) for n, en in (
    ("收入分配", "Pay distribution"), ("安全生产", "Safety at work"), ("食堂伙食", "Canteen food"),
    ("排班休息", "Shifts and rest"), ("干部作风", "Management conduct"), ("劳保用品", "Protective equipment"),
    ("职业健康", "Occupational health"), ("子女教育", "Children's education"))]
FORMS["sixiang_dongtai"] = {
    "settings": {"form_title": "员工思想动态问卷", "form_id": "sixiang_dongtai", "version": "2026.1",
                 "default_language": LANGS[0], "xf_record": "none", "xf_anonymous": "yes"},
    "survey": [
        Q("note", "intro", "本问卷不记姓名、工号和联系方式，只用于了解大家的想法、改进工作。请按真实感受填写，大约需要 3 分钟。",
          "This questionnaire is anonymous: no name, staff number or phone. It helps the office understand "
          "how you feel and improve. About 3 minutes."),
        Q("select_one unit", "unit", "您所在的单位", "Your unit", required="yes", appearance="minimal",
          xf_field="submission.unit",
          hint=("只按单位汇总，人数少于 5 人的单位不单独显示结果", "Results are shown per unit only, never for fewer than 5 people")),
        Q("begin_group", "satisfaction", "您对以下方面的满意程度", "How satisfied are you with"),
        Q("select_one likert", "pay", "工资收入和奖金分配", "Pay and bonus distribution", required="yes",
          appearance="likert"),
        Q("select_one likert", "safety", "井下安全生产条件", "Safety conditions underground", required="yes",
          appearance="likert"),
        Q("select_one likert", "canteen", "食堂和班中餐", "Canteen and shift meals", required="yes", appearance="likert"),
        Q("select_one likert", "shift", "排班和休息休假", "Shift scheduling and time off", required="yes",
          appearance="likert"),
        Q("select_one likert", "management", "队组管理和干部作风", "Team management and conduct of cadres",
          required="yes", appearance="likert"),
        Q("select_one likert", "ppe", "劳保用品发放（工作服、矿靴、口罩等）",
          "Protective equipment (work clothes, boots, masks)", required="yes", appearance="likert"),
        Q("end_group"),
        Q("select_multiple concerns", "concerns", "您最近最关心哪些事？（最多选三项）",
          "What concerns you most at the moment? (up to three)",
          constraint="count-selected(.) <= 3", constraint_message=("最多选三项", "Choose at most three")),
        Q("text", "remark", "还有什么想对信访办说的？", "Anything else you would like to tell the office?",
          appearance="multiline",
          hint=("请不要写姓名、工号等能认出您的信息。具体诉求可以用「诉求登记」反映，并拿到查询码。",
                "Please do not write your name or staff number. To raise a specific demand, use the demand "
                "registration form and keep its query code."),
          constraint="string-length(.) <= 2000",
          constraint_message=("请写在 2000 字以内", "Please keep it under 2000 characters")),
    ],
    "choices": UNIT_CHOICES + LIKERT + CONCERNS,
}

# -- 2. 下访/座谈会记录 (an activity plus a case per demand raised) ------------------------------------
FORMS["xiafang_zuotan"] = {
    "settings": {"form_title": "下访/座谈会记录", "form_id": "xiafang_zuotan", "version": "2026.1",
                 "default_language": LANGS[0], "xf_record": "activity+cases"},
    "survey": [
        Q("select_one meeting", "kind", "活动形式", "Kind of meeting", required="yes", xf_field="activity.kind"),
        Q("date", "held_on", "日期", "Date", required="yes", default="today()", xf_field="activity.held_on",
          **NOT_FUTURE),
        Q("select_one unit", "unit", "下访队组", "Team visited", required="yes", appearance="minimal",
          xf_field="activity.unit"),
        Q("text", "title", "座谈主题", "Topic of the meeting", xf_field="activity.title",
          hint=("如：精益奖金分配听取意见座谈会", "e.g. hearing on the lean-bonus distribution")),
        Q("text", "host", "主持人", "Chaired by", required="yes", xf_field="activity.host"),
        Q("integer", "participants", "参加人数", "Number of participants", required="yes",
          xf_field="activity.participants", constraint=". >= 1 and . <= 500",
          constraint_message=("参加人数应在 1 到 500 之间", "Between 1 and 500")),
        Q("calculate", "audience", calculation="'职工'", xf_field="activity.audience"),
        Q("calculate", "channel", calculation="'下访收集'", xf_field="case.channel"),
        Q("calculate", "intake_mode", calculation="'匿名'", xf_field="case.intake_mode"),
        Q("note", "demands_note", "逐条记录会上提出的诉求。会上收集的诉求按匿名登记，不记发言人姓名。",
          "Record each demand raised. Demands from meetings are registered anonymously: no speaker names."),
        Q("begin_repeat", "demands", "诉求", "Demand"),
        Q("text", "demand_text", "诉求内容", "What was asked", required="yes", appearance="multiline",
          xf_field="case.text", constraint="string-length(.) >= 4",
          constraint_message=("请把诉求写清楚（至少 4 个字）", "Please describe the demand (at least 4 characters)")),
        Q("select_one topic", "topic", "所属类别", "Topic", appearance="minimal", xf_field="case.category"),
        Q("integer", "people", "反映人数", "People raising it", default="1", xf_field="case.people_count",
          constraint=". >= 1 and . <= ${participants}",
          constraint_message=("人数应在 1 到参加人数之间", "Between 1 and the number of participants")),
        Q("select_one yn", "on_spot", "是否现场答复", "Answered on the spot?", required="yes",
          xf_field="case.answered_on_spot"),
        Q("text", "reply", "现场答复内容", "Answer given", relevant="${on_spot} = 'yes'", appearance="multiline",
          xf_field="case.reply"),
        Q("text", "follow_up_by", "跟进责任人", "Who follows up", relevant="${on_spot} = 'no'", required="yes",
          xf_field="case.followup_by",
          required_message=("未现场答复的诉求要指定跟进责任人", "Name who follows up an unanswered demand")),
        Q("end_repeat"),
        Q("calculate", "demand_count", calculation="count(${demands})"),
        Q("text", "minutes", "会议纪要", "Minutes", appearance="multiline", xf_field="activity.minutes"),
    ],
    "choices": [C("meeting", "下访座谈", "下访座谈会", "Outreach meeting"),
                C("meeting", "牢骚会", "牢骚会（听意见会）", "Grievance hearing")]
    + UNIT_CHOICES + TOPIC_CHOICES + YES_NO,
}

# -- 3. 诉求登记 (a case through register_cases; identity to the vault) --------------------------------
FORMS["suqiu_dengji"] = {
    "settings": {"form_title": "诉求登记", "form_id": "suqiu_dengji", "version": "2026.1",
                 "default_language": LANGS[0], "xf_record": "case"},
    "survey": [
        Q("note", "intro", "提交后会得到一个查询码，凭查询码可以查询办理进度。信访办对反映人信息严格保密，禁止任何打击报复。",
          "After submitting you get a query code to follow progress. Your identity is protected; retaliation "
          "is forbidden."),
        Q("select_one mode", "intake_mode", "反映方式", "How do you want to raise it?", required="yes",
          xf_field="case.intake_mode",
          hint=("实名：留下姓名，办理结果当面答复；保密：姓名只有信访办能看到；匿名：不留姓名，凭查询码查询",
                "Named: we reply in person. Confidential: only the office sees your name. Anonymous: no name, "
                "use the query code")),
        Q("text", "name", "姓名", "Name", required="yes", relevant="${intake_mode} != '匿名'",
          xf_field="identity.name", constraint="string-length(.) <= 20",
          constraint_message=("姓名不超过 20 个字", "At most 20 characters")),
        Q("text", "staff_no", "工号", "Staff number", relevant="${intake_mode} != '匿名'",
          xf_field="identity.staff_no", constraint="regex(., '^[0-9A-Za-z]{3,12}$')",
          constraint_message=("工号应为 3 到 12 位字母或数字", "3 to 12 letters or digits")),
        Q("text", "phone", "联系电话", "Phone", relevant="${intake_mode} != '匿名'", xf_field="identity.phone",
          appearance="numbers", constraint="regex(., '^1[3-9][0-9]{9}$') or regex(., '^0[0-9]{2,3}-?[0-9]{7,8}$')",
          constraint_message=("请填写 11 位手机号或带区号的固定电话", "A mobile number or a landline with area code")),
        Q("select_one unit", "unit", "涉及单位", "Unit concerned", appearance="minimal", xf_field="case.unit"),
        Q("select_one channel", "channel", "反映渠道", "Channel", required="yes", default="网上",
          xf_field="case.channel"),
        Q("select_one nature", "nature", "事项性质", "Nature", required="yes", default="申诉求决",
          xf_field="case.nature"),
        Q("select_one topic", "topic", "所属类别（不确定可不选）", "Topic (leave empty if unsure)",
          appearance="minimal", xf_field="case.category"),
        Q("text", "content", "反映的事情和诉求", "What happened and what you ask for", required="yes",
          appearance="multiline", xf_field="case.text",
          hint=("写清楚时间、地点、经过和希望怎么解决", "When, where, what happened and what you would like done"),
          constraint="string-length(.) >= 5",
          constraint_message=("请至少写 5 个字，把事情说清楚", "Please write at least 5 characters")),
        Q("select_one yn", "is_group", "是否多人共同反映", "Raised by several people together?", default="no",
          xf_field="case.is_group"),
        Q("integer", "people_count", "共同反映的人数", "How many people?", relevant="${is_group} = 'yes'",
          required="yes", xf_field="case.people_count", constraint=". >= 2 and . <= 1000",
          constraint_message=("人数应在 2 到 1000 之间", "Between 2 and 1000")),
    ],
    "choices": [C("mode", "实名", "实名", "Named"), C("mode", "保密", "保密（只有信访办知道我是谁）", "Confidential"),
                C("mode", "匿名", "匿名", "Anonymous")]
    + UNIT_CHOICES
    + [C("channel", n, n, en) for n, en in (("网上", "Online"), ("来访", "Visit to the office"), ("来信", "Letter"),
                                            ("电话", "Phone"), ("意见箱", "Suggestion box"))]
    + [C("nature", n, n, en) for n, en in (("申诉求决", "Request or grievance"), ("建议意见", "Suggestion"),
                                           ("检举控告", "Report of misconduct"))]
    + TOPIC_CHOICES + YES_NO,
}

# -- 4. 政策宣讲/培训记录 (an activity with sessions and person-times) -----------------------------------
FORMS["xuanjiang_peixun"] = {
    "settings": {"form_title": "政策宣讲/培训记录", "form_id": "xuanjiang_peixun", "version": "2026.1",
                 "default_language": LANGS[0], "xf_record": "activity"},
    "survey": [
        Q("select_one kind", "kind", "活动类型", "Kind", required="yes", xf_field="activity.kind"),
        Q("date", "held_on", "日期（多场的填第一场）", "Date (first session)", required="yes",
          xf_field="activity.held_on", **NOT_FUTURE),
        Q("select_one unit", "unit", "举办单位（全矿的可不选）", "Unit (leave empty for the whole mine)",
          appearance="minimal", xf_field="activity.unit"),
        Q("text", "title", "主题", "Title", required="yes", xf_field="activity.title",
          hint=("如：劳动合同法解读、工伤认定与待遇、调解员矛盾化解培训", "e.g. Labour contract law; work-injury rights")),
        Q("select_multiple subjects", "topics", "涉及内容", "Subjects covered", xf_field="activity.topics"),
        Q("text", "host", "主讲人", "Speaker", xf_field="activity.host"),
        Q("select_one audience", "audience", "对象", "Audience", required="yes", default="职工",
          xf_field="activity.audience"),
        Q("integer", "sessions", "场次", "Sessions", required="yes", default="1", xf_field="activity.sessions",
          constraint=". >= 1 and . <= 100", constraint_message=("场次应在 1 到 100 之间", "Between 1 and 100")),
        Q("integer", "participants", "参加人次（各场合计）", "Person-times (all sessions)", required="yes",
          xf_field="activity.participants", constraint=". >= 1 and . <= 20000",
          constraint_message=("人次应在 1 到 20000 之间", "Between 1 and 20000")),
        Q("text", "minutes", "内容摘要和反响", "Summary and feedback", appearance="multiline",
          xf_field="activity.minutes"),
    ],
    "choices": [C("kind", "政策宣讲", "政策宣讲", "Policy lecture"), C("kind", "培训", "培训", "Training")]
    + UNIT_CHOICES
    + [C("subjects", n, n, en) for n, en in (
        ("劳动合同", "Labour contracts"), ("社会保险", "Social insurance"), ("工伤权益", "Work-injury rights"),
        ("薪酬分配", "Pay distribution"), ("信访工作条例", "Petition regulations"),
        ("矛盾调解", "Mediation"), ("心理疏导", "Counselling"), ("职业病防治", "Occupational disease"))]
    + [C("audience", n, n, en) for n, en in (("职工", "Employees"), ("支部书记", "Party branch secretaries"),
                                             ("调解员", "Mediators"))],
}

# -- 5. 一人一策回访记录 (a follow-up visit of a plan) --------------------------------------------------
FORMS["yirenyice_huifang"] = {
    "settings": {"form_title": "一人一策回访记录", "form_id": "yirenyice_huifang", "version": "2026.2",
                 "default_language": LANGS[0], "xf_record": "visit"},
    "survey": [
        # the ledger's plans, read when the form is drawn (xinfang.forms.sources); 2026.1 asked for the number
        Q("select_one_from_file yirenyice.csv", "plan", "回访的一人一策", "Follow-up plan", required="yes",
          appearance="minimal", xf_field="visit.plan",
          hint=("按编号、单位、责任人选择；列表不显示姓名，本表也不填姓名",
                "Choose by number, unit or officer; no names are shown or asked for")),
        Q("date", "visited_on", "回访日期", "Date of visit", required="yes", default="today()",
          xf_field="visit.visited_on", **NOT_FUTURE),
        Q("select_one way", "way", "回访方式", "How", required="yes"),
        Q("text", "visitor", "回访人", "Visited by", required="yes", xf_field="visit.visitor"),
        Q("select_one mood", "mood", "思想情绪", "Mood", required="yes", xf_field="visit.mood"),
        Q("text", "notes", "回访情况", "What was found and done", required="yes", appearance="multiline",
          xf_field="visit.notes",
          hint=("诉求落实情况、思想变化、还需要协调的事", "Progress on the demand, change in mood, what still needs help")),
        Q("select_one status", "plan_status", "回访后该一人一策", "After this visit the plan is", required="yes",
          default="跟进中", xf_field="plan.status"),
        Q("date", "next_on", "下次回访日期", "Next visit", relevant="${plan_status} = '跟进中'",
          xf_field="visit.next_on", constraint=". > ${visited_on}",
          constraint_message=("下次回访应在本次之后", "Must be after this visit")),
    ],
    "choices": [C("way", n, n, en) for n, en in (("上门走访", "Home visit"), ("谈心谈话", "Talk at work"),
                                                 ("电话回访", "Phone call"))]
    + [C("mood", n, n, en) for n, en in (("稳定", "Stable"), ("好转", "Improving"), ("波动", "Unsettled"),
                                         ("加重", "Worse"))]
    + [C("status", n, n, en) for n, en in (("跟进中", "Continue"), ("已稳定", "Stable"), ("已结束", "Closed"))],
}

# -- 6. 不稳定因素排查登记 (a risk-ledger entry; issues and groups, not individuals) ---------------------
FORMS["buwending_paicha"] = {
    "settings": {"form_title": "不稳定因素排查登记", "form_id": "buwending_paicha", "version": "2026.1",
                 "default_language": LANGS[0], "xf_record": "risk"},
    "survey": [
        Q("select_one unit", "unit", "所在单位", "Unit", required="yes", appearance="minimal", xf_field="risk.unit"),
        Q("date", "found_on", "排查日期", "Date found", required="yes", default="today()", xf_field="risk.found_on",
          **NOT_FUTURE),
        Q("select_one source", "source", "发现途径", "Found through", required="yes", xf_field="risk.source"),
        Q("text", "issue", "不稳定因素", "Issue", required="yes", appearance="multiline", xf_field="risk.issue",
          hint=("写事由和涉及的群体，不写个人姓名", "Describe the issue and the group concerned, not individuals")),
        Q("integer", "people_count", "涉及人数", "People concerned", required="yes", xf_field="risk.people_count",
          constraint=". >= 1 and . <= 5000", constraint_message=("人数应在 1 到 5000 之间", "Between 1 and 5000")),
        Q("select_one level", "level", "风险等级", "Risk level", required="yes", xf_field="risk.level",
          hint=("重大：可能引发集体上访或越级上访", "Major: may lead to a group or escalated petition")),
        Q("text", "measures", "稳控和化解措施", "Measures", required="yes", appearance="multiline",
          xf_field="risk.measures"),
        Q("text", "owner", "包保责任人", "Responsible person", required="yes", xf_field="risk.owner"),
        Q("date", "deadline", "化解期限", "Resolve by", xf_field="risk.deadline", constraint=". >= ${found_on}",
          constraint_message=("期限不能早于排查日期", "Cannot be before the date found")),
        Q("select_one rstatus", "status", "状态", "Status", required="yes", default="在控", xf_field="risk.status"),
    ],
    "choices": UNIT_CHOICES
    + [C("source", n, n, en) for n, en in (("定期走访", "Regular visits"), ("重点摸排", "Focused survey"),
                                           ("下访座谈", "Outreach meeting"), ("问卷分析", "Questionnaire"),
                                           ("信访事项", "Petitions"))]
    + [C("level", n, n, en) for n, en in (("一般", "Ordinary"), ("较大", "Serious"), ("重大", "Major"))]
    + [C("rstatus", n, n, en) for n, en in (("在控", "Under control"), ("已化解", "Resolved"),
                                            ("已上报", "Reported upwards"))],
}

_SURVEY_ORDER = ("type", "name", "label", "hint", "required", "required_message", "relevant", "constraint",
                 "constraint_message", "calculation", "default", "appearance", "choice_filter", "read_only",
                 "xf_field")


def _columns(rows: list[dict], order: tuple[str, ...]) -> list[str]:
    used = {k for r in rows for k, v in r.items() if v not in (None, "")}
    cols = []
    for key in list(order) + sorted(used - set(order)):
        if key not in used:
            continue
        cols += [f"{key}::{lang}" for lang in LANGS] if key in TRANSLATED else [key]
    return cols


def _value(row: dict, col: str) -> str:
    key, _, lang = col.partition("::")
    v = row.get(key)
    if v in (None, ""):
        return ""
    if not lang:
        return str(v)
    zh, en = v
    return {LANGS[0]: zh, LANGS[1]: _hant(zh), LANGS[2]: en}[lang]


def sheets(form: dict) -> dict[str, list[list[str]]]:
    survey_cols = _columns(form["survey"], _SURVEY_ORDER)
    choice_cols = _columns(form["choices"], ("list_name", "name", "label"))
    settings = form["settings"]
    return {
        "survey": [survey_cols] + [[_value(r, c) for c in survey_cols] for r in form["survey"]],
        "choices": [choice_cols] + [[_value(r, c) for c in choice_cols] for r in form["choices"]],
        "settings": [list(settings), [str(v) for v in settings.values()]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="只从 .xlsx 更新 .md 审阅副本")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    if not args.markdown:
        for key, form in FORMS.items():
            write_xlsx(sheets(form), OUT / f"{key}.xlsx")
    for path in sorted(OUT.glob("*.xlsx")):
        path.with_suffix(".md").write_text(to_markdown(sheets_of(path), path.name), encoding="utf-8")
        print(f"{path.relative_to(ROOT)}  →  {path.with_suffix('.md').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
