"""Letters the 信访工作条例 requires, drafted from a case: 告知书 (第二十三条) and 信访事项处理意见书
(第三十二条, with the 复查 rights of 第三十五条). Each is built once as a list of (heading, paragraph)
blocks and rendered to DOCX (python-docx) or escaped HTML, so both always say the same.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from dataclasses import dataclass

from xinfang import deadlines

OFFICE = "信访办公室"


@dataclass(frozen=True)
class Letter:
    title: str
    number: str
    addressee: str
    blocks: tuple[tuple[str | None, str], ...]
    signed_on: dt.date

    def to_docx(self) -> bytes:
        from docx import Document
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml.ns import qn
        from docx.shared import Pt

        doc = Document()
        style = doc.styles["Normal"]
        style.font.name = "SimSun"
        style.font.size = Pt(14)
        style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
        title = doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = title.add_run(self.title)
        run.bold = True
        run.font.size = Pt(20)
        num = doc.add_paragraph(self.number)
        num.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        doc.add_paragraph(f"{self.addressee}：")
        for heading, text in self.blocks:
            p = doc.add_paragraph()
            if heading:
                p.add_run(f"{heading}：").bold = True
            p.add_run(text)
        for line in (OFFICE, _cn_date(self.signed_on)):
            p = doc.add_paragraph(line)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        buf = io.BytesIO()
        doc.save(buf)
        return buf.getvalue()

    def to_html(self) -> str:
        """The letter as the DOCX says it: an official letter is written in 规范汉字 (国家通用语言文字法
        第九条), so a Traditional page shows it unconverted (``translate="no"``, xinfang.script)."""
        e = html.escape
        body = "".join(f"<p>{'<b>' + e(h) + '：</b>' if h else ''}{e(t)}</p>" for h, t in self.blocks)
        return (f'<div class="xf-letter" data-testid="letter" translate="no"><h3 style="text-align:center">{e(self.title)}</h3>'
                f'<p style="text-align:right">{e(self.number)}</p><p>{e(self.addressee)}：</p>{body}'
                f'<p style="text-align:right">{OFFICE}<br>{e(_cn_date(self.signed_on))}</p></div>')


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _addressee(intake_mode: str, name: str | None) -> str:
    if intake_mode == "匿名" or not name:
        return "信访人（凭查询码查阅）"
    return f"{name}同志"


def notice_letter(case: dict, name: str | None, today: dt.date) -> Letter:
    """告知书: receipt, and acceptance (with the handling period) or refusal (with the reason)."""
    received = case["received_on"]
    blocks: list[tuple[str | None, str]] = [
        (None, f"您于{_cn_date(received)}通过{case['channel']}反映的事项（编号 {case['case_no']}）已收悉并登记。")]
    accepted = case.get("accepted_on")
    if case["status"] == "不予受理":
        blocks.append(("处理途径", f"经审查，该事项不予受理。理由：{case.get('reject_reason') or '不属于本单位受理范围'}。"
                                   "您可以依照有关法律、法规向有权处理的机关或单位反映。"))
    elif accepted:
        due = deadlines.add_period(accepted, deadlines.period_days("handle"))
        blocks.append(("受理情况", f"该事项已于{_cn_date(accepted)}受理，我们将在受理之日起 60 日内办结"
                                   f"（至{_cn_date(due)}），情况复杂需要延长的，将另行告知延期理由。"))
    else:
        blocks.append(("受理情况", "我们正在审查是否受理，审查结果将另行告知。"))
    blocks.append(("查询方式", "您可凭登记时获得的查询码，在信访工作簿“查询办理进度”页面查询办理进度和答复。"))
    blocks.append(("依据", "《信访工作条例》第二十二条、第二十三条。"))
    return Letter("信访事项受理告知书", f"编号：{case['case_no']}-告", _addressee(case["intake_mode"], name), tuple(blocks),
                  today)


def decision_letter(case: dict, reply: dict, name: str | None) -> Letter:
    """信访事项处理意见书 from the case and its 答复 event (outcome, facts, basis, the opinion)."""
    details = reply.get("details") or {}
    replied = reply["happened_on"]
    review_until = deadlines.add_period(replied, deadlines.period_days("review_request"))
    stage = details.get("stage", "初次")
    rights = {
        "初次": f"如对本处理意见不服，可自收到本意见书之日起 30 日内（至{_cn_date(review_until)}）请求原办理单位的"
               "上一级机关或单位复查（《信访工作条例》第三十五条）。",
        "复查": f"如对本复查意见不服，可自收到之日起 30 日内（至{_cn_date(review_until)}）请求复核"
               "（《信访工作条例》第三十六条）。",
        "复核": "本意见为复核意见。信访人对复核意见不服，仍以同一事实和理由提出信访的，不再受理（《信访工作条例》第三十六条）。",
    }[stage]
    title = {"初次": "信访事项处理意见书", "复查": "信访事项复查意见书", "复核": "信访事项复核意见书"}[stage]
    blocks = (
        ("信访事项", case["text"]),
        ("查明事实", details.get("facts") or "经调查核实，情况如上所述。"),
        ("处理意见", f"{details.get('outcome', case.get('outcome') or '')}。{reply.get('note') or ''}".strip()),
        ("处理依据", details.get("basis") or "《信访工作条例》第三十二条及本单位有关规定。"),
        ("权利告知", rights),
    )
    return Letter(title, f"编号：{case['case_no']}-{stage}", _addressee(case["intake_mode"], name), blocks, replied)
