"""Where answers go: the record kinds a form may write and the fields a question may feed.

A form names its record kind in the settings sheet (column ``xf_record``) and each question names
its field in the survey sheet (column ``xf_field``). This table is the whole vocabulary of both;
the loader refuses anything else, naming the cell.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    kind: str  # text, int, date, bool, unit, choice (from a vocabulary), list
    vocab: str | None = None
    max_length: int | None = None


def _t(name: str, label: str, kind: str, vocab: str | None = None, max_length: int | None = None) -> Target:
    return Target(name, label, kind, vocab, max_length)


TARGETS: dict[str, Target] = {t.name: t for t in (
    _t("submission.unit", "答卷所属单位", "unit"),
    _t("case.text", "反映内容", "text"),
    _t("case.unit", "涉及单位", "unit"),
    _t("case.intake_mode", "反映方式", "choice", "intake_modes"),
    _t("case.channel", "来源渠道", "choice", "channels"),
    _t("case.nature", "性质", "choice", "natures"),
    _t("case.category", "类别代码", "text", max_length=10),
    _t("case.people_count", "人数", "int"),
    _t("case.is_group", "是否集体反映", "bool"),
    _t("case.escalated", "是否越级", "bool"),
    _t("case.received_on", "登记日期", "date"),
    _t("case.answered_on_spot", "是否现场答复", "bool"),
    _t("case.reply", "现场答复内容", "text"),
    _t("case.followup_by", "跟进责任人", "text", max_length=60),
    _t("identity.name", "反映人姓名", "text", max_length=200),
    _t("identity.staff_no", "工号", "text", max_length=200),
    _t("identity.phone", "联系电话", "text", max_length=200),
    _t("activity.kind", "活动类型", "choice", "activity_kinds"),
    _t("activity.held_on", "活动日期", "date"),
    _t("activity.unit", "活动单位", "unit"),
    _t("activity.host", "主持人", "text", max_length=60),
    _t("activity.title", "主题", "text", max_length=200),
    _t("activity.topics", "议题", "list"),
    _t("activity.participants", "参加人数", "int"),
    _t("activity.sessions", "场次", "int"),
    _t("activity.audience", "对象", "choice", "audiences"),
    _t("activity.minutes", "纪要", "text"),
    _t("visit.plan", "一人一策编号", "int"),
    _t("visit.visited_on", "回访日期", "date"),
    _t("visit.visitor", "回访人", "text", max_length=60),
    _t("visit.mood", "思想情绪", "choice", "moods"),
    _t("visit.notes", "回访情况", "text"),
    _t("visit.next_on", "下次回访日期", "date"),
    _t("plan.status", "一人一策状态", "choice", "plan_statuses"),
    _t("risk.unit", "所在单位", "unit"),
    _t("risk.issue", "不稳定因素", "text"),
    _t("risk.people_count", "涉及人数", "int"),
    _t("risk.level", "风险等级", "choice", "risk_levels"),
    _t("risk.measures", "稳控措施", "text"),
    _t("risk.owner", "责任人", "text", max_length=60),
    _t("risk.deadline", "化解期限", "date"),
    _t("risk.status", "状态", "choice", "risk_statuses"),
    _t("risk.source", "发现途径", "text", max_length=40),
    _t("risk.found_on", "发现日期", "date"),
)}

# record kind -> (prefixes of the targets it accepts, targets that must be mapped)
RECORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "none": (("submission.",), ()),
    "case": (("submission.", "case.", "identity."), ("case.text", "case.channel", "case.intake_mode")),
    "activity": (("submission.", "activity."), ("activity.kind", "activity.held_on")),
    "activity+cases": (("submission.", "activity.", "case."),
                       ("activity.kind", "activity.held_on", "case.text", "case.channel", "case.intake_mode")),
    "visit": (("submission.", "visit.", "plan."), ("visit.plan",)),
    "risk": (("submission.", "risk."), ("risk.issue", "risk.level")),
}

# question types that may feed each target kind (calculate may feed any)
COMPATIBLE: dict[str, set[str]] = {
    "text": {"text", "select_one", "calculate"},
    "int": {"integer", "select_one", "calculate"},  # select_one: only when its choices are numbers
    "date": {"date", "calculate"},
    "bool": {"select_one", "calculate"},
    "unit": {"select_one", "text", "calculate"},
    "choice": {"select_one", "calculate"},
    "list": {"select_multiple", "text", "calculate"},
}
KIND_ZH = {"text": "文字", "int": "整数", "date": "日期", "bool": "是/否", "unit": "单位名称",
           "choice": "单选", "list": "多选或文字"}

TRUE_VALUES = {"yes", "true", "1", "是", "y"}
