"""查询码 lookups: own case only, no identity, no internal notes, throttled without addresses."""

import dataclasses
import datetime as dt

import pytest

from xinfang import lifecycle, lookup
from xinfang.cases import NewCase, register_case
from xinfang.errors import ValidationError
from xinfang.storage import db
from xinfang.storage.models import OrgUnit

D = dt.date
NOW = dt.datetime(2026, 11, 20, 10, 30, 15)


@pytest.fixture
def code(use_db):
    with db.session() as s:
        s.add(OrgUnit(name="更新队", kind="区队", headcount=68))
        s.flush()
        reg = register_case(s, NewCase(text="精益奖金分配差距比较大", received_on=D(2026, 9, 1), channel="来访",
                                       intake_mode="保密", unit="更新队", identity={"name": "赵铁柱", "phone": "13900000000"},
                                       query_code="ABCD-EFGH-JKMN"))
        other = register_case(s, NewCase(text="另一件事", received_on=D(2026, 9, 2), channel="来访", intake_mode="匿名"))
        for action, on, details, note in [
            ("受理", D(2026, 9, 2), {}, None),
            ("交办", D(2026, 9, 3), {"to_whom": "更新队"}, "请队长王某某核实"),
            ("答复", D(2026, 9, 20), {"outcome": "支持"}, "已按新办法重新核算二次分配"),
        ]:
            lifecycle.apply(s, reg.case_id, action, on=on, note=note, today=D(2026, 11, 20), **details)
        assert other.query_code != reg.query_code
    return reg.query_code


def test_lookup_shows_progress_without_identity_or_internal_notes(code):
    p = lookup.check_progress(" abcd efgh-jkmn ", NOW)
    assert p.status == "已答复" and p.outcome == "支持"
    assert [s.label for s in p.steps] == ["已登记", "已受理", "已出具处理意见"]
    assert p.reply == "已按新办法重新核算二次分配"
    text = repr(dataclasses.asdict(p))
    for secret in ("赵铁柱", "13900000000", "王某某", "另一件事", "精益奖金"):
        assert secret not in text


def test_unknown_code_is_counted_and_throttles__error(code):
    for i in range(lookup.MAX_FAILURES_PER_MINUTE):
        with pytest.raises(ValidationError) as info:
            lookup.check_progress(f"ZZZZ-ZZZZ-{i:04d}", NOW)
        assert info.value.code == "lookup.not_found"
    with db.session() as s:
        assert lookup.failures_this_minute(s, NOW) == lookup.MAX_FAILURES_PER_MINUTE
    with pytest.raises(ValidationError) as info:
        lookup.check_progress(code, NOW + dt.timedelta(seconds=20))  # even the right code waits
    assert info.value.code == "lookup.throttled"
    assert lookup.check_progress(code, NOW + dt.timedelta(minutes=1)).status == "已答复"


@pytest.mark.parametrize("bad", ["", "123", "ABCD-EFGH-JKMN-PQRS", None])
def test_malformed_code_is_refused_without_counting__error(code, bad):
    with pytest.raises(ValidationError) as info:
        lookup.check_progress(bad, NOW)
    assert info.value.code == "lookup.bad_code"
    with db.session() as s:
        assert lookup.failures_this_minute(s, NOW) == 0
