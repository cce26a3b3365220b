"""Dashboard data: plain functions, no widgets (DESIGN.md §5, §8, §9).

``load()`` reads what a dashboard page needs once (case facts, stored analyses, questionnaire
responses, units); ``dashboard_data(filters, view, sources)`` turns it into KPI cards, tables and the
data behind every figure for one period and scope; ``figures(data)`` builds the plotly figures
(xinfang.charts). Filter changes call ``dashboard_data`` again with the same sources.

Two views:
- ``"meeting"`` (projected): aggregates only, every tally suppressed, no case numbers, no text, no
  names; early-warning flags carry their numbers only for groups of ``min_group_size`` or more.
- ``"office"`` (signed-in staff): adds overdue / due-soon lists and ``cases_behind`` — the cases and
  remarks behind a cell of a figure, picked with a linked selector (unit, topic, sentiment, month).

KPIs come from :mod:`xinfang.metrics` (never recomputed here); tallies from ``xinfang.text.tally``;
questionnaire figures from :mod:`xinfang.survey_stats`; suppression from :mod:`xinfang.privacy`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from xinfang import metrics
from xinfang.errors import ValidationError, XinfangError

VIEWS = ("meeting", "office")
CARD_KPIS = ("下访次数", "参与人次", "诉求数", "化解率", "按期办结率", "满意率",
             "政策宣讲场次", "政策宣讲人次", "培训场次", "培训人次")
RATE_KPIS = ("化解率", "按期办结率", "满意率")
# event/session counts are not counts of people: suppression looks at the people behind them
CARD_PEOPLE = {"下访次数": "参与人次", "政策宣讲场次": "政策宣讲人次", "培训场次": "培训人次"}
SENTIMENTS = ("负面", "中性", "正面")
ALL = None


@dataclass(frozen=True)
class Filters:
    """What the page shows: a period and optionally one branch, unit, topic (code) and channel."""

    period: metrics.Period
    branch: str | None = None
    unit: str | None = None
    topic: str | None = None
    channel: str | None = None
    today: dt.date | None = None

    def with_(self, **changes) -> Filters:
        return replace(self, **changes)

    def describe(self) -> str:
        parts = [self.period.label, self.unit or self.branch or "全矿"]
        if self.topic:
            parts.append(_topic_name(self.topic))
        if self.channel:
            parts.append(f"渠道：{self.channel}")
        return " · ".join(parts)


@dataclass
class Sources:
    """Everything a dashboard page reads from the database, loaded once."""

    cases: object      # metrics.case_frame
    analysed: object   # analysis.analysed_frame + branch, case_no
    survey: object     # survey_stats.responses
    unit_ids: dict[str, int]
    unit_branch: dict[str, str]
    today: dt.date
    extra: dict = field(default_factory=dict)


def load(session=None, today: dt.date | None = None, *, cached: bool = True) -> Sources:
    """Read case facts, stored analyses, questionnaire responses and units (one transaction).

    ``cached``: what was read is kept on disk for this state of the database (xinfang.cache), so the
    next dashboard page reads it back instead of querying every case again. Remarks are not part of
    it (cases_behind reads the few it shows)."""
    if session is None:
        from xinfang.storage import db

        with db.session() as s:
            return load(s, today, cached=cached)
    from xinfang import analysis, cache

    today = today or dt.date.today()
    wrote = analysis.refresh(session)
    # a cache is filled only by a transaction that has not written (xinfang.storage.db.data_generation):
    # after analysing new cases, this page reads directly and the next one fills the cache
    if not cached or wrote:
        return replace(_read(session), today=today)
    key = cache.key(session, "dashboard-sources")
    sources = cache.get("dashboard-sources", key)
    if sources is None:
        sources = _read(session)
        cache.put("dashboard-sources", key, sources)
    return replace(sources, today=today, extra={})


def _read(session) -> Sources:
    from sqlalchemy import select

    from xinfang import analysis, metrics, survey_stats
    from xinfang.storage.models import OrgUnit

    units = session.execute(select(OrgUnit.id, OrgUnit.name, OrgUnit.kind, OrgUnit.branch_id).order_by(OrgUnit.id)).all()
    names = {uid: name for uid, name, _, _ in units}
    unit_ids = {name: uid for uid, name, kind, _ in units if kind not in ("党支部", "矿")}
    unit_branch = {name: names.get(bid) or "（未指定支部）" for uid, name, kind, bid in units if kind not in ("党支部", "矿")}
    cases = metrics.case_frame(session)
    analysed = analysis.analysed_frame(session, text=False)
    analysed["unit"] = analysed["unit"].fillna("（未指定单位）")
    analysed["branch"] = analysed["unit"].map(unit_branch).fillna("（未指定支部）")
    analysed = analysed.merge(cases[["id", "case_no", "status"]], on="id", how="left")
    for col in ("channel", "unit", "branch", "label", "decided_by", "month"):  # few values, many rows
        analysed[col] = analysed[col].astype("category")
    survey = survey_stats.responses(session)
    return Sources(cases, analysed, survey, unit_ids, unit_branch, dt.date.today())


def parse_period(value: str) -> metrics.Period:
    """'2026Q3', '2026-10' or '2026' → Period (``cli.bad_period`` otherwise)."""
    text = str(value).strip().upper()
    if m := re.fullmatch(r"(\d{4})Q([1-4])", text):
        return metrics.Period.quarter(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        if 1 <= int(m[2]) <= 12:
            return metrics.Period.month(int(m[1]), int(m[2]))
    if re.fullmatch(r"\d{4}", text):
        return metrics.Period.year(int(text))
    raise ValidationError("cli.bad_period", value=value)


def latest_period(sources: Sources) -> metrics.Period:
    """The quarter of the most recent case (today's quarter when there is none)."""
    import pandas as pd

    last = sources.cases["received_on"].max() if len(sources.cases) else None
    return metrics.Period.containing(sources.today if last is None or pd.isna(last) else last.date())


def period_choices(today: dt.date, quarters: int = 5, months: int = 6) -> list[tuple[str, str]]:
    """(label, key) for the period selector: recent quarters, recent months, this and last year."""
    out = []
    q = metrics.Period.containing(today)
    for _ in range(quarters):
        key = f"{q.start.year}Q{(q.start.month - 1) // 3 + 1}"
        out.append((q.label, key))
        q = metrics.Period.containing(q.start - dt.timedelta(days=1))
    day = today.replace(day=1)
    for _ in range(months):
        out.append((f"{day.year}年{day.month}月", f"{day.year}-{day.month:02d}"))
        day = (day - dt.timedelta(days=1)).replace(day=1)
    out += [(f"{today.year}年", str(today.year)), (f"{today.year - 1}年", str(today.year - 1))]
    return out


def _taxonomy():
    from xinfang import text

    return text.load_taxonomy()


def _topic_name(code: str) -> str:
    return _taxonomy().name_of(code)


def options(sources: Sources) -> dict:
    """Choices of the filters: periods, branches, units (per branch), topics, channels."""
    from xinfang import vocab

    branches = sorted(set(sources.unit_branch.values()), key=lambda b: min(
        sources.unit_ids[u] for u, br in sources.unit_branch.items() if br == b))
    tax = _taxonomy()
    return {
        "periods": period_choices(sources.today),
        "branches": branches,
        "units": {b: [u for u in sources.unit_ids if sources.unit_branch[u] == b] for b in branches},
        "all_units": list(sources.unit_ids),
        "topics": [(f"{t.code} {t.name}", t.code) for t in tax.topics],
        "channels": list(vocab.terms("channels")),
    }


def check_filters(filters: Filters, sources: Sources) -> None:
    opts = options(sources)
    checks = [("党支部", filters.branch, opts["branches"]), ("单位", filters.unit, opts["all_units"]),
              ("话题", filters.topic, [c for _, c in opts["topics"]] + ["未归类"]),
              ("渠道", filters.channel, opts["channels"])]
    for name, value, allowed in checks:
        if value is not None and value not in allowed:
            raise ValidationError("dashboard.unknown_choice", field=name, value=value)


def scope_units(filters: Filters, sources: Sources) -> list[str] | None:
    """Units in scope (None: the whole mine)."""
    if filters.unit:
        return [filters.unit]
    if filters.branch:
        return [u for u, b in sources.unit_branch.items() if b == filters.branch]
    return None


def _scoped(filters: Filters, sources: Sources):
    """(case frame, analysed frame) restricted to the scope, topic and channel (not to the period)."""
    cases, analysed = sources.cases, sources.analysed
    units = scope_units(filters, sources)
    if units is not None:
        cases = cases[cases["unit"].isin(units)]
        analysed = analysed[analysed["unit"].isin(units)]
    if filters.channel:
        cases = cases[cases["channel"] == filters.channel]
        analysed = analysed[analysed["channel"] == filters.channel]
    if filters.topic:
        analysed = analysed[analysed["topics"].map(lambda t: filters.topic in (t or []))]
        cases = cases[cases["id"].isin(analysed["id"])]
    return cases, analysed


def _in_period(frame, period: metrics.Period, column: str = "received_on"):
    import pandas as pd

    return frame[(frame[column] >= pd.Timestamp(period.start)) & (frame[column] <= pd.Timestamp(period.end))]


def trend_window(period: metrics.Period, today: dt.date | None = None) -> metrics.Period:
    """The 12 months ending with the period's last month, or today when the period is still running
    (trend charts show where things are going)."""
    end = min(period.end, today) if today else period.end
    start_month = end.month - 11
    year = end.year + (start_month - 1) // 12
    month = (start_month - 1) % 12 + 1
    return metrics.Period(dt.date(year, month, 1), end, f"{year}年{month}月至{end.year}年{end.month}月")


def _cards(filters: Filters, sources: Sources, cases, session) -> tuple[dict, dict]:
    import pandas as pd

    from xinfang import privacy

    row = metrics.kpi_table(cases, filters.period).iloc[0]
    units = scope_units(filters, sources)
    unit_ids = None if units is None else [sources.unit_ids[u] for u in units if u in sources.unit_ids]
    acts = metrics.activity_counts(session, filters.period, unit_ids)
    values, people, detail = {}, {}, {}
    defs = metrics.definitions()
    for name in CARD_KPIS:
        if name in RATE_KPIS:
            values[name] = row[name]
            people[name] = row[f"{name}_分母"]
            detail[name] = {"value": None if pd.isna(row[name]) else float(row[name]),
                            "numerator": int(row[f"{name}_分子"]), "denominator": int(row[f"{name}_分母"]),
                            "help": defs["rates"][name].get("help", "")}
        elif name in acts:
            values[name] = acts[name]
            detail[name] = {"value": acts[name]}
        else:
            values[name] = int(row[name])
            detail[name] = {"value": int(row[name])}
    for name in CARD_KPIS:
        if name not in people:
            people[name] = values[CARD_PEOPLE[name]] if name in CARD_PEOPLE else values[name]
    table = pd.DataFrame([values], index=["全矿"], columns=list(CARD_KPIS))
    counts = pd.DataFrame([people], index=["全矿"], columns=list(CARD_KPIS))
    shown = privacy.suppress(table.astype(float), counts=counts.astype(float)).iloc[0]
    cards = {}
    for name in CARD_KPIS:
        v = shown[name]
        if isinstance(v, str):
            cards[name] = v
        elif name in RATE_KPIS:
            cards[name] = metrics.percent_text(v)
        else:
            cards[name] = f"{int(v):,}"
        detail[name]["shown"] = cards[name]
    return cards, detail


def rate_lines(kpis: dict) -> list[str]:
    """Each rate of ``dashboard_data(...)["kpis"]`` as a reader checks it, in plain text: the figure shown,
    numerator ÷ denominator (only when the figure itself is shown, not suppressed) and the definition
    (data/kpis.yaml). The dashboard lists them under its cards and the quarterly report under its
    figures. A rate above 100% says why: its numerator and denominator count different cases (化解率:
    cases closed in the period, some accepted before it, ÷ cases accepted in it)."""
    lines = []
    for name, k in kpis.items():
        if "denominator" not in k:
            continue
        shown = k["shown"]
        figures = "" if shown == "—" or shown.startswith("<") else f"{k['numerator']} ÷ {k['denominator']}，"
        over = "（分子与分母统计的不是同一批事项，所以比率可以超过 100%）" if figures and k["value"] > 1 else ""
        lines.append(f"{name} {shown}：{figures}{k['help']}{over}")
    return lines


def _tally(frame, by: str, columns: str):
    from xinfang import text

    if frame.empty:
        import pandas as pd

        return pd.DataFrame()
    return text.tally(frame, by=[by], columns=columns)


def _order_sentiment(table):
    if table.empty:
        return table
    cols = [c for c in SENTIMENTS if c in table.columns] + [c for c in table.columns if c not in SENTIMENTS]
    return table[cols]


def _kpi_trend(cases, window: metrics.Period):
    import pandas as pd

    from xinfang import privacy

    monthly = metrics.kpi_table(cases, window, by="month")
    cols = ["诉求数", *RATE_KPIS]
    table = monthly[cols].astype(float)
    counts = pd.DataFrame({"诉求数": monthly["诉求数"], **{r: monthly[f"{r}_分母"] for r in RATE_KPIS}})
    shown = privacy.suppress(table, counts=counts.astype(float), total_labels=())
    shown.index.name = "月份"
    return shown


def _flags(filters: Filters, sources: Sources, view: str) -> list[dict]:
    from xinfang import early_warning
    from xinfang.config import settings

    k = int(settings()["min_group_size"])
    units = scope_units(filters, sources)
    out = []
    today = filters.today or sources.today
    # the flags depend on the day only, not on the filters: evaluated once per loaded sources
    if ("flags", today) not in sources.extra:
        sources.extra[("flags", today)] = early_warning.evaluate(sources.cases, sources.analysed, today)
    for f in sources.extra[("flags", today)]:
        if units is not None and f.unit not in units:
            continue
        text = f.meeting_text(k) if view == "meeting" else f"{f.unit}：{f.title}（{f.reason}）"
        out.append({"level": f.level, "unit": f.unit, "text": text, "rule": f.rule})
    return out


def _survey(filters: Filters, sources: Sources) -> dict:
    from xinfang import survey_stats

    chosen = survey_stats.select_responses(sources.survey, units=scope_units(filters, sources),
                                           start=filters.period.start, end=filters.period.end)
    try:
        return {"n": len(chosen),
                "index": survey_stats.satisfaction_index(chosen, by="unit"),
                "likert": survey_stats.likert_distribution(chosen),
                "concerns": survey_stats.frequencies(chosen, "concerns"),
                "crosstab": survey_stats.crosstab(chosen, "unit", "concerns"),
                "error": None}
    except XinfangError as exc:
        return {"n": None, "index": None, "likert": None, "concerns": None, "crosstab": None, "error": exc.zh}


def _case_list(frame) -> object:
    out = frame[["case_no", "unit", "status", "received_on", "due_on"]].copy()
    for col in ("received_on", "due_on"):
        out[col] = out[col].dt.date
    return out.rename(columns={"case_no": "编号", "unit": "单位", "status": "状态", "received_on": "登记日期",
                               "due_on": "办理期限"}).sort_values("办理期限").reset_index(drop=True)


def dashboard_data(filters: Filters, view: str = "meeting", sources: Sources | None = None, session=None) -> dict:
    """Everything a dashboard shows for ``filters``: KPI cards, suppressed tables behind each figure,
    early-warning flags, questionnaire results; the office view adds overdue and due-soon lists."""
    if view not in VIEWS:
        raise ValidationError("dashboard.unknown_choice", field="视图", value=view)
    if session is None:
        from xinfang.storage import db

        with db.session() as s:
            return dashboard_data(filters, view, sources, s)
    sources = sources or load(session, filters.today)
    check_filters(filters, sources)
    filters = filters if filters.today else filters.with_(today=sources.today)
    cases, analysed = _scoped(filters, sources)
    in_period = _in_period(analysed, filters.period)
    window = trend_window(filters.period, filters.today)
    cards, kpis = _cards(filters, sources, cases, session)
    tax = _taxonomy()
    data = {
        "view": view,
        "title": filters.describe(),
        "filters": filters,
        "cards": cards,
        "kpis": kpis,
        "topic_names": {t.code: t.name for t in tax.topics} | {"未归类": "未归类"},
        "heat": _tally(in_period, "unit", "topic"),
        "sentiment": _order_sentiment(_tally(in_period, "unit", "label")),
        "monthly": _order_sentiment(_tally(_in_period(analysed, window), "month", "label")),
        "kpi_trend": _kpi_trend(cases, window),
        "flags": _flags(filters, sources, view),
        "survey": _survey(filters, sources),
        "notes": ["话题和渠道筛选只作用于信访事项；活动次数和问卷结果按期间和单位筛选。"]
        if (filters.topic or filters.channel) else [],
    }
    if view == "office":
        today = filters.today
        data["overdue"] = _case_list(metrics.overdue(cases, today))
        data["due_soon"] = _case_list(metrics.due_soon(cases, today))
    return data


def _remarks(ids: list[int], session=None) -> dict[int, str]:
    """The remarks of the cases ``ids`` (the sources hold no text: a page shows at most a few hundred)."""
    if session is None:
        from xinfang.storage import db

        with db.session() as s:
            return _remarks(ids, s)
    from sqlalchemy import select

    from xinfang.storage.models import Case

    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        out.update(map(tuple, session.execute(select(Case.id, Case.text).where(Case.id.in_(ids[start:start + 500])))))
    return out


FIGURES = ("heat", "sentiment", "monthly", "kpi_trend", "survey_index", "survey_likert", "survey_concerns",
           "survey_crosstab")


def figures(data: dict, large: bool = False) -> dict:
    """The plotly figures of a dashboard (name → figure), from ``dashboard_data``'s tables."""
    from xinfang import charts

    title = data["title"]
    figs = {}
    if not data["heat"].empty:
        figs["heat"] = charts.heatmap(data["heat"], title=f"话题 × 单位（{title}）", large=large,
                                      labels=data["topic_names"])
    if not data["sentiment"].empty:
        figs["sentiment"] = charts.sentiment_by_unit(data["sentiment"], large=large,
                                                     title=f"各单位反映的情绪（{title}）")
    if not data["monthly"].empty:
        figs["monthly"] = charts.monthly_trend(data["monthly"], large=large, title="近12个月按月反映件数（按情绪）")
    figs["kpi_trend"] = charts.kpi_trend(data["kpi_trend"], large=large, title="近12个月主要指标走势")
    survey = data["survey"]
    if survey["error"] is None:
        figs["survey_index"] = charts.satisfaction_indices(survey["index"], large=large)
        figs["survey_likert"] = charts.likert_distribution(survey["likert"], large=large)
        figs["survey_concerns"] = charts.survey_frequencies(survey["concerns"], title="职工最关心的事（可多选）",
                                                           large=large)
        figs["survey_crosstab"] = charts.crosstab_chart(survey["crosstab"].counts, title="交叉分析：单位 × 最关心的事",
                                                        large=large)
    return figs


def drill_choices(data: dict) -> dict:
    """What the linked selector offers: the units, topics, sentiments and months of the figures."""
    heat = data["heat"]
    return {
        "units": [u for u in heat.index if u != "合计"] if not heat.empty else [],
        "topics": [(f"{c} {data['topic_names'].get(c, c)}", c) for c in heat.columns if c != "合计"]
        if not heat.empty else [],
        "labels": list(SENTIMENTS),
        "months": [m for m in data["monthly"].index if m != "合计"] if not data["monthly"].empty else [],
    }


def cases_behind(filters: Filters, sources: Sources, *, view: str, unit: str | None = None,
                 topic: str | None = None, label: str | None = None, month: str | None = None,
                 limit: int = 200, session=None):
    """The cases and remarks behind a figure cell (office view only): the filters plus the selected
    unit / topic / sentiment / month (a month selects within the trend window, else the period)."""
    if view != "office":
        raise ValidationError("dashboard.meeting_no_cases")
    _, analysed = _scoped(filters, sources)
    frame = _in_period(analysed, trend_window(filters.period, filters.today or sources.today) if month else filters.period)
    if unit:
        frame = frame[frame["unit"] == unit]
    if topic:
        frame = frame[frame["topics"].map(lambda t: topic in (t or []))]
    if label:
        frame = frame[frame["label"] == label]
    if month:
        frame = frame[frame["month"] == month]
    frame = frame.sort_values("received_on", ascending=False)
    names = _taxonomy()
    shown = frame.head(limit)
    out = shown.assign(
        text=shown["id"].map(_remarks([int(i) for i in shown["id"]], session)),
        登记日期=lambda f: f["received_on"].dt.date,
        话题=lambda f: f["topics"].map(lambda t: "、".join(names.name_of(c) for c in (t or []))),
        判断依据=lambda f: f["cues"].map(lambda c: "、".join(c or [])),
    )
    out = out.rename(columns={"case_no": "编号", "unit": "单位", "label": "情绪", "text": "内容", "status": "状态"})
    return out[["编号", "登记日期", "单位", "状态", "话题", "情绪", "判断依据", "内容"]].reset_index(drop=True), len(frame)


__all__ = ["FIGURES", "Filters", "Sources", "cases_behind", "dashboard_data", "drill_choices", "figures", "latest_period", "load",
           "options", "parse_period", "period_choices", "rate_lines", "scope_units", "trend_window"]
