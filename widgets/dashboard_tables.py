"""Escaped HTML for the dashboard's tables, flags and messages (no data work here)."""

from __future__ import annotations

import html

from xinfang.dashboard import rate_lines
from xinfang.script import verbatim

CSS = ("<style>.xf-dtable{border-collapse:collapse;margin:6px 0}.xf-dtable td,.xf-dtable th{border-bottom:1px solid "
       "#d0d7de;padding:4px 8px;text-align:right}.xf-dtable th:first-child,.xf-dtable td:first-child{text-align:left}"
       ".xf-flag{margin:4px 0;padding:6px 10px;border-left:4px solid #bf8700;background:#fff8c5}"
       ".xf-flag.xf-重大{border-color:#cf222e;background:#ffebe9}.xf-note{color:#57606a}</style>")


def _escaped(frame, keep: tuple[str, ...]):
    """``frame`` with every cell and label escaped here, the cells of ``keep`` as a person wrote them
    (shown in the same characters on every page: xinfang.script.verbatim)."""
    import pandas as pd

    def cell(value, as_written: bool) -> str:
        if not isinstance(value, list | tuple) and pd.isna(value):
            return "—"
        return verbatim(value) if as_written else html.escape(str(value))

    out = pd.DataFrame({html.escape(str(c)): [cell(v, c in keep) for v in frame[c]] for c in frame.columns},
                       index=[html.escape(str(i)) for i in frame.index])
    out.index.name = None if frame.index.name is None else html.escape(str(frame.index.name))
    return out


def table(frame, testid: str, caption: str = "", keep: tuple[str, ...] = ()) -> str:
    """A DataFrame as an escaped HTML table (pandas escapes every cell and label). ``keep``: columns
    whose cells are someone's words (remarks), kept as written whatever the page's characters."""
    if frame is None or len(frame) == 0:
        return f'<div data-testid="{html.escape(testid)}" class="xf-note">（本期没有数据）</div>'
    if keep:
        body = _escaped(frame, keep).to_html(escape=False, classes="xf-dtable", border=0)
    else:
        body = frame.to_html(escape=True, classes="xf-dtable", border=0, na_rep="—")
    cap = f"<h4>{html.escape(caption)}</h4>" if caption else ""
    return f'{CSS}<div data-testid="{html.escape(testid)}">{cap}{body}</div>'


def case_table(frame, testid: str, caption: str, rows: int = 50) -> str:
    """A case list with its first ``rows`` rows (the lists come sorted by deadline, earliest first) and
    how many there are in all: at 100,000 cases the overdue list alone held thousands of rows, a
    quarter of a megabyte of HTML that every page load had to send and draw. 案件办理 lists them all."""
    if frame is None or len(frame) <= rows:
        return table(frame, testid, caption)
    note = f"（共 {len(frame)} 件，这里列出期限最早的 {rows} 件；全部请到「案件办理」查看）"
    return table(frame.head(rows), testid, caption + note)


def flags(items: list[dict], large: bool = False) -> str:
    size = "font-size:24px;" if large else ""
    if not items:
        return f'<div data-testid="flags" class="xf-note" style="{size}">当前没有预警。</div>'
    rows = "".join(
        f'<div class="xf-flag xf-{html.escape(f["level"])}" data-testid="flag" style="{size}">'
        f'【{html.escape(f["level"])}】{html.escape(f["text"])}</div>' for f in items)
    return f'{CSS}<div data-testid="flags"><h4>预警</h4>{rows}</div>'


def message(text: str, testid: str = "message", error: bool = False) -> str:
    color = "#b42318" if error else "#57606a"
    return f'<div data-testid="{html.escape(testid)}" style="color:{color}">{html.escape(text)}</div>'


def definitions(kpis: dict, large: bool = False) -> str:
    """Each rate with its numerator and denominator (only when the rate itself is shown) and definition
    (xinfang.dashboard.rate_lines); ``large`` for the meeting view's projector."""
    rows = [f'<li data-testid="kpi-definition">{html.escape(line)}</li>' for line in rate_lines(kpis)]
    size = "20px;line-height:1.5" if large else "13px"
    return f'<ul class="xf-note" style="font-size:{size};margin:0 0 8px">{"".join(rows)}</ul>'
