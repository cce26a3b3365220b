"""Widgets without a browser: set values, click, read what the user would see."""

import datetime as dt

from widgets.progress_lookup import ProgressLookup
from xinfang.cases import NewCase, register_case
from xinfang.storage import db


def test_progress_lookup_shows_status_and_escapes(use_db):
    with db.session() as s:
        register_case(s, NewCase(text="x", received_on=dt.date(2026, 9, 1), channel="来访", intake_mode="匿名",
                                 query_code="ABCD-EFGH-JKMN"))
    view = ProgressLookup()
    view.code.value = "abcd-efgh-jkmn"
    view.button.click()
    assert 'data-testid="progress-status">登记<' in view.result.value
    view.code.value = "<script>alert(1)</script>"
    view.button.click()
    assert "查询码应为 12 位" in view.result.value and "<script>" not in view.result.value
    view.code.value = "ZZZZ-ZZZZ-ZZZZ"
    view.button.click()
    assert "没有找到" in view.result.value
