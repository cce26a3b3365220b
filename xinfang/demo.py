"""The demo mine: seeded, deterministic data for demos, tests and benchmarks.

``build_demo`` fills an empty database with a fictional mine (data/demo/mine.yaml): party branches
and teams with headcounts, office staff, a year of activities (下访, 牢骚会, 宣讲, 培训, 问卷发放),
cases with realistic remarks (xinfang.demo_text) registered through xinfang.cases and taken through
their lifecycle (some overdue), questionnaire responses, a risk ledger and 一人一策 plans.
The same (seed, anchor, cases) always gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache

import yaml
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from xinfang import deadlines, demo_text
from xinfang.cases import NewCase, register_cases
from xinfang.config import settings
from xinfang.errors import DataFileError
from xinfang.storage.models import (
    Activity,
    Case,
    CaseEvent,
    FollowUpPlan,
    FollowUpVisit,
    Form,
    FormVersion,
    OrgUnit,
    PiiVault,
    RiskItem,
    Submission,
    User,
)

CHUNK = 5000
QUESTIONNAIRE_KEY = "sixiang_dongtai"
LIKERT_ITEMS = ("pay", "safety", "canteen", "shift", "management", "ppe")
CONCERNS = ("收入分配", "安全生产", "食堂伙食", "排班休息", "干部作风", "劳保用品", "职业健康", "子女教育")


@dataclass
class DemoSummary:
    units: int = 0
    activities: int = 0
    cases: int = 0
    events: int = 0
    submissions: int = 0
    risk_items: int = 0
    plans: int = 0
    extra: dict = field(default_factory=dict)


@cache
def mine() -> dict:
    path = settings().data_dir / "demo" / "mine.yaml"
    if not path.exists():
        raise DataFileError("data.file_missing", file=str(path))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=4096)
def _due(start: dt.date, days: int) -> dt.date:
    return deadlines.add_period(start, days)


def _person(rng: random.Random) -> dict[str, str]:
    m = mine()
    return {
        "name": rng.choice(m["surnames"]) + rng.choice(m["given_names"]),
        "staff_no": f"DS{rng.randint(10000, 99999)}",
        "phone": f"13{rng.randint(100000000, 999999999)}",
    }


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _org(session: Session) -> dict[str, int]:
    m = mine()
    root = OrgUnit(name=m["mine"], kind="矿", headcount=sum(u["headcount"] for u in m["units"].values()))
    session.add(root)
    session.flush()
    ids = {root.name: root.id}
    for branch in m["branches"]:
        b = OrgUnit(name=branch["name"], kind="党支部", parent_id=root.id,
                    headcount=sum(m["units"][u]["headcount"] for u in branch["units"]))
        session.add(b)
        session.flush()
        ids[b.name] = b.id
        for unit in branch["units"]:
            spec = m["units"][unit]
            u = OrgUnit(name=unit, kind=spec["kind"], parent_id=root.id, branch_id=b.id,
                        headcount=spec["headcount"])
            session.add(u)
            session.flush()
            ids[unit] = u.id
    staff = m["staff"]
    session.add(User(username=staff["director"]["username"], display_name=staff["director"]["display_name"],
                     role="主任"))
    for o in staff["officers"]:
        session.add(User(username=o["username"], display_name=o["display_name"], role="信访干部"))
    for o in staff.get("reporters", []):
        session.add(User(username=o["username"], display_name=o["display_name"], role="填报"))
    for i, branch in enumerate(m["branches"], 1):
        session.add(User(username=f"shuji{i}", display_name=f"{branch['name']}书记", role="支部书记",
                         branch_id=ids[branch["name"]]))
    return ids


def _activities(session: Session, rng: random.Random, ids: dict[str, int], start: dt.date,
                end: dt.date) -> list[tuple[int, dt.date, int]]:
    """A year of activities; returns (activity id, date, unit id) of the 下访/牢骚会 meetings."""
    m = mine()
    officers = [o["display_name"] for o in m["staff"]["officers"]] + [m["staff"]["director"]["display_name"]]
    rows = []
    for unit, spec in m["units"].items():
        for _ in range(rng.randint(2, 4)):
            kind = rng.choice(["下访座谈", "下访座谈", "牢骚会"])
            rows.append(dict(kind=kind, held_on=_day(rng, start, end), unit_id=ids[unit], host=rng.choice(officers),
                             title=f"{unit}{kind}", participants=max(3, int(spec["headcount"] * rng.uniform(.35, .6))),
                             audience="职工", topics=[]))
        if rng.random() < 0.5:
            rows.append(dict(kind="定期走访", held_on=_day(rng, start, end), unit_id=ids[unit],
                             host=rng.choice(officers), title=f"走访{unit}", participants=rng.randint(5, 15),
                             audience="职工", topics=[]))
    for topic in m["lecture_topics"]:
        unit = rng.choice(list(m["units"]))
        rows.append(dict(kind="政策宣讲", held_on=_day(rng, start, end), unit_id=ids[unit], host=rng.choice(officers),
                         title=topic, participants=rng.randint(40, 120), audience="职工", topics=[]))
    for i, topic in enumerate(m["training_topics"] * 2):
        audience = "支部书记" if i % 2 == 0 else "调解员"
        rows.append(dict(kind="培训", held_on=_day(rng, start, end), unit_id=ids[m["mine"]], host="信访办",
                         title=topic, participants=rng.randint(25, 60), sessions=rng.randint(1, 3),
                         audience=audience, topics=[]))
    for q in range(4):
        rows.append(dict(kind="问卷发放", held_on=start + dt.timedelta(days=45 + 91 * q), unit_id=ids[m["mine"]],
                         host="信访办", title="员工思想动态问卷", participants=0, audience="职工", topics=[]))
    rows.sort(key=lambda r: r["held_on"])
    out = []
    for r in rows:
        a = Activity(**r)
        session.add(a)
        session.flush()
        if a.kind in ("下访座谈", "牢骚会"):
            out.append((a.id, a.held_on, a.unit_id))
    return out


def _lifecycle(rng: random.Random, received: dt.date, anchor: dt.date, officer: str) -> tuple[dict, list[dict]]:
    """Case fields and events for one case received on ``received``, as of ``anchor``, in the order of their
    dates, as the office's own entries are (lifecycle.apply refuses a step dated before the last one)."""
    fields, events = _steps(rng, received, anchor, officer)
    replies = [e["happened_on"] for e in events if e["kind"] == "答复"]
    late = [e for e in events if e["kind"] == "延期" and replies and e["happened_on"] > replies[0]]
    for e in late:  # an extension drawn for a case answered before it: not granted after all
        events.remove(e)
        if not any(x["kind"] == "复查" for x in events):
            fields["due_on"] = _due(fields["accepted_on"], deadlines.period_days("handle"))
    events.sort(key=lambda e: e["happened_on"])  # stable: steps of one day keep their order
    return fields, events


def _steps(rng: random.Random, received: dt.date, anchor: dt.date, officer: str) -> tuple[dict, list[dict]]:
    """The steps of ``_lifecycle``, each drawn in turn (the draws' order fixes the demo for a seed)."""
    fields: dict = {"status": "登记"}
    events: list[dict] = []

    def ev(kind: str, day: dt.date, note: str | None = None, **details) -> bool:
        if day > anchor:
            return False
        events.append({"kind": kind, "happened_on": day, "actor": officer, "note": note, "details": details})
        return True

    if rng.random() < 0.06:
        if ev("不予受理", received + dt.timedelta(days=rng.randint(1, 10)), "不属于本单位信访受理范围，已告知向有关部门反映"):
            fields.update(status="不予受理", closed_on=events[-1]["happened_on"])
        return fields, events
    accepted = received + dt.timedelta(days=rng.randint(0, 4))
    if not ev("受理", accepted):
        return fields, events
    due = _due(accepted, deadlines.period_days("handle"))
    fields.update(status="已受理", accepted_on=accepted, due_on=due)
    late_notice = rng.random() < 0.08
    ev("告知", received + dt.timedelta(days=rng.randint(16, 25) if late_notice else rng.randint(1, 14)),
       "已书面告知受理情况及办理途径")
    if ev("交办", accepted + dt.timedelta(days=rng.randint(1, 3)), "交责任单位调查处理"):
        fields["status"] = "办理中"
    if rng.random() < 0.05 and ev("延期", accepted + dt.timedelta(days=rng.randint(45, 58)), "情况复杂，经批准延期",
                                   days=30, approved_by="信访办主任"):
        due = _due(accepted, deadlines.period_days("handle") + deadlines.period_days("extension_max"))
        fields["due_on"] = due
    overdue = rng.random() < 0.1
    took = rng.randint(62, 110) if overdue else int(rng.triangular(7, 58, 25))
    replied = accepted + dt.timedelta(days=took)
    outcome = rng.choices(["支持", "解释说明", "不予支持", "调解", "和解"], weights=[45, 35, 10, 7, 3])[0]
    if not ev("答复", replied, f"出具处理意见书：{outcome}", outcome=outcome):
        return fields, events
    fields.update(status="已答复", outcome=outcome)
    rated = rng.random() < 0.85
    satisfaction = rng.choices(["满意", "基本满意", "不满意"], weights=[55, 30, 15])[0] if rated else "未评价"
    if rated and ev("回访", replied + dt.timedelta(days=rng.randint(2, 12)), "电话回访", satisfaction=satisfaction):
        fields["satisfaction"] = satisfaction
    if satisfaction == "不满意" and rng.random() < 0.25:
        # each step on or after the one before, as the office's own entries must be (lifecycle.apply)
        asked = max(replied + dt.timedelta(days=rng.randint(5, 28)), events[-1]["happened_on"])
        if ev("复查", asked, "信访人申请复查"):
            fields.update(status="复查中", due_on=_due(asked, deadlines.period_days("review_decide")))
            decided = asked + dt.timedelta(days=rng.randint(10, 35))
            if not ev("答复", decided, "出具复查意见：维持原处理意见", outcome=outcome, stage="复查"):
                return fields, events
            fields["status"] = "已答复"
            replied = decided
    if ev("办结", max(replied + dt.timedelta(days=rng.randint(0, 3)), events[-1]["happened_on"])):
        fields.update(status="办结", closed_on=events[-1]["happened_on"])
    return fields, events


def _cases(session: Session, rng: random.Random, ids: dict[str, int], meetings, start: dt.date,
           end: dt.date, n_cases: int, progress: Callable[[int, int], None] | None) -> tuple[int, int]:
    m = mine()
    units = list(m["units"])
    unit_weights = [m["units"][u]["headcount"] for u in units]
    topics_all = sorted(demo_text.corpus()["topics"])
    officers = [o["display_name"] for o in m["staff"]["officers"]]
    channels = ["来信", "来访", "网上", "电话", "下访收集", "意见箱"]
    channel_w = [8, 22, 12, 14, 34, 10]
    span = (end - start).days
    earlier: dict[tuple[str, str], list[tuple[int, dt.date]]] = {}
    meetings_by_unit: dict[int, list[tuple[int, dt.date]]] = {}
    for aid, day, uid in meetings:
        meetings_by_unit.setdefault(uid, []).append((aid, day))
    n_events = 0
    done = 0
    case_table = Case.__table__
    while done < n_cases:
        batch = min(CHUNK, n_cases - done)
        rows: list[NewCase] = []
        plans = []
        keys = []
        for _ in range(batch):
            unit = rng.choices(units, weights=unit_weights)[0]
            tw = m["units"][unit]["topics"]
            topic = rng.choices(topics_all, weights=[tw.get(t, 0) * 3 + m["base_topic_weight"] for t in topics_all])[0]
            remark = demo_text.compose(rng, topic, unit)
            # more cases in recent months: the office has become better known
            received = start + dt.timedelta(days=int(span * (rng.random() ** 0.8)))
            channel = rng.choices(channels, weights=channel_w)[0]
            source = None
            if channel == "下访收集" and meetings_by_unit.get(ids[unit]):
                aid, day = rng.choice(meetings_by_unit[ids[unit]])
                source, received = aid, day
            mode = rng.choices(["实名", "保密", "匿名"], weights=[50, 20, 30])[0]
            group = rng.random() < 0.05
            keys.append((unit, topic))
            nature = {"suggestion": "建议意见"}.get(remark.kind, "检举控告" if topic == "C12" and rng.random() < .3
                                                   else "申诉求决")
            rows.append(NewCase(
                text=remark.text, received_on=received, channel=channel, intake_mode=mode, unit=unit,
                nature=nature, category=remark.topics[0] if remark.topics and rng.random() < 0.4 else None,
                is_group=group, people_count=rng.randint(3, 30) if group else 1,
                escalated=rng.random() < 0.02, source_activity_id=source,
                identity=_person(rng) if mode != "匿名" else None, actor=rng.choice(officers),
                query_code=f"{rng.getrandbits(60):015X}"[-12:],
            ))
            plans.append(_lifecycle(rng, received, end, rng.choice(officers)))
        registered = register_cases(session, rows)
        updates, events = [], []
        for reg, key, row, (fields, evs) in zip(registered, keys, rows, plans, strict=True):
            # some repeat an earlier demand of the same unit on the same topic (重复信访)
            before = [cid for cid, day in earlier.get(key, []) if day < row.received_on]
            repeat_of = rng.choice(before) if before and rng.random() < 0.06 else None
            earlier.setdefault(key, []).append((reg.case_id, row.received_on))
            updates.append({"cid": reg.case_id, "repeat_of_id": repeat_of, "status": fields["status"],
                            "accepted_on": fields.get("accepted_on"), "due_on": fields.get("due_on"),
                            "closed_on": fields.get("closed_on"), "outcome": fields.get("outcome"),
                            "satisfaction": fields.get("satisfaction", "未评价")})
            events.extend({"case_id": reg.case_id, **e} for e in evs)
        session.connection().execute(
            update(case_table).where(case_table.c.id == bindparam("cid")).values(
                repeat_of_id=bindparam("repeat_of_id"), status=bindparam("status"), accepted_on=bindparam("accepted_on"), due_on=bindparam("due_on"),
                closed_on=bindparam("closed_on"), outcome=bindparam("outcome"),
                satisfaction=bindparam("satisfaction")),
            updates,
        )
        if events:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            session.connection().execute(insert(CaseEvent.__table__), [{**e, "created_at": now} for e in events])
        n_events += len(events) + len(rows)
        done += batch
        if progress:
            progress(done, n_cases)
    return done, n_events


def _questionnaire(session: Session, rng: random.Random, ids: dict[str, int], start: dt.date) -> int:
    """Quarterly 思想动态 questionnaire responses: anonymous, day only, unit as the only grouping."""
    m = mine()
    form = Form(form_key=QUESTIONNAIRE_KEY, title="员工思想动态问卷", anonymous=True)
    session.add(form)
    session.flush()
    version = FormVersion(form_id=form.id, version="demo", definition={"demo": True, "items": list(LIKERT_ITEMS)})
    session.add(version)
    session.flush()
    rows = []
    mood = {u: rng.uniform(-0.6, 0.6) for u in m["units"]}
    for q in range(4):
        issued = start + dt.timedelta(days=45 + 91 * q)
        for unit, spec in m["units"].items():
            n = max(1, int(spec["headcount"] * rng.uniform(0.25, 0.45)))
            for _ in range(n):
                answers = {"unit": unit}
                for item in LIKERT_ITEMS:
                    answers[item] = min(5, max(1, round(rng.gauss(3.4 + mood[unit] - 0.1 * q * mood[unit], 0.9))))
                answers["concerns"] = rng.sample(CONCERNS, rng.randint(0, 3))
                answers["remark"] = ""
                rows.append({"instance_id": f"uuid:demo-{rng.getrandbits(96):024x}", "form_version_id": version.id,
                             "unit_id": ids[unit], "answers": answers,
                             "submitted_on": issued + dt.timedelta(days=rng.randint(0, 10))})
    session.execute(insert(Submission), rows)
    return len(rows)


def _ledgers(session: Session, rng: random.Random, ids: dict[str, int], start: dt.date, end: dt.date) -> tuple[int, int]:
    m = mine()
    corpus = demo_text.corpus()
    units = [u for u in m["units"] if m["units"][u]["headcount"] >= 20]
    officers = [o["display_name"] for o in m["staff"]["officers"]]
    risks = 0
    for _ in range(24):
        unit = rng.choice(units)
        topic = rng.choice(sorted(m["units"][unit]["topics"]))
        found = _day(rng, start, end)
        issue = rng.choice(corpus["topics"][topic]["complaints"]).replace("{unit}", unit)
        issue = demo_text._fill(issue, rng, unit)
        session.add(RiskItem(unit_id=ids[unit], issue=issue, people_count=rng.randint(1, 25),
                             level=rng.choices(["一般", "较大", "重大"], weights=[70, 25, 5])[0],
                             measures="班组长每周谈心，信访办跟踪", owner=rng.choice(officers),
                             deadline=found + dt.timedelta(days=30), found_on=found,
                             status=rng.choices(["在控", "已化解"], weights=[40, 60])[0], source="排查"))
        risks += 1
    plans = 0
    for _ in range(30):
        unit = rng.choice(units)
        person = _person(rng)
        v = PiiVault(name=person["name"], staff_no=person["staff_no"], phone=person["phone"])
        session.add(v)
        session.flush()
        started = _day(rng, start, end - dt.timedelta(days=30))
        plan = FollowUpPlan(vault_id=v.id, unit_id=ids[unit], concern=rng.choice(
            ["家庭变故情绪低落", "工伤后待遇问题", "对考核结果不服", "长期夜班睡眠差", "子女就学困难"]),
            measures="每月谈心一次，协调相关科室", owner=rng.choice(officers), started_on=started,
            status=rng.choice(["跟进中", "跟进中", "已稳定"]))
        session.add(plan)
        session.flush()
        day = started
        for _ in range(rng.randint(1, 4)):
            day = day + dt.timedelta(days=rng.randint(10, 40))
            if day > end:
                break
            session.add(FollowUpVisit(plan_id=plan.id, visited_on=day, visitor=plan.owner,
                                      mood=rng.choice(["稳定", "好转", "波动"]), notes="上门走访，了解近况"))
        plans += 1
    return risks, plans


def staff_usernames() -> list[str]:
    """User names of the demo mine's accounts (at least one per role), as ``build_demo`` creates them."""
    m = mine()
    staff = m["staff"]
    return ([staff["director"]["username"]] + [o["username"] for o in staff["officers"]]
            + [o["username"] for o in staff.get("reporters", [])]
            + [f"shuji{i}" for i in range(1, len(m["branches"]) + 1)])


def case_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Case)) or 0


def build_demo(session: Session, *, cases: int = 1200, seed: int | None = None, anchor: dt.date | None = None,
               progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Fill an empty database with the demo mine, as of ``anchor`` (default today)."""
    seed = settings()["demo_seed"] if seed is None else seed
    anchor = anchor or dt.date.today()
    start = anchor - dt.timedelta(days=364)
    rng = random.Random(seed)
    ids = _org(session)
    meetings = _activities(session, rng, ids, start, anchor)
    n_cases, n_events = _cases(session, rng, ids, meetings, start, anchor, cases, progress)
    n_subs = _questionnaire(session, rng, ids, start)
    risks, plans = _ledgers(session, rng, ids, start, anchor)
    from xinfang import analysis

    analysis.refresh(session)
    n_act = session.scalar(select(func.count()).select_from(Activity))
    return DemoSummary(units=len(ids), activities=n_act, cases=n_cases, events=n_events, submissions=n_subs,
                       risk_items=risks, plans=plans)
