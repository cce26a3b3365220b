"""Entry points of the served pages: each notebook cell calls one of these.

A page reads its request (preheated kernels wait for it first), calls one xinfang function, and
shows the result or a clear error. No SQL and no aggregation here.
"""

from __future__ import annotations

import html

import ipywidgets as w
from IPython.display import display

from widgets.count_cards import CountCards
from xinfang import metrics
from xinfang.errors import XinfangError
from xinfang.storage import db


def _wait_for_request() -> None:
    try:
        from voila.utils import wait_for_request
    except ImportError:  # running in JupyterLab, not Voila
        return
    wait_for_request()


def _header(title: str, subtitle: str) -> w.HTML:
    return w.HTML(
        f'<h2 data-testid="page-title" style="margin:4px 0">{html.escape(title)}</h2>'
        f'<div style="color:#57606a">{html.escape(subtitle)}</div>'
    )


def _error(exc: XinfangError) -> w.HTML:
    return w.HTML(f'<div data-testid="error" style="color:#b42318">{html.escape(exc.zh)}</div>')


def _counts_page(title: str, subtitle: str) -> w.VBox:
    try:
        with db.session() as s:
            counts = metrics.headline_counts(s)
        body: w.Widget = CountCards(counts)
    except XinfangError as exc:
        body = _error(exc)
    return w.VBox([_header(title, subtitle), body])


def forms_home() -> None:
    """Start page of the forms server."""
    _wait_for_request()
    display(_counts_page("信访工作簿 · 表单服务", "问卷填写、诉求登记、查询码查询（即将开放）。当前数据概况："))


def office_home() -> None:
    """Start page of the office server."""
    _wait_for_request()
    display(_counts_page("信访工作簿 · 办公服务", "案件办理、看板与报告（即将开放）。当前数据概况："))
