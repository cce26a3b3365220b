"""Quarterly 信访工作研判分析报告 per 党支部: draft from data, edit, submit, review; HTML and DOCX.

Sections, in order (DESIGN.md §1 "1+3"): 总体情况 → 主要表现 (hot topics, sentiment) → 不稳定因素 →
思想情绪 (questionnaire indices) → 典型案例 → 原因分析 / 对策建议 (written by the branch) → 上季度措施落实
(the 对策建议 of the branch's previous submitted report, with room to say what was done).

The draft reuses the meeting view of :mod:`xinfang.dashboard` for the branch and quarter, so every
figure is the library's, suppressed (a report circulates like a meeting view: no case text, no
names, groups under 5 shown as <5). The data tables are stored with the report (``sections`` JSON)
so a submitted report keeps its figures; charts are drawn from those tables when rendering and
embedded as PNG only when kaleido is installed.

Status: 草稿 → 已提交 → 已审核 (``return_to_draft`` sends a submitted report back). Only a 草稿 can
be edited; redrafting a 草稿 refreshes the data sections and keeps what the branch wrote.

Characters (xinfang.script): a report drafted for a Traditional page (``script="zh-Hant"``) has its
drafted texts written in Traditional and remembers it (``sections["script"]``); its HTML, DOCX and
charts then show titles, tables and labels in Traditional too. What the branch wrote stays as written.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang import metrics
from xinfang.errors import ValidationError
from xinfang.script import KEEP, SIMPLIFIED, markup_to_script, to_script
from xinfang.storage.models import OrgUnit, QuarterlyReport, RiskItem
from xinfang.text.vocab import UNCLASSIFIED

DRAFT, SUBMITTED, REVIEWED = "草稿", "已提交", "已审核"
# (key, title, written by the branch)
SECTIONS: tuple[tuple[str, str, bool], ...] = (
    ("overview", "一、总体情况", False),
    ("performance", "二、主要表现", False),
    ("risks", "三、不稳定因素", False),
    ("mood", "四、思想情绪", False),
    ("cases", "五、典型案例", False),
    ("causes", "六、原因分析", True),
    ("measures", "七、对策建议", True),
    ("last_measures", "八、上季度措施落实", False),
)
TITLES = {key: title for key, title, _ in SECTIONS}
REQUIRED = ("causes", "measures")
HINTS = {
    "causes": "请支部结合本季度情况，分析问题产生的原因（制度、管理、沟通等方面）。",
    "measures": "请支部提出下季度的具体措施：做什么、谁负责、何时完成。下季度报告将据此检查落实情况。",
    "last_measures": "请逐条填写上季度措施的落实情况。",
    "cases": "请支部补充化解过程和经验；不写信访人姓名、工号等身份信息。",
}
GOOD_OUTCOMES = ("支持", "调解", "和解")


# -- drafting ------------------------------------------------------------------------------------


def branches(session: Session) -> list[str]:
    return list(session.scalars(select(OrgUnit.name).where(OrgUnit.kind == "党支部").order_by(OrgUnit.id)))


def _branch_id(session: Session, branch: str) -> int:
    bid = session.scalar(select(OrgUnit.id).where(OrgUnit.kind == "党支部", OrgUnit.name == branch))
    if bid is None:
        raise ValidationError("report.unknown_branch", branch=branch, known="、".join(branches(session)) or "（无）")
    return bid


def _table(frame, caption: str) -> dict:
    """A displayed table as JSON-able data (values already suppressed)."""
    frame = frame.reset_index()
    rows = [[_plain(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return {"caption": caption, "columns": [COLUMN_NAMES.get(str(c), str(c)) for c in frame.columns], "rows": rows}


# Column names of the analysis tables, as the report's readers see them.
COLUMN_NAMES = {"unit": "单位", "topic": "话题", "label": "情绪", "month": "月份", "index": "项目"}


def _plain(value):
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _frame(table: dict):
    import pandas as pd

    frame = pd.DataFrame(table["rows"], columns=table["columns"], dtype=object)
    return frame.set_index(table["columns"][0])


def _period(year: int, quarter: int) -> metrics.Period:
    return metrics.Period.quarter(year, quarter)


def _previous(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _overview(data: dict, units: list[str]) -> tuple[str, list[dict]]:
    from xinfang import dashboard

    c = data["cards"]
    text = (f"{data['filters'].period.label}，本支部（{'、'.join(units)}）共开展下访座谈、牢骚会等活动 {c['下访次数']} 次，"
            f"参与 {c['参与人次']} 人次；登记职工诉求 {c['诉求数']} 件，化解率 {c['化解率']}，按期办结率 {c['按期办结率']}，"
            f"满意率 {c['满意率']}；政策宣讲 {c['政策宣讲场次']} 场、{c['政策宣讲人次']} 人次，培训 {c['培训场次']} 场、"
            f"{c['培训人次']} 人次。\n" + "\n".join(dashboard.rate_lines(data["kpis"])))
    import pandas as pd

    table = pd.DataFrame({"数值": list(c.values())}, index=pd.Index(list(c), name="指标"))
    return text, [_table(table, "本季度主要数字（少于 5 人的数字显示为 <5）")]


def _sort_key(value) -> float:
    return -1.0 if isinstance(value, str) else float(value or 0)


def _performance(data: dict) -> tuple[str, list[dict]]:
    import pandas as pd

    heat, sentiment = data["heat"], data["sentiment"]
    if heat.empty:
        return "本季度本支部没有登记的职工诉求。", []
    names = data["topic_names"]
    totals = heat.loc["合计"].drop("合计")
    ranked = sorted(totals.items(), key=lambda kv: _sort_key(kv[1]), reverse=True)
    # 未归类 is no topic a branch could act on: it is said apart, not ranked among the problems
    top = [(names.get(code, code), n) for code, n in ranked
           if code != UNCLASSIFIED and not (isinstance(n, int | float) and n == 0)][:5]
    topics = pd.DataFrame({"件数": [n for _, n in top]}, index=pd.Index([t for t, _ in top], name="话题"))
    hot = "、".join(f"{t}（{n} 件）" for t, n in top)
    mood = sentiment.loc["合计"]
    parts = [f"{label} {mood[label]} 件" for label in ("负面", "中性", "正面") if label in mood.index]
    unsorted = totals.get(UNCLASSIFIED, 0)
    text = ((f"职工反映较集中的问题依次为：{hot}。" if top else "")
            + (f"另有 {unsorted} 件未能归入话题分类。" if unsorted not in (0, None) else "")
            + f"从反映的情绪看，{'，'.join(parts)}（共 {mood['合计']} 件）。一件诉求可涉及多个话题。")
    return text, [_table(topics, "反映较多的话题"), _table(sentiment, "各单位反映的情绪")]


def _risks(session: Session, data: dict, unit_ids: list[int]) -> tuple[str, list[dict]]:
    from sqlalchemy import func

    lines = [f"【{f['level']}】{f['text']}" for f in data["flags"]]
    counts = dict(session.execute(select(RiskItem.level, func.count()).where(
        RiskItem.unit_id.in_(unit_ids), RiskItem.status == "在控").group_by(RiskItem.level)).all())
    ledger = "、".join(f"{level} {counts[level]} 项" for level in ("重大", "较大", "一般") if counts.get(level))
    text = ("数据预警：\n" + "\n".join(lines) if lines else "本季度数据未触发预警。")
    text += f"\n不稳定因素排查台账在控：{ledger}。" if ledger else "\n不稳定因素排查台账中本支部没有在控事项。"
    return text, []


def _mood(data: dict) -> tuple[str, list[dict]]:
    survey = data["survey"]
    if survey["error"]:
        return "本季度本支部思想动态问卷" + survey["error"], []
    index = survey["index"]
    total = index.loc["合计"]
    items = {k: v for k, v in total.items() if k not in ("人数", "综合指数") and not isinstance(v, str)}
    low = min(items, key=items.get) if items else None
    concerns = survey["concerns"]
    ranked = sorted(((o, n) for o, n in concerns["人数"].items() if not str(o).startswith("本题有效")),
                    key=lambda kv: _sort_key(kv[1]), reverse=True)[:3]
    text = (f"本季度本支部共收回思想动态问卷 {total['人数']} 份，满意度综合指数 {total['综合指数']}（满分 100）"
            + (f"，得分最低的是「{low}」（{items[low]}）" if low else "") + "。"
            + ("职工最关心的事：" + "、".join(f"{o}（{n} 人）" for o, n in ranked) + "。" if ranked else ""))
    return text, [_table(index, "各单位满意度指数（0–100，答卷少于 5 人的单位不单独显示）")]


def _cases(sources, filters) -> tuple[str, list[dict]]:
    """Up to three resolved cases of the quarter, described without text or identity."""
    from xinfang import dashboard
    from xinfang.text import load_taxonomy

    cases = sources.cases
    units = dashboard.scope_units(filters, sources)
    period = filters.period
    import pandas as pd

    done = cases[cases["unit"].isin(units) & cases["outcome"].isin(GOOD_OUTCOMES) & (cases["status"] == "办结")
                 & (cases["closed_on"] >= pd.Timestamp(period.start)) & (cases["closed_on"] <= pd.Timestamp(period.end))]
    done = done.merge(sources.analysed[["id", "topics"]], on="id", how="left").sort_values("closed_on", ascending=False)
    tax = load_taxonomy()
    picked, seen = [], set()
    for row in done.itertuples():
        topics = row.topics if isinstance(row.topics, list) else []
        topic = next((t for t in topics if t not in seen and t != UNCLASSIFIED), None)
        if topic is None:
            continue
        seen.add(topic)
        days = (row.closed_on - row.accepted_on).days if pd.notna(row.accepted_on) else None
        rated = f"，回访评价「{row.satisfaction}」" if row.satisfaction in ("满意", "基本满意") else ""
        picked.append(f"{len(picked) + 1}. {row.unit}职工反映{tax.name_of(topic)}方面的问题，经调查处理，答复「{row.outcome}」，"
                      + (f"受理后 {days} 天办结" if days is not None else "已办结") + f"{rated}。")
        if len(picked) == 3:
            break
    if not picked:
        return "本季度没有已化解的典型事项。", []
    return "\n".join(picked), []


def _last_measures(session: Session, branch_id: int, year: int, quarter: int, script: str = SIMPLIFIED) -> str:
    """Drafted in ``script``, with last quarter's measures quoted as the branch wrote them."""
    py, pq = _previous(year, quarter)
    prev = session.scalar(select(QuarterlyReport).where(
        QuarterlyReport.branch_id == branch_id, QuarterlyReport.year == py, QuarterlyReport.quarter == pq,
        QuarterlyReport.status.in_([SUBMITTED, REVIEWED])))
    label = _period(py, pq).label
    if prev is None:
        return to_script(f"{label}没有已提交的研判分析报告。", script)
    measures = next((i["text"] for i in prev.sections.get("items", []) if i["key"] == "measures"), "").strip()
    return (to_script(f"{label}提出的措施：\n", script) + (measures or to_script("（未填写）", script))
            + to_script("\n落实情况：\n", script))


def draft_sections(session: Session, branch: str, year: int, quarter: int, today: dt.date | None = None,
                   script: str = SIMPLIFIED) -> dict:
    """The report's content drafted from data (not stored): {"branch", "period", "items": [...]}, its
    drafted texts in ``script`` (xinfang.script)."""
    from xinfang import dashboard

    branch_id = _branch_id(session, branch)
    today = today or dt.date.today()
    sources = dashboard.load(session, today)
    period = _period(year, quarter)
    filters = dashboard.Filters(period, branch=branch, today=min(today, period.end))
    units = dashboard.scope_units(filters, sources) or []
    data = dashboard.dashboard_data(filters, "meeting", sources, session)
    unit_ids = [sources.unit_ids[u] for u in units]
    drafted = {
        "overview": _overview(data, units),
        "performance": _performance(data),
        "risks": _risks(session, data, unit_ids),
        "mood": _mood(data),
        "cases": _cases(sources, filters),
        "causes": ("", []),
        "measures": ("", []),
        "last_measures": (_last_measures(session, branch_id, year, quarter, script), []),
    }
    for key in ("overview", "performance", "risks", "mood", "cases"):
        drafted[key] = (to_script(drafted[key][0], script), drafted[key][1])
    items = [{"key": key, "title": title, "text": drafted[key][0], "tables": drafted[key][1],
              "by_branch": by_branch, "edited": False, "hint": HINTS.get(key, "")}
             for key, title, by_branch in SECTIONS]
    return {"version": 1, "branch": branch, "period": period.label, "year": year, "quarter": quarter,
            "drafted_on": today.isoformat(), "script": script, "items": items}


def preview(session: Session, branch: str, year: int, quarter: int, today: dt.date | None = None,
            script: str = SIMPLIFIED) -> dict:
    """A drafted report that is not stored (status 未保存), for the director's workbook."""
    content = draft_sections(session, branch, year, quarter, today, script)
    return {"id": None, "branch": branch, "year": year, "quarter": quarter, "status": "未保存", "script": script,
            "period": content["period"], "items": content["items"], "submitted_at": None, "reviewed_at": None}


def draft(session: Session, branch: str, year: int, quarter: int, today: dt.date | None = None,
          script: str = SIMPLIFIED) -> dict:
    """Draft (or redraft) and store the branch's report for the quarter as 草稿; returns report_dict.
    Redrafting a 草稿 refreshes the data and keeps the sections the branch has edited. ``script``:
    the characters of the drafted texts and of the files (xinfang.script)."""
    branch_id = _branch_id(session, branch)
    content = draft_sections(session, branch, year, quarter, today, script)
    report = _find(session, branch_id, year, quarter)
    if report is None:
        report = QuarterlyReport(branch_id=branch_id, year=year, quarter=quarter, status=DRAFT, sections=content)
        session.add(report)
    else:
        if report.status != DRAFT:
            raise ValidationError("report.exists", branch=branch, period=content["period"], status=report.status)
        kept = {i["key"]: i for i in report.sections.get("items", []) if i.get("edited")}
        content["items"] = [kept.get(i["key"], i) for i in content["items"]]
        report.sections = content
        report.drafted_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    session.flush()
    return report_dict(report, branch)


def _find(session: Session, branch_id: int, year: int, quarter: int) -> QuarterlyReport | None:
    return session.scalar(select(QuarterlyReport).where(QuarterlyReport.branch_id == branch_id,
                                                        QuarterlyReport.year == year, QuarterlyReport.quarter == quarter))


def _get(session: Session, report_id: int) -> QuarterlyReport:
    report = session.get(QuarterlyReport, report_id)
    if report is None:
        raise ValidationError("report.not_found", report=report_id)
    return report


def report_dict(report: QuarterlyReport, branch: str | None = None) -> dict:
    sections = dict(report.sections or {})
    return {"id": report.id, "branch": branch or sections.get("branch", ""), "year": report.year,
            "quarter": report.quarter, "status": report.status, "period": sections.get("period", ""),
            "script": sections.get("script", SIMPLIFIED), "items": [dict(i) for i in sections.get("items", [])],
            "submitted_at": report.submitted_at, "reviewed_at": report.reviewed_at}


def find(session: Session, branch: str, year: int, quarter: int) -> dict | None:
    report = _find(session, _branch_id(session, branch), year, quarter)
    return None if report is None else report_dict(report, branch)


def get(session: Session, report_id: int) -> dict:
    return report_dict(_get(session, report_id))


def list_reports(session: Session, year: int | None = None, quarter: int | None = None) -> list[dict]:
    q = select(QuarterlyReport, OrgUnit.name).join(OrgUnit, OrgUnit.id == QuarterlyReport.branch_id)
    if year is not None:
        q = q.where(QuarterlyReport.year == year)
    if quarter is not None:
        q = q.where(QuarterlyReport.quarter == quarter)
    return [{"id": r.id, "branch": name, "year": r.year, "quarter": r.quarter, "status": r.status}
            for r, name in session.execute(q.order_by(QuarterlyReport.year, QuarterlyReport.quarter, OrgUnit.id))]


# -- editing and status ----------------------------------------------------------------------------


def _require(report: QuarterlyReport, status: str, action: str, hint: str = "") -> None:
    if report.status != status:
        raise ValidationError("report.not_editable", status=report.status, action=action, hint=hint)


def edit(session: Session, report_id: int, texts: dict[str, str]) -> dict:
    """Replace the text of sections (key → text) of a 草稿."""
    report = _get(session, report_id)
    _require(report, DRAFT, "修改", "已提交的报告需信访办退回后才能修改。")
    sections = dict(report.sections)
    items = [dict(i) for i in sections["items"]]
    by_key = {i["key"]: i for i in items}
    for key, text in texts.items():
        if key not in by_key:
            raise ValidationError("report.unknown_section", section=key, known="、".join(TITLES.values()))
        if by_key[key]["text"] != text:
            by_key[key]["text"] = str(text)
            by_key[key]["edited"] = True
    sections["items"] = items
    report.sections = sections  # a new object, so the JSON column is written
    session.flush()
    return report_dict(report)


def submit(session: Session, report_id: int, texts: dict[str, str] | None = None) -> dict:
    """Submit a 草稿 (saving ``texts`` first, if given); 原因分析 and 对策建议 must be filled in."""
    if texts:
        edit(session, report_id, texts)
    report = _get(session, report_id)
    _require(report, DRAFT, "提交")
    for item in report.sections["items"]:
        if item["key"] in REQUIRED and not item["text"].strip():
            raise ValidationError("report.section_required", section=item["title"])
    report.status = SUBMITTED
    report.submitted_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    session.flush()
    return report_dict(report)


def review(session: Session, report_id: int) -> dict:
    report = _get(session, report_id)
    _require(report, SUBMITTED, "审核", "只有已提交的报告可以审核。")
    report.status = REVIEWED
    report.reviewed_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    session.flush()
    return report_dict(report)


def return_to_draft(session: Session, report_id: int) -> dict:
    """The office sends a submitted report back to the branch for changes."""
    report = _get(session, report_id)
    _require(report, SUBMITTED, "退回", "只有已提交、尚未审核的报告可以退回。")
    report.status = DRAFT
    report.submitted_at = None
    session.flush()
    return report_dict(report)


# -- rendering -------------------------------------------------------------------------------------


def title_of(report: dict) -> str:
    return f"{report['branch']}{report['period']}信访工作研判分析报告"


def charts_of(report: dict) -> dict:
    """Figures drawn from the report's stored tables: hot topics and satisfaction indices."""
    from xinfang import charts

    figs = {}
    for item in report["items"]:
        for table in item.get("tables", []):
            if table["caption"] == "反映较多的话题" and table["rows"]:
                figs["performance"] = charts.bars(_frame(table), "件数", title="反映较多的话题", unit_word="件")
            elif table["caption"].startswith("各单位满意度指数") and table["rows"]:
                figs["mood"] = charts.satisfaction_indices(_frame(table))
    return {key: charts.in_script(fig, report.get("script", SIMPLIFIED)) for key, fig in figs.items()}


def chart_images(report: dict) -> dict[str, bytes]:
    """PNG images of the report's charts (section key → bytes); empty without kaleido."""
    from xinfang import charts

    if not charts.kaleido_available():
        return {}
    return {key: charts.to_png(fig, width=900, height=420) for key, fig in charts_of(report).items()}


def _paragraphs(text: str) -> list[str]:
    return [line for line in text.split("\n")]


def to_html(report: dict, images: dict[str, bytes] | None = None) -> str:
    """A standalone, escaped HTML page (no external resources; charts as embedded PNG if given), in the
    report's characters; the sections' texts are shown as they were drafted or written."""
    e = html.escape
    images = images or {}
    script = report.get("script", SIMPLIFIED)
    parts = [f"<h1>{e(title_of(report))}</h1>",
             f'<p class="meta">状态：<span data-testid="report-status">{e(report["status"])}</span></p>']
    for item in report["items"]:
        parts.append(f'<h2 data-section="{e(item["key"])}">{e(item["title"])}</h2>')
        text = item["text"].strip()
        if text:
            parts += [f"<p {KEEP}>{e(p)}</p>" for p in _paragraphs(text) if p.strip()]
        else:
            parts.append(f'<p class="hint">（待支部填写：{e(item.get("hint", ""))}）</p>')
        for table in item.get("tables", []):
            head = "".join(f"<th>{e(str(c))}</th>" for c in table["columns"])
            rows = "".join("<tr>" + "".join(f"<td>{e('' if v is None else str(v))}</td>" for v in row) + "</tr>"
                           for row in table["rows"])
            parts.append(f"<table><caption>{e(table['caption'])}</caption><thead><tr>{head}</tr></thead>"
                         f"<tbody>{rows}</tbody></table>")
        if item["key"] in images:
            data = base64.b64encode(images[item["key"]]).decode("ascii")
            parts.append(f'<img alt="{e(item["title"])}图表" src="data:image/png;base64,{data}" style="max-width:100%">')
    style = ("body{font-family:'Noto Serif CJK SC','SimSun','Songti SC',serif;max-width:860px;margin:24px auto;"
             "line-height:1.8;font-size:16px}h1{text-align:center;font-size:24px}h2{font-size:19px;margin-top:24px}"
             "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #999;padding:3px 8px}"
             "caption{text-align:left;color:#555;white-space:nowrap}.hint{color:#888}.meta{text-align:center;color:#555}")
    page = (f'<!DOCTYPE html><html lang="{"zh-CN" if script == SIMPLIFIED else e(script)}"><head><meta charset="utf-8">'
            f"<title>{e(title_of(report))}</title><style>{style}</style></head><body>{''.join(parts)}</body></html>")
    return markup_to_script(page, script)


def to_docx(report: dict, images: dict[str, bytes] | None = None) -> bytes:
    """The report as a Word document (python-docx), the same content as ``to_html``."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    images = images or {}
    script = report.get("script", SIMPLIFIED)

    def t(text: str) -> str:  # fixed words, titles and tables in the report's characters
        return to_script(text, script)

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(14)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(t(title_of(report)))
    run.bold = True
    run.font.size = Pt(20)
    doc.add_paragraph(t(f"状态：{report['status']}")).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for item in report["items"]:
        heading = doc.add_paragraph()
        heading_run = heading.add_run(t(item["title"]))
        heading_run.bold = True
        heading_run.font.size = Pt(16)
        text = item["text"].strip()
        if text:
            for p in _paragraphs(text):
                if p.strip():
                    doc.add_paragraph(p)
        else:
            doc.add_paragraph(t(f"（待支部填写：{item.get('hint', '')}）"))
        for table in item.get("tables", []):
            doc.add_paragraph(t(table["caption"]))
            grid = doc.add_table(rows=1 + len(table["rows"]), cols=len(table["columns"]))
            grid.style = "Table Grid"
            for j, col in enumerate(table["columns"]):
                grid.cell(0, j).text = t(str(col))
            for i, row in enumerate(table["rows"], 1):
                for j, value in enumerate(row):
                    grid.cell(i, j).text = "" if value is None else t(str(value))
        if item["key"] in images:
            doc.add_picture(io.BytesIO(images[item["key"]]), width=Cm(15))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_files(session: Session, branch: str, year: int, quarter: int, out_dir: Path,
                today: dt.date | None = None) -> tuple[Path, Path]:
    """Draft (or redraft) the report and write it as HTML and DOCX (for the CLI and the office button)."""
    report = draft(session, branch, year, quarter, today)
    images = chart_images(report)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{year}Q{quarter}_{branch}_研判分析报告"
    html_path, docx_path = out_dir / f"{stem}.html", out_dir / f"{stem}.docx"
    html_path.write_text(to_html(report, images), encoding="utf-8")
    docx_path.write_bytes(to_docx(report, images))
    return html_path, docx_path


__all__ = ["DRAFT", "REVIEWED", "SECTIONS", "SUBMITTED", "branches", "chart_images", "charts_of", "draft",
           "draft_sections", "edit", "find", "get", "list_reports", "preview", "return_to_draft", "review", "submit",
           "title_of", "to_docx", "to_html", "write_files"]
