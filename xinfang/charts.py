"""Every plotly figure of the workbook (dashboards, meeting mode and reports use the same ones).

The one module that imports plotly, and only inside functions, so a form kernel never loads it.
Figures take the *displayed* tables of :mod:`xinfang.dashboard` / :mod:`xinfang.survey_stats`: cells
hidden by :func:`xinfang.privacy.suppress` ("<5") are drawn as gaps labelled "<5"; a raw numeric table
is suppressed here first (``privacy.hidden_cells``), so no chart can show a small group.

All text that reaches plotly (titles, axis labels, hover text) is HTML-escaped: plotly renders tags
such as ``<b>`` in labels, so a unit called "<b>x</b>" must show as typed. The template sets a CJK font
stack (the client's fonts; the server needs fonts-noto-cjk only for PNG images via kaleido).
"""

from __future__ import annotations

import functools
import html
import math
import re
import unicodedata

FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
              '"WenQuanYi Micro Hei", "SimHei", sans-serif')
PALETTE = ["#1f6feb", "#d4a72c", "#2da44e", "#cf222e", "#8250df", "#bf8700", "#0a7ea4", "#6e7781"]
SENTIMENT_COLORS = {"负面": "#cf222e", "中性": "#8c959f", "正面": "#2da44e"}
_HIDDEN = re.compile(r"^<\d+$")
_TOTALS = ("合计", "总计", "小计")


def esc(value: object) -> str:
    """Text safe for plotly labels and hover text (tags shown literally, not rendered)."""
    return html.escape(str(value), quote=False)


def template(large: bool = False):
    """The workbook's plotly template: CJK fonts, readable sizes; ``large`` for the projector. A new
    object each call (a figure may change its own); figures copy ``_template``'s instead."""
    import plotly.graph_objects as go

    size = 22 if large else 13
    return go.layout.Template(layout=dict(
        font=dict(family=FONT_STACK, size=size, color="#1f2328"),
        title=dict(font=dict(size=size + (10 if large else 5)), x=0.01, xanchor="left"),
        colorway=PALETTE,
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
        xaxis=dict(gridcolor="#eaeef2", automargin=True), yaxis=dict(gridcolor="#eaeef2", automargin=True),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        hoverlabel=dict(font=dict(family=FONT_STACK, size=size)),
        margin=dict(l=60, r=30, t=120 if large else 80, b=60),
        separators=".,",
    ))


def _text_width(text: str, size: float) -> float:
    """Width in pixels of ``text`` in a font of ``size`` px, estimated: a wide (CJK) character one em,
    any other about 0.6 em."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in str(text)) * size


def _reserve_margins(fig):
    """Margins wide enough for the figure's tick labels, colour bar and axis titles, estimated from its
    data. The axes keep ``automargin`` (the template), which only ever widens a margin: with room
    reserved in advance plotly.js draws a chart once, where finding a label wider than the margin
    costs it a second complete drawing (a third of the time the dashboard's charts took to draw).
    plotly.py cannot measure text, so this estimates: too little room only costs that second pass."""
    layout = fig.layout
    size = float(layout.template.layout.font.size or 13)
    base = layout.template.layout.margin
    left, right, bottom = base.l, base.r, base.b
    cats: dict[str, list] = {"x": [], "y": []}
    nums: dict[str, list] = {"x": [], "y": []}
    colorbar = None
    for trace in fig.data:
        horizontal = getattr(trace, "orientation", None) == "h"
        for axis in ("x", "y"):
            values = list(getattr(trace, axis, None) or [])
            categorical = trace.type == "heatmap" or axis == ("y" if horizontal else "x")
            (cats if categorical else nums)[axis] += [v for v in values if v is not None]
        if trace.type == "heatmap":
            colorbar = [v for row in (trace.z or []) for v in row if v is not None]

    def ticks(axis: str) -> float:
        """Widest tick label of an axis: its categories, or its largest number with the tick suffix."""
        if cats[axis]:
            return max(_text_width(c, size) for c in cats[axis])
        top = max((abs(float(v)) for v in nums[axis] if isinstance(v, int | float)), default=0)
        return _text_width(f"{top:,.0f}{getattr(layout, axis + 'axis').ticksuffix or ''}", size)

    left = max(left, ticks("y") + 24 + (1.6 * size if layout.yaxis.title.text else 0))
    if cats["x"]:
        widest = ticks("x")
        # plotly tilts crowded labels by 30°: the bottom then holds half the widest label plus its height
        crowded = len(dict.fromkeys(cats["x"])) * (widest + 10) > 1100
        bottom = max(bottom, (0.5 * widest + 0.9 * size if crowded else 1.4 * size) + 30)
        if crowded:  # the last tilted label reaches past the plot's right edge
            right = max(right, 0.6 * widest)
    if colorbar is not None:
        top = max((abs(float(v)) for v in colorbar), default=0)
        right = max(right, 90 + _text_width(f"{top:,.0f}", size))
    layout.margin.update(l=math.ceil(left), r=math.ceil(right), b=math.ceil(bottom))
    # The legend row sits above the plot by its top edge, a fixed distance, not by its bottom edge at
    # y = 1.02 (the template's): drawn in a single pass, plotly.js may place a legend by a height it
    # has not measured yet, over the first row of bars.
    plot_height = (layout.height or 420) - base.t - bottom
    if plot_height > 0:
        layout.legend.update(yanchor="top", y=1 + 0.45 * base.t / plot_height)
    return fig


@functools.cache
def _template(large: bool):
    return template(large)  # validated once: plotly copies a template into each figure it is given to


def _figure(title: str, large: bool, height: int | None = None):
    import plotly.graph_objects as go

    # the template given to the constructor: plotly then does not first copy its default template
    return go.Figure(layout=dict(template=_template(large), title=esc(title),
                                 height=height or (640 if large else 420)))


def split(table):
    """(numbers, hidden): float DataFrame with NaN where hidden, and the boolean mask of hidden cells.

    A displayed table (object columns, as :func:`xinfang.privacy.suppress` returns) is read as it is;
    a raw numeric table is taken as counts of people and suppressed here first."""
    import pandas as pd

    from xinfang import privacy

    frame = table.to_frame() if isinstance(table, pd.Series) else table
    displayed = not all(pd.api.types.is_numeric_dtype(dtype) for dtype in frame.dtypes)
    if displayed:
        hidden = frame.map(lambda v: isinstance(v, str) and bool(_HIDDEN.match(v)))
    else:
        hidden = privacy.hidden_cells(frame.fillna(0))
    numbers = frame.mask(hidden).apply(pd.to_numeric, errors="coerce").astype(float)
    return numbers, hidden


def hidden_label() -> str:
    """How a hidden cell reads on a chart ("<5", escaped for plotly)."""
    return esc(f"<{_k()}")


def _drop_totals(frame):
    keep_rows = [i for i in frame.index if str(i) not in _TOTALS]
    keep_cols = [c for c in frame.columns if str(c) not in _TOTALS]
    return frame.loc[keep_rows, keep_cols]


def _num_text(v: float, hidden: bool, suffix: str = "") -> str:
    if hidden:
        return hidden_label()
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return f"{v:g}{suffix}"


def heatmap(table, *, title: str = "话题 × 单位", large: bool = False, labels: dict | None = None,
            unit_word: str = "件"):
    """Topic × unit heat map from a tally (rows units, columns topic codes); hidden cells as gaps
    marked "<5". ``labels`` maps topic codes to names for the axis."""
    import plotly.graph_objects as go

    numbers, hidden = split(table)
    numbers, hidden = _drop_totals(numbers), _drop_totals(hidden)
    labels = labels or {}
    x = [esc(labels.get(c, c)) for c in numbers.columns]
    y = [esc(i) for i in numbers.index]
    text = [[_num_text(v, h) for v, h in zip(row_v, row_h, strict=True)]
            for row_v, row_h in zip(numbers.to_numpy().tolist(), hidden.to_numpy().tolist(), strict=True)]
    z = [[None if (isinstance(v, float) and math.isnan(v)) else v for v in row] for row in numbers.to_numpy().tolist()]
    fig = _figure(title, large, height=max(420, 40 * len(y) + 160) if not large else 680)
    fig.add_trace(go.Heatmap(z=z, x=x, y=y, text=text, texttemplate="%{text}", colorscale="Oranges",
                             hovertemplate="%{y} · %{x}：%{text} " + esc(unit_word) + "<extra></extra>",
                             hoverongaps=False, colorbar=dict(title=esc(f"{unit_word}数"))))
    fig.update_yaxes(autorange="reversed")
    return _reserve_margins(fig)


def stacked_bars(table, *, title: str, large: bool = False, colors: dict | None = None,
                 unit_word: str = "件", horizontal: bool = False):
    """Stacked bars: one bar per row, one segment per column (e.g. sentiment by unit).

    Hidden cells have no length of their own. When the table has a visible 合计 column, the rest of
    each bar (合计 − the visible segments, the sum of at least two hidden cells after complementary
    suppression) is drawn as one hatched grey segment, so every bar is as long as its total; a row
    whose total is hidden is labelled "<5"."""
    import plotly.graph_objects as go

    numbers, hidden = split(table)
    total_col = next((c for c in numbers.columns if str(c) in _TOTALS), None)
    totals = numbers[total_col] if total_col is not None else None
    total_hidden = hidden[total_col] if total_col is not None else None
    numbers, hidden = _drop_totals(numbers), _drop_totals(hidden)
    if totals is not None:
        totals, total_hidden = totals.loc[numbers.index], total_hidden.loc[numbers.index]
    fig = _figure(title, large)
    cats = [esc(i) for i in numbers.index]
    axis = "y" if horizontal else "x"

    def bar(vals, **kw):
        if horizontal:
            return go.Bar(y=cats, x=vals, orientation="h", **kw)
        return go.Bar(x=cats, y=vals, **kw)

    for n, col in enumerate(numbers.columns):
        vals = [0 if (isinstance(v, float) and math.isnan(v)) else v for v in numbers[col].tolist()]
        text = [_num_text(v, h) for v, h in zip(numbers[col].tolist(), hidden[col].tolist(), strict=True)]
        color = (colors or {}).get(col, PALETTE[n % len(PALETTE)])
        fig.add_trace(bar(vals, name=esc(col), text=[t if not h else "" for t, h in zip(text, hidden[col], strict=True)],
                          textposition="inside", textangle=0, insidetextanchor="middle", marker_color=color,
                          customdata=text, hovertemplate="%{" + axis + "} · " + esc(col) + "：%{customdata} "
                          + esc(unit_word) + "<extra></extra>"))
    if totals is not None:
        visible = numbers.fillna(0).sum(axis=1)
        rest = [max(0.0, t - v) if not (h or math.isnan(t)) else 0.0
                for t, v, h in zip(totals.tolist(), visible.tolist(), total_hidden.tolist(), strict=True)]
        if any(rest):
            label = esc(f"人数少于 {_k()} 的格子（合计）")
            fig.add_trace(bar(rest, name=label, marker=dict(color="#d0d7de", pattern=dict(shape="/")),
                              customdata=[f"{r:g}" for r in rest],
                              hovertemplate="%{" + axis + "} · " + label + "：%{customdata} " + esc(unit_word)
                              + "<extra></extra>"))
        if total_hidden.any():
            fig.add_trace(bar([0.0] * len(cats), name=hidden_label(), showlegend=False, hoverinfo="skip",
                              text=[hidden_label() if h else "" for h in total_hidden.tolist()],
                              textposition="outside", cliponaxis=False))
    fig.update_layout(barmode="stack", legend=dict(traceorder="normal"))
    if horizontal:
        fig.update_yaxes(autorange="reversed")
    return _reserve_margins(fig)


def _k() -> int:
    from xinfang.config import settings

    return int(settings()["min_group_size"])


def sentiment_by_unit(table, *, large: bool = False, title: str = "各单位反映的情绪"):
    return stacked_bars(table, title=title, large=large, colors=SENTIMENT_COLORS, horizontal=True)


def monthly_trend(table, *, large: bool = False, title: str = "按月反映件数（按情绪）"):
    """Monthly counts stacked by sentiment (rows months "2026-01", columns 负面/中性/正面); months read
    "2026年1月" (plotly would take "2026-01" for a date and print "Jan 2026")."""
    def month(label):
        found = re.fullmatch(r"(\d{4})-(\d{2})", str(label))
        return f"{found[1]}年{int(found[2])}月" if found else label

    return stacked_bars(table.rename(index=month), title=title, large=large, colors=SENTIMENT_COLORS)


def kpi_trend(table, *, large: bool = False, title: str = "主要指标按月走势",
              rates: tuple[str, ...] = ("化解率", "按期办结率", "满意率")):
    """Lines of rates (0–1 or "<5") by month; hidden months are gaps."""
    import plotly.graph_objects as go

    numbers, hidden = split(table[[r for r in rates if r in table.columns]])
    fig = _figure(title, large)
    x = [esc(i) for i in numbers.index]
    highest = 100.0
    for col in numbers.columns:
        pct = [None if math.isnan(v) else round(v * 100, 1) for v in numbers[col].tolist()]
        highest = max([highest, *(p for p in pct if p is not None)])
        text = [hidden_label() if h else ("" if p is None else f"{p:g}%") for p, h in zip(pct, hidden[col].tolist(), strict=True)]
        fig.add_trace(go.Scatter(x=x, y=pct, name=esc(col), mode="lines+markers", connectgaps=False,
                                 customdata=text, hovertemplate="%{x} · " + esc(col) + "：%{customdata}<extra></extra>"))
    # a month can close more cases than it accepted (化解率 over 100%): the axis shows the highest point
    fig.update_yaxes(title=esc("百分比"), range=[0, highest + 5], ticksuffix="%")
    if not numbers.notna().to_numpy().any():  # no line at all: say why rather than show empty axes
        why = (f"每月的件数都少于 {_k()} 件：为保护当事人，不显示比率" if hidden.to_numpy().any()
               else "这段时间没有可计算比率的事项")
        fig.add_annotation(text=esc(why), xref="paper", yref="paper", x=0.5, y=0.55, showarrow=False,
                           font={"size": 22 if large else 15, "color": "#57606a"})
    return _reserve_margins(fig)


def bars(series_table, column: str, *, title: str, large: bool = False, unit_word: str = "人",
         horizontal: bool = True, suffix: str = "", range_max: float | None = None):
    """One bar per row of ``column`` (frequencies, satisfaction indices); hidden rows labelled "<5"."""
    import plotly.graph_objects as go

    numbers, hidden = split(series_table[[column]])
    numbers, hidden = _drop_totals(numbers), _drop_totals(hidden)
    cats = [esc(i) for i in numbers.index]
    vals = [0 if math.isnan(v) else v for v in numbers[column].tolist()]
    text = [_num_text(v, h, suffix) for v, h in zip(numbers[column].tolist(), hidden[column].tolist(), strict=True)]
    fig = _figure(title, large, height=None if not horizontal else max(380, 34 * len(cats) + 150))
    common = dict(text=text, textposition="outside", customdata=text, marker_color=PALETTE[0],
                  hovertemplate="%{" + ("y" if horizontal else "x") + "}：%{customdata} " + esc(unit_word)
                  + "<extra></extra>")
    if horizontal:
        fig.add_trace(go.Bar(y=cats, x=vals, orientation="h", **common))
        fig.update_yaxes(autorange="reversed")
        if range_max:
            fig.update_xaxes(range=[0, range_max])
    else:
        fig.add_trace(go.Bar(x=cats, y=vals, **common))
        if range_max:
            fig.update_yaxes(range=[0, range_max])
    return _reserve_margins(fig)


def survey_frequencies(table, *, title: str, large: bool = False):
    """Frequencies of one questionnaire item (table from survey_stats.frequencies)."""
    rows = [i for i in table.index if not str(i).startswith("本题有效填写")]
    return bars(table.loc[rows], "人数", title=title, large=large, unit_word="人")


LIKERT_COLORS = {"很满意": "#1a7f37", "比较满意": "#4ac26b", "一般": "#afb8c1", "不太满意": "#fa7a18",
                 "很不满意": "#cf222e"}


def likert_distribution(table, *, large: bool = False, title: str = "各方面满意程度（人数）"):
    """Stacked bars per questionnaire item, from 很满意 to 很不满意 (survey_stats.likert_distribution)."""
    return stacked_bars(table, title=title, large=large, colors=LIKERT_COLORS, unit_word="人", horizontal=True)


def satisfaction_indices(table, *, large: bool = False, title: str = "各单位满意度指数（0–100）",
                         column: str = "综合指数"):
    return bars(table, column, title=title, large=large, unit_word="分", range_max=100)


def crosstab_chart(counts, *, title: str, large: bool = False):
    """A 交叉分析 table (rows X, columns the options of Y, cells numbers of respondents) as a heat map;
    小计 and 合计 are left to the table."""
    return heatmap(counts, title=title, large=large, unit_word="人")


# Figure properties that are data or style, never read as words (font families name fonts).
_NOT_TEXT = frozenset({"template", "family", "color", "colorscale", "type", "mode", "uid", "ids", "meta"})


def _texts_in(value, script: str):
    """``value`` with every string in ``script`` (numbers, None and numeric arrays untouched)."""
    from xinfang.script import to_script

    if isinstance(value, str):
        return to_script(value, script)
    if isinstance(value, dict):
        return {k: v if k in _NOT_TEXT else _texts_in(v, script) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_texts_in(v, script) for v in value)
    return value


def in_script(fig, script: str):
    """``fig`` with what a person reads in ``script`` (xinfang.script): titles, axis titles, category and
    tick labels, legend names, hover and bar texts. Values are not touched; category labels are
    converted the same way on every axis, so traces still line up. Changed in place; returns ``fig``."""
    from xinfang.script import TRADITIONAL

    if fig is None or script != TRADITIONAL:
        return fig
    for trace in fig.data:
        plain = trace.to_plotly_json()
        changes = {k: _texts_in(v, script) for k, v in plain.items() if k not in _NOT_TEXT}
        trace.update({k: v for k, v in changes.items() if v != plain[k]})
    layout = fig.layout.to_plotly_json()
    changes = {k: _texts_in(v, script) for k, v in layout.items() if k not in _NOT_TEXT}
    fig.layout.update({k: v for k, v in changes.items() if v != layout[k]})
    return fig


def kaleido_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("kaleido") is not None


def to_png(fig, *, width: int = 1000, height: int | None = None, scale: float = 1.0) -> bytes:
    """The figure as PNG bytes via kaleido and the system Chromium, MathJax off (nothing fetched).
    Raises ``chart.no_kaleido`` when kaleido is not installed."""
    import tempfile
    from pathlib import Path

    from xinfang.errors import XinfangError

    if not kaleido_available():
        raise XinfangError("chart.no_kaleido")
    import kaleido

    opts = {"format": "png", "width": width, "height": height or int(fig.layout.height or 480), "scale": scale}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chart.png"
        try:
            kaleido.write_fig_sync(fig, path=str(path), opts=opts, kopts={"mathjax": False})
            return path.read_bytes()
        except Exception as exc:  # noqa: BLE001 - any browser failure becomes one clear message
            raise XinfangError("chart.image_failed", detail=f"{type(exc).__name__}: {exc}") from exc


__all__ = ["FONT_STACK", "bars", "crosstab_chart", "esc", "heatmap", "in_script", "kaleido_available", "kpi_trend",
           "likert_distribution", "monthly_trend", "satisfaction_indices", "sentiment_by_unit", "split", "stacked_bars",
           "survey_frequencies", "template", "to_png"]
