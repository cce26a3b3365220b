"""Early warnings for units heating up (不稳定因素预警): group-level flags with the numbers behind them.

Rules and thresholds are data (data/rules/early_warning.yaml). Every flag states its figures and the
number of people behind it; meeting views show the figures only when that number is at least the
suppression threshold (xinfang.privacy). ``to_risk_ledger`` turns new flags into ledger entries.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang.config import settings
from xinfang.errors import DataFileError
from xinfang.storage.models import OrgUnit, RiskItem


@cache
def rules() -> dict:
    path = settings().data_dir / "rules" / "early_warning.yaml"
    if not path.exists():
        raise DataFileError("data.file_missing", file=str(path))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Flag:
    unit: str
    rule: str
    title: str
    reason: str      # the numbers, in words the office reads
    people: int      # how many people the figures are about
    level: str

    def meeting_text(self, min_size: int) -> str:
        """What a projected meeting view may show: the numbers only for groups of min_size or more."""
        return f"{self.unit}：{self.title}" + (f"（{self.reason}）" if self.people >= min_size else "（人数较少，不显示具体数字）")


def evaluate(cases, analysed, today: dt.date) -> list[Flag]:
    """Flags for every unit. ``cases`` is metrics.case_frame(), ``analysed`` analysis.analysed_frame()."""
    import pandas as pd

    cfg = rules()
    r = cfg["rules"]
    recent_start = pd.Timestamp(today - dt.timedelta(days=cfg["recent_days"]))
    base_start = recent_start - pd.Timedelta(days=cfg["baseline_days"])
    end = pd.Timestamp(today)
    flags: list[Flag] = []
    recent = analysed[(analysed["received_on"] > recent_start) & (analysed["received_on"] <= end)]
    base = analysed[(analysed["received_on"] > base_start) & (analysed["received_on"] <= recent_start)]
    months = cfg["baseline_days"] / 30.0
    from xinfang.text.vocab import load_taxonomy

    taxonomy = load_taxonomy()
    for unit, grp in recent.groupby("unit"):
        hist = base[base["unit"] == unit]
        n = len(grp)
        neg = int((grp["label"] == "负面").sum())
        share = neg / n if n else 0.0
        base_share = float((hist["label"] == "负面").mean()) if len(hist) else 0.0
        spec = r["negative_share"]
        if n >= spec["min_remarks"] and share >= base_share + spec["min_rise"] and share >= spec["min_ratio"] * base_share:
            flags.append(Flag(unit, "negative_share", spec["help"],
                              f"近 {cfg['recent_days']} 天负面 {neg}/{n} 件（{share:.0%}），以往 {base_share:.0%}",
                              n, spec["level"]))
        spec = r["topic_surge"]
        now_counts = grp.explode("topics")["topics"].value_counts()
        hist_counts = hist.explode("topics")["topics"].value_counts()
        for topic, count in now_counts.items():
            if topic == "未归类":
                continue
            mean = hist_counts.get(topic, 0) / months
            if count >= spec["min_count"] and count >= mean + spec["sigmas"] * math.sqrt(max(mean, 1.0)):
                flags.append(Flag(unit, "topic_surge", f"{spec['help']}：{taxonomy.name_of(topic)}",
                                  f"近 {cfg['recent_days']} 天 {count} 件，以往每月约 {mean:.1f} 件", int(count),
                                  spec["level"]))
    recent_cases = cases[(cases["received_on"] > recent_start) & (cases["received_on"] <= end)]
    for unit, grp in recent_cases.groupby("unit"):
        spec = r["repeated_demand"]
        repeats = int(grp["repeat_of_id"].notna().sum())
        if repeats >= spec["min_count"]:
            flags.append(Flag(unit, "repeated_demand", spec["help"], f"近 {cfg['recent_days']} 天重复反映 {repeats} 件",
                              repeats, spec["level"]))
        spec = r["group_complaint"]
        groups = grp[grp["is_group"].astype(bool) & (grp["people_count"] >= spec["min_people"])]
        if len(groups):
            people = int(groups["people_count"].sum())
            flags.append(Flag(unit, "group_complaint", spec["help"], f"{len(groups)} 起，共 {people} 人", people,
                              spec["level"]))
    from xinfang import metrics

    overdue = metrics.overdue(cases, today)
    spec = r["overdue_pileup"]
    for unit, grp in overdue.groupby("unit"):
        if len(grp) >= spec["min_count"]:
            flags.append(Flag(unit, "overdue_pileup", spec["help"], f"逾期未办结 {len(grp)} 件", len(grp), spec["level"]))
    order = {"重大": 0, "较大": 1, "一般": 2}
    return sorted(flags, key=lambda f: (order.get(f.level, 9), f.unit, f.rule))


def to_risk_ledger(session: Session, flags: list[Flag], today: dt.date) -> int:
    """Add each flag to the risk ledger unless an open entry from the same rule exists for the unit."""
    units = dict(session.execute(select(OrgUnit.name, OrgUnit.id)).all())
    open_items = {(u, s) for u, s in session.execute(
        select(RiskItem.unit_id, RiskItem.source).where(RiskItem.status == "在控"))}
    added = 0
    for f in flags:
        source = f"预警:{f.rule}"
        uid = units.get(f.unit)
        if (uid, source) in open_items:
            continue
        session.add(RiskItem(unit_id=uid, issue=f"{f.title}（{f.reason}）", people_count=f.people, level=f.level,
                             found_on=today, deadline=today + dt.timedelta(days=30), status="在控", source=source,
                             measures="信访办核实情况，责任单位制定化解措施"))
        open_items.add((uid, source))
        added += 1
    return added


def current_flags(today: dt.date | None = None) -> list[Flag]:
    """Flags as of ``today`` from the database (stored analyses refreshed first)."""
    from xinfang import analysis, metrics
    from xinfang.storage import db

    today = today or dt.date.today()
    with db.session() as s:
        analysis.refresh(s)
        return evaluate(metrics.case_frame(s), analysis.analysed_frame(s), today)


def record_flags(flags: list[Flag], today: dt.date | None = None) -> int:
    """Enter ``flags`` in the risk ledger (one transaction); returns how many were new."""
    from xinfang.storage import db

    with db.session() as s:
        return to_risk_ledger(s, flags, today or dt.date.today())
