"""查询码 lookups: own case only, no identity, no internal notes, throttled without addresses."""

import dataclasses
import datetime as dt
import math

import pytest
import sqlalchemy as sa

from xinfang import lifecycle, lookup
from xinfang.cases import NewCase, register_case
from xinfang.errors import ValidationError, message
from xinfang.storage import db
from xinfang.storage.models import LookupThrottle, OrgUnit

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


# -- resisting guesses ------------------------------------------------------------------------------

def test_query_codes_are_random_over_an_unambiguous_alphabet():
    """12 symbols drawn by ``secrets`` from 31 that cannot be misread (no 0/O, 1/I/L): every symbol
    occurs at every position, no code repeats, none follows from the one before."""
    from xinfang.cases import _CODE_ALPHABET, new_query_code, normalize_query_code

    assert len(set(_CODE_ALPHABET)) == 31 and not set("01OIL") & set(_CODE_ALPHABET)
    codes = [normalize_query_code(new_query_code()) for _ in range(3000)]
    assert len(set(codes)) == len(codes)
    assert {len(c) for c in codes} == {12}
    for position in range(12):
        # each of the 31 symbols is missing at a position with probability ≈ 31·(30/31)^3000 ≈ 1e-41
        assert {c[position] for c in codes} == set(_CODE_ALPHABET), position
    # consecutive codes share no more symbols in place than chance (12/31 ≈ 0.39 on average)
    same = sum(a == b for x, y in zip(codes, codes[1:], strict=False) for a, b in zip(x, y, strict=True))
    same /= len(codes) - 1
    assert same < 1.0


def test_guessing_a_code_takes_longer_than_any_case_is_kept():
    """With the throttle, a guesser working day and night needs on average far longer than a century to
    hit any of a million cases' codes (the figures come from the library's own constants)."""
    from xinfang.cases import _CODE_ALPHABET, _CODE_LENGTH

    codes = len(_CODE_ALPHABET) ** _CODE_LENGTH
    assert math.log2(codes) >= 59
    guesses_per_year = lookup.MAX_FAILURES_PER_MINUTE * 60 * 24 * 366
    years_to_hit_one_of_a_million = codes / 1_000_000 / guesses_per_year
    assert years_to_hit_one_of_a_million > 10_000  # ≈ 50,000 years with the shipped constants


def test_a_near_miss_finds_nothing_and_counts_as_a_failure__error(code):
    """Only the whole code opens a case: one symbol changed (in any place) is an unknown code."""
    from xinfang.cases import _CODE_ALPHABET, normalize_query_code

    issued = normalize_query_code(code)
    for position in (0, 5, 11):
        other = next(ch for ch in _CODE_ALPHABET if ch != issued[position])
        wrong = issued[:position] + other + issued[position + 1:]
        with pytest.raises(ValidationError) as info:
            lookup.check_progress(wrong, NOW)
        assert info.value.code == "lookup.not_found"
    with db.session() as s:
        assert lookup.failures_this_minute(s, NOW) == 3


def test_throttle_is_shared_by_every_caller_and_says_nothing_about_the_code__error(code):
    """The count is per server, not per address: past the limit a right code and a wrong one get the
    same answer, so a guesser learns nothing while throttled; the count is not kept per code either."""
    for i in range(lookup.MAX_FAILURES_PER_MINUTE):
        with pytest.raises(ValidationError):
            lookup.check_progress(f"YYYY-YYYY-{i:04d}", NOW)
    answers = set()
    for attempt in (code, "ZZZZ-ZZZZ-ZZZZ"):
        with pytest.raises(ValidationError) as info:
            lookup.check_progress(attempt, NOW + dt.timedelta(seconds=30))
        answers.add((info.value.code, info.value.zh))
    assert answers == {("lookup.throttled", message("lookup.throttled"))}
    with db.session() as s:  # throttled attempts are not counted again, and nothing names a code
        assert lookup.failures_this_minute(s, NOW) == lookup.MAX_FAILURES_PER_MINUTE
        stored = " ".join(str(v) for row in s.execute(sa.select(LookupThrottle)).all() for v in row)
    assert "ZZZZ" not in stored and "YYYY" not in stored
