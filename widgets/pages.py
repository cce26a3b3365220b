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
from xinfang.script import TRADITIONAL, script_of, verbatim
from xinfang.storage import db


def _wait_for_request() -> None:
    import os

    from widgets.servers.common import KERNEL_KEY_ENV

    # Only a preheated kernel waits (voila's own test). Importing voila costs a kernel 5–10 s (it pulls
    # in jupyter_server and compiles jsonschema's grammars): a kernel started for its request skips it.
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return
    if os.environ.get(KERNEL_KEY_ENV):
        _request_with_key(os.environ[KERNEL_KEY_ENV])
        return
    try:
        from voila.utils import wait_for_request
    except ImportError:  # running in JupyterLab, not Voila
        return
    wait_for_request()


def _request_with_key(key: str) -> None:
    """voila.utils.wait_for_request for the office server, whose request-info websocket answers only a
    kernel showing the server's key (widgets/servers/signin.py): the same address and environment
    variables as Voila's, plus the key header. Runs the wait in a thread of its own, as Voila does
    (the kernel's event loop is busy running this cell)."""
    import asyncio
    import json
    import os
    import threading

    from websockets.asyncio.client import connect

    from widgets.servers.common import KERNEL_KEY_HEADER

    base = os.getenv("VOILA_WS_BASE_URL", os.getenv("VOILA_SERVER_URL", "/"))
    url = (f"{os.getenv('VOILA_WS_PROTOCOL', 'ws')}://{os.getenv('VOILA_APP_IP', '127.0.0.1')}:"
           f"{os.getenv('VOILA_APP_PORT', '8866')}{base}voila/query/{os.getenv('VOILA_KERNEL_ID')}")
    found: dict[str, str] = {}

    async def receive() -> None:
        async with connect(url, additional_headers={KERNEL_KEY_HEADER: key}, open_timeout=10) as socket:
            found.update(json.loads(await socket.recv()))

    thread = threading.Thread(target=lambda: asyncio.run(receive()), daemon=True)
    thread.start()
    thread.join()
    os.environ.update({k: str(v) for k, v in found.items()})


def prepare_office() -> None:
    """Work a preheated office kernel does before its request arrives: the imports every page needs
    (pandas, plotly, the dashboard and case widgets), the vocabularies, and the whole mine's dashboard."""
    import pandas  # noqa: F401
    import plotly.graph_objects as go
    import plotly.io as pio

    import widgets.case_list  # noqa: F401
    import widgets.dashboard
    import widgets.dashboard_drill  # noqa: F401
    from xinfang import analysis, charts  # noqa: F401
    from xinfang.text import vocab

    vocab.load_taxonomy()
    vocab.vocabulary_versions()
    # plotly's first figure-to-JSON imports what its renderers may need (IPython, nbformat, kaleido,
    # jsonschema…): 1.3 s that the dashboard's first chart would otherwise wait for
    pio.renderers["plotly_mimetype"].to_mimebundle(go.Figure().to_dict())
    # the whole mine's dashboard, the page most often opened, is worked out now (data, figures and the
    # page's HTML) and used if the request asks for it (widgets.dashboard.prepared); a failure here leaves
    # the page to be made on request (noted in the server's log, not on the page)
    try:
        from xinfang import accounts

        with db.session() as s:  # the sign-in check every page starts with: its query compiled now
            accounts.session_account(s, "-", touch=False)
        widgets.dashboard.prepare()
    except Exception as exc:  # noqa: BLE001
        import sys

        print(f"xinfang: dashboard not prepared ({type(exc).__name__}: {exc})", file=sys.__stderr__)


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


def _query() -> dict[str, str]:
    """The page's query string (Voila puts the request's in the environment)."""
    import os
    from urllib.parse import parse_qs

    return {k: v[0] for k, v in parse_qs(os.environ.get("QUERY_STRING", "")).items()}


LOOKUP_ITEM = ("page=lookup", "查询办理进度", "凭登记时拿到的查询码，查看您反映事项的办理进度和答复。")
LANGUAGE_PARAMS = {"zh-Hans", "zh-Hant", "en"}


def _lang(query: dict[str, str]) -> str:
    """``&lang=…`` for the page's links, so the next page keeps the chosen characters (or language)."""
    return f"&lang={query['lang']}" if query.get("lang") in LANGUAGE_PARAMS - {"zh-Hans"} else ""


def _show(body: w.Widget, query: dict[str, str]) -> None:
    """Display a page in the characters its query asks for (``lang=zh-Hant``), with the 简 / 繁 switch."""
    from widgets.page_script import page

    display(page(body, query))


def _form_items(server: str) -> list[tuple[str, str, str]]:
    from xinfang import forms

    items = []
    for key, hint in forms.served_on(server).items():
        try:
            spec = forms.by_key(key)
        except XinfangError:
            continue  # a faulty workbook is refused when loaded; it is not offered
        items.append((f"form={key}", spec.title, hint))
    return items


def prepare(server: str) -> None:
    """Work a preheated kernel does before its request arrives: imports and reading the workbooks."""
    import widgets.form_view  # noqa: F401

    _form_items(server)


def _menu(items: list[tuple[str, str, str]], suffix: str = "") -> w.HTML:
    """Links: each item is (query, title, hint); the test hook is the query's value."""
    links = "".join(
        f'<li style="margin:10px 0"><a data-testid="menu-{html.escape(q.split("=", 1)[1])}" '
        f'href="?{html.escape(q)}{html.escape(suffix)}" '
        f'style="font-size:18px">{html.escape(title)}</a><div style="color:#57606a">{html.escape(hint)}</div></li>'
        for q, title, hint in items)
    return w.HTML(f'<ul style="list-style:none;padding:0">{links}</ul>')


def _form(server: str, key: str, language: str, back: str, chosen: dict[str, str] | None = None) -> w.Widget:
    from widgets.form_view import form_page
    from xinfang import forms

    if key not in forms.served_on(server):
        return w.VBox([w.HTML(f'<a href="{html.escape(back)}">← 返回</a>'),
                       w.HTML('<div data-testid="error" style="color:#b42318">这里没有这张表单。请从首页选择。</div>')])
    return w.VBox([w.HTML(f'<a href="{html.escape(back)}">← 返回</a>'), form_page(key, language=language, chosen=chosen)])


def forms_home() -> None:
    """Entry of the forms server: a menu, a form (?form=key[&lang=zh-Hant]) or the 查询码 page."""
    prepare("forms")
    _wait_for_request()
    query = _query()
    language = query.get("lang") if query.get("lang") in LANGUAGE_PARAMS else "zh-Hans"
    if query.get("page") == "lookup":
        from widgets.progress_lookup import ProgressLookup

        _show(w.VBox([w.HTML(f'<a href="?{html.escape(_lang(query))}">← 返回</a>'),
                      _header("查询办理进度", "信访工作簿 · 表单服务"), ProgressLookup()]), query)
    elif query.get("form"):
        _show(_form("forms", query["form"], language, f"?{_lang(query)}"), query)
    else:
        _show(w.VBox([_header("信访工作簿 · 表单服务", "请选择要填写的表单或办理的事项："),
                      _menu([*_form_items("forms"), LOOKUP_ITEM], _lang(query))]), query)


OFFICE_MENU = [
    ("page=dashboard", "看板（办公视图）", "本期关键指标、话题和情绪分布、趋势、预警、问卷结果；可查看图表背后的事项。"),
    ("page=meeting", "看板（会议视图）", "投影用：大字、一屏一图，只有汇总数字，少于 5 人的不显示。"),
    ("page=report", "季度研判分析报告", "按党支部起草、修改、提交季度报告，下载 HTML 和 DOCX。"),
    ("page=cases", "案件办理", "信访事项列表：按状态、单位、期限筛选，进入事项办理和生成文书。"),
    ("page=risks", "不稳定因素排查台账", "在控的不稳定因素、化解措施和期限。"),
    ("page=plans", "一人一策", "重点人员的帮扶计划和回访情况（不显示姓名）。"),
    ("page=warnings", "预警", "负面反映占比、话题激增、重复信访、集体反映、逾期积压等预警及其依据。"),
]


class SignedIn:
    """The sign-in session this office page's kernel serves. The office server hands the kernel the
    session id (xinfang.accounts.KERNEL_ENV); ``account()`` asks the database again each time, so an
    action after sign-out, expiry or a disabled account is refused (``auth.session_ended``)."""

    def __init__(self, session_id: str | None):
        self.session_id = session_id

    @classmethod
    def from_request(cls) -> SignedIn:
        import os

        from xinfang import accounts

        return cls(os.environ.get(accounts.KERNEL_ENV))

    def account(self):
        from xinfang import accounts
        from xinfang.errors import ValidationError

        with db.session() as s:
            account = accounts.session_account(s, self.session_id)
        if account is None:
            raise ValidationError("auth.session_ended")
        return account

    def actor(self) -> str:
        """How the audit log and case timeline name the signed-in user."""
        return self.account().label


def _base_url() -> str:
    import os

    return os.environ.get("VOILA_BASE_URL", "/")


def _server_link(path: str, script: str) -> str:
    """Escaped address of the server's own ``login`` / ``logout`` page in the reader's characters."""
    return html.escape(f"{_base_url()}{path}" + (f"?lang={script}" if script == TRADITIONAL else ""))


def _user_bar(account, script: str) -> w.HTML:
    where = f" · {account.branch}" if account.branch else ""
    return w.HTML(
        f'<div style="text-align:right;color:#57606a;font-size:14px">'
        f'<span data-testid="signed-in" data-role="{html.escape(account.role)}">{verbatim(account.display_name)}'
        f"（{html.escape(account.role)}{html.escape(where)}）</span>　"
        f'<a data-testid="sign-out" href="{_server_link("logout", script)}">退出登录</a></div>')


def _office_page(query: dict[str, str]) -> str:
    """Which office page (data/roles.yaml page names) a query asks for."""
    page = query.get("page", "")
    if page in ("cases", "dashboard", "meeting", "report", "warnings", "risks", "plans"):
        return page
    if page == "case" and query.get("id", "").isdigit():
        return "case"
    if query.get("form"):
        return "forms"
    return "home"


HOME_LINK = '<a href="?{lang}">← 返回首页</a>'  # .format(lang=_lang(query))


def office_home() -> None:
    """Entry of the office server: the signed-in user's menu, or the page named by ?page= or ?form=,
    as far as the user's role allows (data/roles.yaml); a 支部书记 sees only their own branch."""
    import os

    from xinfang import roles

    if os.environ.get("VOILA_PREHEAT", "False") != "False":
        prepare_office()
    _wait_for_request()
    query = _query()
    language = query.get("lang") if query.get("lang") in LANGUAGE_PARAMS else "zh-Hans"
    script, lang = script_of(query.get("lang")), _lang(query)
    home = HOME_LINK.format(lang=html.escape(lang))
    signed_in = SignedIn.from_request()
    try:
        account = signed_in.account()
    except XinfangError as exc:
        _show(w.VBox([_error(exc), w.HTML(f'<a data-testid="sign-in" href="{_server_link("login", script)}">登录</a>')]),
              query)
        return
    page = _office_page(query)
    bar = _user_bar(account, script)
    try:
        roles.require(account.role, page)
        branch = roles.branch_scope(account.role, account.branch, account.username)
    except XinfangError as exc:
        _show(w.VBox([bar, w.HTML(home), _error(exc)]), query)
        return
    if page == "cases":
        from widgets.case_list import CaseList

        _show(w.VBox([bar, _header("案件办理", "信访工作簿 · 办公服务"), CaseList(link=f"?page=case{lang}")]), query)
    elif page in ("dashboard", "meeting"):
        from widgets.dashboard import DashboardView, prepared

        view = "office" if page == "dashboard" else "meeting"
        board = DashboardView(view=view, branch=branch, script=script, ready=prepared(view, branch, script))
        parts = [bar, w.HTML(home)]
        if page == "meeting":  # phones in the meeting room scan the questionnaire's address
            from widgets.questionnaire_qr import QuestionnaireQR

            parts.append(QuestionnaireQR())
        _show(w.VBox([*parts, board]), query)
    elif page == "report":
        from widgets.report_editor import ReportEditor

        _show(w.VBox([bar, w.HTML(home), _header("季度研判分析报告", "信访工作簿 · 办公服务"),
                      ReportEditor(branch=branch, script=script)]), query)
    elif page == "warnings":
        from widgets.warning_list import WarningList

        _show(w.VBox([bar, w.HTML(home), _header("预警", "信访工作簿 · 办公服务"), WarningList()]), query)
    elif page in ("risks", "plans"):
        from widgets.ledger_views import PlanList, RiskLedger
        from xinfang import forms

        visit = roles.may_open(account.role, "forms") and "yirenyice_huifang" in forms.served_on("office")
        title, view = (("不稳定因素排查台账", RiskLedger(actor=signed_in.actor)) if page == "risks" else
                       ("一人一策", PlanList(visit_link=f"?form=yirenyice_huifang{lang}&plan=" if visit else None)))
        _show(w.VBox([bar, w.HTML(home), _header(title, "信访工作簿 · 办公服务"), view]), query)
    elif page == "case":
        from widgets.case_page import CasePage

        _show(w.VBox([bar, w.HTML(f'<a href="?page=cases{html.escape(lang)}">← 返回案件列表</a>'),
                      CasePage(int(query["id"]), actor=signed_in.actor)]), query)
    elif page == "forms":
        # a link may choose answers (?form=yirenyice_huifang&plan=12: the 一人一策 list's 记录回访)
        chosen = {k: v for k, v in query.items() if k not in {"form", "page", "lang", "id"}}
        _show(w.VBox([bar, _form("office", query["form"], language, f"?{lang}", chosen)]), query)
    else:
        items = [item for item in OFFICE_MENU if roles.may_open(account.role, item[0].split("=", 1)[1])]
        if roles.may_open(account.role, "forms"):
            items += _form_items("office")
        if roles.may_open(account.role, "overview"):
            top = _counts_page("信访工作簿 · 办公服务", "当前数据概况：")
        else:
            top = _header("信访工作簿 · 办公服务", f"本支部：{branch}" if branch else "请选择：")
        _show(w.VBox([bar, top, _menu(items, lang)]), query)
