"""KPI formulas (DESIGN.md §5): each figure is defined once, with its numerator and denominator.

The definitions are data (data/kpis.yaml): a rate is numerator ÷ denominator, each a list of
conditions over cases, and the conditions are the small vocabulary in ``CONDITIONS`` below. Every
figure names its period; ``kpi_table`` groups by unit, branch, month or quarter. pandas is imported
inside the functions that need it, so a form kernel that only shows counts never loads it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinfang import deadlines, vocab
from xinfang.config import settings
from xinfang.errors import DataFileError
from xinfang.storage.frames import read_frame
from xinfang.storage.models import Activity, Case, CaseEvent, FollowUpPlan, OrgUnit, RiskItem, Submission

VISIT_KINDS = ("下访座谈", "牢骚会", "定期走访", "重点摸排")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    label: str

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        start = dt.date(year, 3 * q - 2, 1)
        end = (dt.date(year + (q == 4), (3 * q) % 12 + 1, 1)) - dt.timedelta(days=1)
        return cls(start, end, f"{year}年第{'一二三四'[q - 1]}季度")

    @classmethod
    def month(cls, year: int, m: int) -> Period:
        end = dt.date(year + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
        return cls(dt.date(year, m, 1), end, f"{year}年{m}月")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年")

    @classmethod
    def containing(cls, day: dt.date) -> Period:
        return cls.quarter(day.year, (day.month - 1) // 3 + 1)


def percent_text(value) -> str:
    """A rate (a fraction) as a reader sees it: "86.2%"; "—" where there is none; text (a suppressed
    "<5") as it is."""
    if isinstance(value, str):
        return value
    if value is None or value != value:
        return "—"
    return f"{float(value):.1%}"


@cache
def definitions() -> dict:
    path = settings().data_dir / "kpis.yaml"
    if not path.exists():
        raise DataFileError("data.file_missing", file=str(path))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, spec in data.get("rates", {}).items():
        for part in ("numerator", "denominator"):
            for cond in spec[part]:
                _check_condition(path, name, cond)
    for name, conds in data.get("case_counts", {}).items():
        for cond in conds:
            _check_condition(path, name, cond)
    return data


def _check_condition(path, kpi: str, cond) -> None:
    key = cond if isinstance(cond, str) else next(iter(cond))
    if key not in CONDITIONS and key != "any_of":
        raise DataFileError("data.file_invalid", file=str(path), line=0, problem=f"指标「{kpi}」用了未知条件「{key}」",
                            fix="只使用 " + "、".join(CONDITIONS) + " 或 any_of",
                            problem_en=f"KPI {kpi!r} uses unknown condition {key!r}")
    if key == "any_of":
        for sub in cond["any_of"]:
            _check_condition(path, kpi, sub)


# -- the case frame and the conditions over it ----------------------------------------------------


def case_frame(session: Session, until: dt.date | None = None):
    """One row per case with what the KPI conditions need (pandas DataFrame)."""
    import pandas as pd

    branch = select(OrgUnit.id.label("uid"), OrgUnit.name.label("unit"), OrgUnit.branch_id).subquery()
    branch_names = dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "党支部")).all())
    notified = (select(CaseEvent.case_id, func.min(CaseEvent.happened_on).label("notified_on"))
                .where(CaseEvent.kind == "告知").group_by(CaseEvent.case_id).subquery())
    q = (select(Case.id, Case.case_no, Case.received_on, Case.accepted_on, Case.closed_on, Case.due_on, Case.status,
                Case.outcome, Case.satisfaction, Case.repeat_of_id, Case.escalated, Case.is_group, Case.people_count,
                Case.intake_mode, Case.channel, Case.category, branch.c.unit, branch.c.branch_id, notified.c.notified_on)
         .outerjoin(branch, branch.c.uid == Case.unit_id)
         .outerjoin(notified, notified.c.case_id == Case.id))
    if until is not None:
        q = q.where(Case.received_on <= until)
    notify_days = deadlines.period_days("notify")

    def prepare(frame):
        for col in ("received_on", "accepted_on", "closed_on", "due_on", "notified_on"):
            frame[col] = pd.to_datetime(frame[col])
        frame["branch"] = frame["branch_id"].map(branch_names).astype(object)
        frame["unit"] = frame["unit"].fillna("（未指定单位）")
        frame["branch"] = frame["branch"].fillna("（未指定支部）")
        days = {d: deadlines.add_period(d.date(), notify_days) for d in frame["received_on"].unique()}  # ≤ 365
        frame["notice_due"] = pd.to_datetime(frame["received_on"].map(days))
        return frame

    # few distinct values in many rows: categories make the hundreds of comparisons a KPI table needs
    # compare small integer codes instead of strings (the trend of a 100,000-case mine: 2.6 s → 0.3 s)
    return read_frame(session, q, prepare=prepare, categories=(
        "status", "outcome", "satisfaction", "intake_mode", "channel", "category", "unit", "branch"))


def _in(col: str) -> Callable:
    def cond(f, period: Period):
        return f[col].notna() & (f[col] >= _ts(period.start)) & (f[col] <= _ts(period.end))
    return cond


def _ts(day: dt.date):
    import pandas as pd

    return pd.Timestamp(day)


CONDITIONS: dict[str, Callable] = {
    "registered_in_period": _in("received_on"),
    "accepted_in_period": _in("accepted_on"),
    "closed_in_period": lambda f, p: _in("closed_on")(f, p) & (f["status"] == "办结"),
    "notified_on_time": lambda f, p: f["notified_on"].notna() & (f["notified_on"] <= f["notice_due"]),
    "closed_on_time": lambda f, p: f["closed_on"].notna() & f["due_on"].notna() & (f["closed_on"] <= f["due_on"]),
    "rated": lambda f, p: f["satisfaction"].isin(["满意", "基本满意", "不满意"]),
    "repeat": lambda f, p: f["repeat_of_id"].notna(),
    "escalated": lambda f, p: f["escalated"].astype(bool),
    "group": lambda f, p: f["is_group"].astype(bool),
    "outcome_in": None,  # parametrised, see _mask
    "satisfaction_in": None,
}


def _mask(frame, period: Period, conds: list):
    import pandas as pd

    mask = pd.Series(True, index=frame.index)
    for cond in conds:
        if isinstance(cond, str):
            mask &= CONDITIONS[cond](frame, period)
        elif "any_of" in cond:
            anym = pd.Series(False, index=frame.index)
            for sub in cond["any_of"]:
                anym |= _mask(frame, period, [sub])
            mask &= anym
        elif "outcome_in" in cond:
            mask &= frame["outcome"].isin(cond["outcome_in"])
        elif "satisfaction_in" in cond:
            mask &= frame["satisfaction"].isin(cond["satisfaction_in"])
    return mask


@dataclass(frozen=True)
class Rate:
    name: str
    numerator: int
    denominator: int
    period: str
    scope: str
    help: str

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    def text(self) -> str:
        return percent_text(self.value)


def rate(frame, name: str, period: Period, scope: str = "全矿") -> Rate:
    spec = definitions()["rates"][name]
    num = int(_mask(frame, period, spec["numerator"]).sum())
    den = int(_mask(frame, period, spec["denominator"]).sum())
    return Rate(name, num, den, period.label, scope, spec.get("help", ""))


def case_count(frame, name: str, period: Period) -> int:
    return int(_mask(frame, period, definitions()["case_counts"][name]).sum())


def activity_counts(session: Session, period: Period, unit_ids: list[int] | None = None) -> dict[str, int]:
    out = {}
    for name, spec in definitions()["activity_counts"].items():
        measure = {"events": func.count(), "participants": func.coalesce(func.sum(Activity.participants), 0),
                   "sessions": func.coalesce(func.sum(Activity.sessions), 0)}[spec["measure"]]
        q = select(measure).where(Activity.kind.in_(spec["kinds"])).where(
            Activity.held_on.between(period.start, period.end))
        if "audience" in spec:
            q = q.where(Activity.audience == spec["audience"])
        if unit_ids is not None:
            q = q.where(Activity.unit_id.in_(unit_ids))
        out[name] = int(session.scalar(q) or 0)
    return out


def kpi_table(frame, period: Period, by: str | None = None):
    """Every rate and case count for ``period``, overall or grouped by 'unit', 'branch', 'month' or
    'quarter'; each rate with its numerator and denominator columns."""
    import pandas as pd

    defs = definitions()
    if by is None:
        groups = [("全矿", frame)]
    elif by in ("unit", "branch"):
        groups = list(frame.groupby(by, sort=True))
    elif by in ("month", "quarter"):
        # group by the month/quarter of the event each condition looks at: evaluate per sub-period
        subs = _sub_periods(period, by)
        rows = _rows_by_sub_period(frame, subs, defs)
        if rows is None:
            rows = [_row(frame, sub, sub.label, defs) for sub in subs]
        return pd.DataFrame(rows).set_index("范围")
    else:
        raise ValueError(by)
    rows = [_row(g, period, str(name), defs) for name, g in groups]
    return pd.DataFrame(rows).set_index("范围")


# the conditions that tie a case to a period, and the date each looks at. Each holds for a period
# exactly when its date lies in the period and it holds for any longer period containing that date
# (the date test and a test of the case itself): _rows_by_sub_period relies on it (tested).
PERIOD_CONDITIONS = {"registered_in_period": "received_on", "accepted_in_period": "accepted_on",
                     "closed_in_period": "closed_on"}


def _period_bound(defs: dict) -> bool:
    """True when every numerator, denominator and count of kpis.yaml requires one of the period
    conditions: then a case with none of those dates in the period counts nowhere."""
    terms = [spec[k] for spec in defs["rates"].values() for k in ("numerator", "denominator")]
    terms += list(defs["case_counts"].values())
    return all(any(isinstance(c, str) and c in PERIOD_CONDITIONS for c in t) for t in terms)


def _relevant(frame, period: Period, defs: dict):
    """The cases that can count in ``period`` (all of them unless the definitions are period-bound):
    a twelve-month trend then compares each month's conditions on that month's cases, not on all."""
    if not _period_bound(defs) or frame.empty:
        return frame
    start, end = _ts(period.start), _ts(period.end)
    keep = None
    for col in dict.fromkeys(PERIOD_CONDITIONS.values()):
        hit = (frame[col] >= start) & (frame[col] <= end)
        keep = hit if keep is None else keep | hit
    return frame[keep]


def _row(frame, period: Period, scope: str, defs: dict) -> dict:
    frame = _relevant(frame, period, defs)
    row: dict = {"范围": scope, "期间": period.label}
    for name in defs["case_counts"]:
        row[name] = case_count(frame, name, period)
    for name in defs["rates"]:
        r = rate(frame, name, period, scope)
        row[f"{name}_分子"] = r.numerator
        row[f"{name}_分母"] = r.denominator
        row[name] = r.value
    return row


def _period_conditions(cond) -> list[str]:
    """The period conditions in one condition of a term, nested any_of included."""
    if isinstance(cond, str):
        return [cond] if cond in PERIOD_CONDITIONS else []
    return [c for sub in cond.get("any_of", []) for c in _period_conditions(sub)]


def _rows_by_sub_period(frame, subs: list[Period], defs: dict) -> list[dict] | None:
    """``_row`` for every sub-period in one pass over the cases (the twelve months of a trend were
    twelve passes of some hundred pandas operations each: 0.5 s at 100,000 cases, mostly overhead).

    A term's cases in a sub-period are those that meet the term over the whole window and whose
    dates of the term's period conditions all fall in that sub-period (PERIOD_CONDITIONS). None when
    a term cannot be split that way (no period condition, or one inside any_of): the caller then
    computes row by row."""
    import numpy as np

    parts = [("count", name, conds) for name, conds in defs["case_counts"].items()]
    parts += [(part, name, spec[part]) for name, spec in defs["rates"].items() for part in ("numerator", "denominator")]
    # (part, name, conditions, the period conditions among them)
    terms = [(part, name, conds, [c for c in conds if isinstance(c, str) and c in PERIOD_CONDITIONS])
             for part, name, conds in parts]
    for _, _, conds, direct in terms:
        nested = [c for c in conds if not isinstance(c, str) and _period_conditions(c)]
        if not direct or nested:
            return None
    window = Period(subs[0].start, subs[-1].end, "")
    starts = np.array([np.datetime64(s.start, "ns") for s in subs])
    ends = np.array([np.datetime64(s.end, "ns") for s in subs])
    keys: dict[str, np.ndarray] = {}

    def key(col: str):
        """Index of the sub-period each case's date falls in, -1 outside the window or missing."""
        if col not in keys:
            values = frame[col].to_numpy(dtype="datetime64[ns]")
            k = np.searchsorted(starts, values, side="right") - 1
            inside = (k >= 0) & ~np.isnat(values)
            inside[inside] &= values[inside] <= ends[k[inside]]
            keys[col] = np.where(inside, k, -1)
        return keys[col]

    counts: dict[tuple[str, str], np.ndarray] = {}
    for part, name, conds, direct in terms:
        k = None
        for cond in direct:
            kc = key(PERIOD_CONDITIONS[cond])
            k = kc if k is None else np.where(k == kc, k, -1)
        hit = _mask(frame, window, conds).to_numpy(dtype=bool) & (k >= 0)
        counts[(part, name)] = np.bincount(k[hit], minlength=len(subs))
    rows = []
    for i, sub in enumerate(subs):
        row: dict = {"范围": sub.label, "期间": sub.label}
        for name in defs["case_counts"]:
            row[name] = int(counts[("count", name)][i])
        for name in defs["rates"]:
            num, den = int(counts[("numerator", name)][i]), int(counts[("denominator", name)][i])
            row[f"{name}_分子"] = num
            row[f"{name}_分母"] = den
            row[name] = None if den == 0 else num / den
        rows.append(row)
    return rows


def _sub_periods(period: Period, by: str) -> list[Period]:
    out = []
    day = period.start
    while day <= period.end:
        sub = Period.month(day.year, day.month) if by == "month" else Period.containing(day)
        out.append(Period(max(sub.start, period.start), min(sub.end, period.end), sub.label))
        day = sub.end + dt.timedelta(days=1)
    return out


def overdue(frame, today: dt.date):
    """Open cases past their handling deadline."""
    open_statuses = vocab.terms("open_statuses")
    return frame[frame["status"].isin(open_statuses) & frame["due_on"].notna() & (frame["due_on"] < _ts(today))]


def due_soon(frame, today: dt.date, within_days: int = 7):
    open_statuses = vocab.terms("open_statuses")
    soon = _ts(today + dt.timedelta(days=within_days))
    return frame[frame["status"].isin(open_statuses) & frame["due_on"].notna() & (frame["due_on"] >= _ts(today))
                 & (frame["due_on"] <= soon)]


def headline_counts(session: Session, today: dt.date | None = None) -> dict[str, int]:
    """Counts over the whole database: units, visits and person-times, cases, open and overdue cases,
    questionnaire responses. Keys are the Chinese labels users read."""
    today = today or dt.date.today()
    open_statuses = vocab.terms("open_statuses")
    visits, people = session.execute(
        select(func.count(), func.coalesce(func.sum(Activity.participants), 0)).where(Activity.kind.in_(VISIT_KINDS))
    ).one()
    return {
        "基层单位": session.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.kind != "党支部")
                               .where(OrgUnit.kind != "矿")) or 0,
        "下访次数": int(visits),
        "参与人次": int(people),
        "诉求数": session.scalar(select(func.count()).select_from(Case)) or 0,
        "在办": session.scalar(select(func.count()).select_from(Case).where(Case.status.in_(open_statuses))) or 0,
        "逾期未办结": session.scalar(select(func.count()).select_from(Case).where(Case.status.in_(open_statuses))
                                .where(Case.due_on < today)) or 0,
        "问卷答卷": session.scalar(select(func.count()).select_from(Submission)) or 0,
    }


def followup_coverage(session: Session) -> Rate:
    """一人一策 coverage: people with an active plan ÷ people flagged in the risk ledger (在控)."""
    plans = session.scalar(select(func.count()).select_from(FollowUpPlan).where(FollowUpPlan.status == "跟进中")) or 0
    flagged = session.scalar(select(func.coalesce(func.sum(RiskItem.people_count), 0))
                             .where(RiskItem.status == "在控")) or 0
    return Rate("一人一策覆盖率", int(plans), int(flagged), "当前", "全矿", "跟进中的一人一策人数 ÷ 在控不稳定因素涉及人数")
