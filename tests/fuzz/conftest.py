"""Property-based tests (hypothesis) of everything that reads input from outside: never an unexpected
exception, only the project's typed errors (``xinfang.errors.XinfangError`` and its subclasses).

Profiles, chosen by ``XINFANG_TEST_PROFILE``:

* ``ci`` (default): a few hundred examples per property, the whole of tests/fuzz in a few minutes;
* ``soak``: 10,000 examples per property (run it overnight or before a release).

Every call of a target goes through :func:`attempt`, which counts what happened: accepted, refused
with a typed error (by catalogue code), or an unexpected exception (re-raised, so hypothesis shrinks
it to a minimal example and the test fails). The terminal summary prints the counts per target.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, settings

from xinfang import forms
from xinfang.errors import XinfangError
from xinfang.storage import db
from xinfang.storage.models import FollowUpPlan, OrgUnit

PROFILES = {"ci": 200, "soak": 10_000}
PROFILE = os.environ.get("XINFANG_TEST_PROFILE", "").strip().lower() or "ci"
if PROFILE == "default":
    PROFILE = "ci"
if PROFILE not in PROFILES:
    raise pytest.UsageError(f"XINFANG_TEST_PROFILE={PROFILE!r}: expected one of {', '.join(PROFILES)}")

for _name, _examples in PROFILES.items():
    settings.register_profile(
        _name,
        max_examples=_examples,
        deadline=None,  # a shared 2-core machine: timings are not part of any property
        database=None,  # nothing written into the working tree; failures print their example and blob
        print_blob=True,
        # The storage fixtures are per test function on purpose: every example of a property writes
        # into the same database, as a long-running server would.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
settings.load_profile(PROFILE)


def pytest_configure(config):
    # hostile inputs are large on purpose (100,000-character cells, 3,000 nested brackets)
    config.addinivalue_line("filterwarnings", "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning")


def examples(share: float = 1.0) -> int:
    """Examples for a property that is a part of a target (e.g. one of four file generators of an
    importer), so the target as a whole gets the profile's number."""
    return max(10, math.ceil(PROFILES[PROFILE] * share))


@dataclass
class Tally:
    tried: int = 0
    accepted: int = 0
    typed: Counter = field(default_factory=Counter)  # catalogue code → count
    unexpected: Counter = field(default_factory=Counter)  # "Type at file:line" → count

    @property
    def typed_total(self) -> int:
        return sum(self.typed.values())

    @property
    def unexpected_total(self) -> int:
        return sum(self.unexpected.values())


TALLIES: dict[str, Tally] = {}
T = TypeVar("T")


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if "/xinfang/" in f.filename] or frames
    last = inside[-1] if inside else None
    place = f"{last.filename.rsplit('/', 2)[-2]}/{last.filename.rsplit('/', 1)[-1]}:{last.lineno}" if last else "?"
    return f"{type(exc).__module__}.{type(exc).__name__} at {place}"


def attempt(target: str, fn: Callable[..., T], *args, **kwargs) -> T | XinfangError:
    """Call ``fn``; count the outcome under ``target``. A typed error is returned (for checks on its
    message); any other exception is counted and re-raised."""
    tally = TALLIES.setdefault(target, Tally())
    tally.tried += 1
    try:
        result = fn(*args, **kwargs)
    except XinfangError as exc:
        tally.typed[exc.code] += 1
        return exc
    except Exception as exc:
        tally.unexpected[_where(exc)] += 1
        raise
    tally.accepted += 1
    return result


def check_typed(exc: XinfangError) -> None:
    """A typed error a user can read: a Chinese message from the catalogue, no Python repr leaking."""
    text = exc.zh
    assert text and any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    assert "Traceback" not in text


SHIPPED = tuple(forms.available())


@cache
def spec(key: str):
    """A shipped form, read from survey_forms/ (not through the run folder's cache)."""
    return forms.load(forms.FORMS_DIR / f"{key}.xlsx")


@pytest.fixture
def mine(use_db):
    """A migrated database (SQLite and PostgreSQL) with the forms' units and one 一人一策 plan."""
    names = {c.name for key in SHIPPED for f in spec(key).walk() if f.target and f.target.endswith(".unit")
             for c in f.choices}
    with db.session(use_db) as s:
        for name in sorted(names):
            s.add(OrgUnit(name=name, kind="区队", headcount=80))
        s.add(FollowUpPlan(concern="工伤后待遇问题", started_on=dt.date(2026, 9, 1)))
    return use_db


def pytest_terminal_summary(terminalreporter):
    """The figures of the fuzz run: inputs tried per target, typed errors, unexpected exceptions."""
    if not TALLIES:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"fuzz figures (hypothesis profile {PROFILE}: {PROFILES[PROFILE]:,} examples per property)")
    width = max(len(t) for t in TALLIES)
    write(f"{'target':<{width}}  {'tried':>8}  {'accepted':>8}  {'typed errors':>12}  {'unexpected':>10}")
    for name in sorted(TALLIES):
        t = TALLIES[name]
        write(f"{name:<{width}}  {t.tried:>8,}  {t.accepted:>8,}  {t.typed_total:>12,}  {t.unexpected_total:>10,}")
        if t.typed:
            codes = ", ".join(f"{code} {n:,}" for code, n in t.typed.most_common(6))
            more = len(t.typed) - 6
            write(f"{'':<{width}}    typed: {codes}" + (f" (+{more} more codes)" if more > 0 else ""))
        for where, n in t.unexpected.most_common():
            write(f"{'':<{width}}    UNEXPECTED {n:,}× {where}")
    tried = sum(t.tried for t in TALLIES.values())
    typed = sum(t.typed_total for t in TALLIES.values())
    unexpected = sum(t.unexpected_total for t in TALLIES.values())
    write(f"fuzz total: {tried:,} inputs tried, {typed:,} typed errors (XinfangError), "
          f"{unexpected:,} unexpected exceptions")
