"""The case lifecycle: the one place that decides what may happen to a case next.

Actions and their rules are data (data/rules/lifecycle.yaml); time limits come from
xinfang.deadlines. ``apply`` checks an action against the case's status, its history and the 条例's
windows, then writes the event and the case fields it changes, in the caller's transaction: a refused
action writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang import deadlines, vocab
from xinfang.config import settings
from xinfang.errors import DataFileError, ValidationError
from xinfang.storage.models import Case, CaseEvent

# Which detail each 'needs' entry names, in words users read.
DETAIL_LABELS = {
    "reason": "理由", "to_whom": "交办或转送单位", "days": "延期天数", "approved_by": "批准人",
    "outcome": "处理结果", "satisfaction": "满意度", "facts": "查明事实", "basis": "处理依据", "stage": "阶段",
    "channel": "渠道",
}


@cache
def rules() -> dict:
    path = settings().data_dir / "rules" / "lifecycle.yaml"
    if not path.exists():
        raise DataFileError("data.file_missing", file=str(path))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    known = set(vocab.terms("event_kinds"))
    statuses = set(vocab.terms("case_statuses"))
    for name, rule in data["actions"].items():
        bad = [s for s in [*rule.get("from", []), rule.get("to")] if s and s not in statuses]
        if name not in known or bad:
            raise DataFileError("data.file_invalid", file=str(path), line=0,
                                problem=f"动作「{name}」或其状态 {bad} 不在词表中", fix="对照 data/vocabulary.yaml 改正",
                                problem_en=f"action {name!r} or statuses {bad} not in the vocabulary")
    return data


@dataclass(frozen=True)
class Stage:
    """How far a case has gone through 复查 / 复核, from its events."""

    replies: int
    reviews: int
    rechecks: int
    last_reply: dt.date | None
    last_event: dt.date | None
    kinds: tuple[str, ...]


def stage_of(events: list[CaseEvent]) -> Stage:
    kinds = tuple(e.kind for e in events)
    replies = [e.happened_on for e in events if e.kind == "答复"]
    return Stage(replies=len(replies), reviews=kinds.count("复查"), rechecks=kinds.count("复核"),
                 last_reply=max(replies) if replies else None,
                 last_event=max((e.happened_on for e in events), default=None), kinds=kinds)


def _window_ok(rule: dict, stage: Stage) -> bool:
    if "stage_max" in rule and stage.reviews + stage.rechecks > rule["stage_max"]:
        return False
    if "stage_min" in rule and stage.reviews < rule["stage_min"]:
        return False
    if rule.get("final_after_recheck") and stage.rechecks:
        return False
    return not (rule.get("once") and rule.get("_name") in stage.kinds)


def allowed_actions(case: Case, events: list[CaseEvent] | None = None) -> list[str]:
    """The actions the rules allow for ``case`` now (ignoring dates and missing details)."""
    events = case.events if events is None else events
    stage = stage_of(events)
    out = []
    for name, rule in rules()["actions"].items():
        if case.status in rule.get("from", []) and _window_ok({**rule, "_name": name}, stage):
            if name in ("复查", "复核") and stage.replies == 0:
                continue
            out.append(name)
    return out


def _refuse(case: Case, action: str, allowed: list[str]) -> ValidationError:
    return ValidationError("case.action_not_allowed", case_no=case.case_no, status=case.status, action=action,
                           allowed="、".join(allowed) if allowed else "（无）")


def apply(session: Session, case_id: int, action: str, *, on: dt.date, actor: str | None = None,
          note: str | None = None, today: dt.date | None = None, **details) -> CaseEvent:
    """Record ``action`` on the case, or refuse it with a message saying what is allowed."""
    today = today or dt.date.today()
    case = session.get(Case, case_id)
    if case is None:
        raise ValidationError("case.not_found", case=case_id)
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))
    actions = rules()["actions"]
    allowed = allowed_actions(case, events)
    if action not in actions or action not in allowed:
        raise _refuse(case, action, allowed)
    rule = {**actions[action], "_name": action}
    for need in rule.get("needs", []):
        if details.get(need) in (None, ""):
            raise ValidationError("case.missing_detail", action=action, field=DETAIL_LABELS.get(need, need))
    if not isinstance(on, dt.date):
        raise ValidationError("case.bad_value", field=f"{action}日期", value=on, problem="应为日期",
                              problem_en="expected a date")
    if on > today:
        raise ValidationError("case.bad_value", field=f"{action}日期", value=on.isoformat(), problem="不能晚于今天",
                              problem_en="must not be in the future")
    if on < case.received_on:
        raise ValidationError("case.date_before", action=action, on=on.isoformat(), what="登记日期",
                              ref=case.received_on.isoformat())
    stage = stage_of(events)
    if stage.last_event and on < stage.last_event:
        raise ValidationError("case.date_before", action=action, on=on.isoformat(), what="上一步办理日期",
                              ref=stage.last_event.isoformat())
    if "window" in rule:
        limit = deadlines.add_period(stage.last_reply, deadlines.period_days(rule["window"]))
        if on > limit:
            raise ValidationError("case.window_passed", action=action, ref=stage.last_reply.isoformat(),
                                  days=deadlines.period_days(rule["window"]), deadline=limit.isoformat(),
                                  on=on.isoformat(), article=rule.get("article", ""))

    stored = {k: v for k, v in details.items() if v not in (None, "")}
    if action == "受理":
        case.accepted_on = on
        case.due_on = deadlines.add_period(on, deadlines.period_days("handle"))
    elif action == "延期":
        days = details["days"]
        limit = deadlines.period_days("extension_max")
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= limit:
            raise ValidationError("case.extension_too_long", days=days, max=limit)
        case.due_on = deadlines.add_period(case.accepted_on, deadlines.period_days("handle") + days)
    elif action == "答复":
        if details["outcome"] not in rule["outcomes"]:
            raise ValidationError("case.bad_value", field="处理结果", value=details["outcome"],
                                  problem="应为 " + "、".join(rule["outcomes"]) + " 之一",
                                  problem_en="expected one of " + ", ".join(rule["outcomes"]))
        case.outcome = details["outcome"]
        stored["stage"] = {"复查中": "复查", "复核中": "复核"}.get(case.status, "初次")
    elif action == "回访":
        if details["satisfaction"] not in vocab.terms("satisfaction"):
            raise ValidationError("case.bad_value", field="满意度", value=details["satisfaction"],
                                  problem="应为 " + "、".join(vocab.terms("satisfaction")) + " 之一",
                                  problem_en="expected one of " + ", ".join(vocab.terms("satisfaction")))
        case.satisfaction = details["satisfaction"]
    elif action in ("复查", "复核"):
        decide = "review_decide" if action == "复查" else "recheck_decide"
        case.due_on = deadlines.add_period(on, deadlines.period_days(decide))
        case.closed_on = None
    elif action == "重开":
        case.closed_on = None
    if rule.get("to"):
        case.status = rule["to"]
    if rule.get("closes"):
        case.closed_on = on
    event = CaseEvent(case_id=case.id, kind=action, happened_on=on, actor=actor, note=note, details=stored)
    session.add(event)
    session.flush()
    return event


def notice_due(case: Case) -> dt.date:
    """Last day for the written notice of receipt (告知)."""
    return notice_due_on(case.received_on)


def notice_due_on(received_on: dt.date) -> dt.date:
    """Last day for the 告知 of a petition received on ``received_on``."""
    return deadlines.add_period(received_on, deadlines.period_days("notify"))


def group_visit_rule(case: Case) -> dict | None:
    """The 走访 rule when it concerns ``case``: a visit (来访) by more people than may come as
    representatives (data/rules/xinfang_2022.yaml, 第二十条); ``{"value": 5, "article": "第二十条"}`` or None."""
    rule = deadlines.rules()["group_visit_max_representatives"]
    crowd = case.channel == "来访" and bool(case.is_group) and (case.people_count or 0) > int(rule["value"])
    return {"value": int(rule["value"]), "article": str(rule["article"])} if crowd else None
