"""Office accounts: Argon2 password hashes, account rules, sign-in sessions and their expiry, throttling."""

import datetime as dt

import pytest
import sqlalchemy as sa

from xinfang import accounts
from xinfang.errors import ValidationError, message
from xinfang.storage import db
from xinfang.storage.models import OrgUnit, User, UserSession

T0 = dt.datetime(2026, 11, 20, 9, 0)


def test_password_hash_is_salted_argon2id_and_verifies():
    first = accounts.hash_password("煤矿-信访-2026")
    second = accounts.hash_password("煤矿-信访-2026")
    assert first.startswith("$argon2id$") and first != second  # a new salt each time
    assert "煤矿" not in first and "2026" not in first.split("$")[-1]
    assert accounts.verify_password(first, "煤矿-信访-2026")
    assert not accounts.verify_password(first, "煤矿-信访-2025")
    assert not accounts.verify_password(None, "煤矿-信访-2026")  # an account without a password
    assert not accounts.verify_password("not a hash", "煤矿-信访-2026")


@pytest.mark.parametrize("password", ["short", "", "ganbu123"])
def test_weak_password__error(password):
    with pytest.raises(ValidationError) as info:
        accounts.hash_password(password, username="ganbu123")
    assert info.value.zh == message("user.weak_password", min=accounts.MIN_PASSWORD)


def test_generated_passwords_are_strong_and_different():
    made = {accounts.generate_password() for _ in range(50)}
    assert len(made) == 50
    for password in made:
        accounts.check_strength(password)


@pytest.fixture
def branches(use_db):
    with db.session() as s:
        s.add_all([OrgUnit(name="综采党支部", kind="党支部"), OrgUnit(name="掘进党支部", kind="党支部")])
    return ["综采党支部", "掘进党支部"]


def _error(code, **params):
    return message(code, **params)


@pytest.mark.parametrize("args,code,params", [
    (("li si", "李四", "信访干部", None), "user.bad_username", {"user": "li si"}),
    (("lisi", "李四", "管理员", None), "user.bad_role", {"role": "管理员", "known": "主任、信访干部、支部书记、填报"}),
    (("lisi", "李四", "支部书记", None), "user.branch_required", {"known": "综采党支部、掘进党支部"}),
    (("lisi", "李四", "信访干部", "综采党支部"), "user.branch_not_allowed", {"role": "信访干部"}),
    (("lisi", "李四", "支部书记", "洗选党支部"), "user.unknown_branch",
     {"branch": "洗选党支部", "known": "综采党支部、掘进党支部"}),
])
def test_bad_account__error(branches, args, code, params):
    username, name, role, branch = args
    with pytest.raises(ValidationError) as info, db.session() as s:
        accounts.add_user(s, username, name, role, branch=branch, password="a-good-password")
    assert info.value.code == code and info.value.zh == _error(code, **params)
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_accounts_listed_duplicates_refused(branches):
    with db.session() as s:
        a = accounts.add_user(s, "zhangsan", "张三", "支部书记", branch="掘进党支部", password="a-good-password")
        accounts.add_user(s, "lisi", "李四", "信访干部")
    assert (a.role, a.branch, a.label) == ("支部书记", "掘进党支部", "张三（zhangsan）")
    with pytest.raises(ValidationError) as info, db.session() as s:
        accounts.add_user(s, "zhangsan", "另一个张三", "信访干部")
    assert info.value.code == "user.exists"
    with db.session() as s:
        listed = accounts.list_users(s)
        stored = s.scalar(sa.select(User.password_hash).where(User.username == "zhangsan"))
    assert [(u["username"], u["branch"], u["has_password"], u["active"]) for u in listed] == [
        ("zhangsan", "掘进党支部", True, True), ("lisi", None, False, True)]
    assert stored.startswith("$argon2id$") and "a-good-password" not in stored


def test_sign_in_needs_the_right_password_and_an_active_account(branches):
    with db.session() as s:
        accounts.add_user(s, "lisi", "李四", "信访干部", password="a-good-password")
        accounts.add_user(s, "nopass", "未设密码", "信访干部")
    with db.session() as s:
        assert accounts.authenticate(s, "lisi", "a-good-password").username == "lisi"
    for username, password in [("lisi", "a-bad-password"), ("nobody", "a-good-password"), ("nopass", "")]:
        with pytest.raises(ValidationError) as info, db.session() as s:
            accounts.authenticate(s, username, password)
        assert info.value.zh == message("auth.bad_credentials")  # the same words whatever was wrong
    with db.session() as s:
        accounts.set_active(s, "lisi", False)
    with pytest.raises(ValidationError), db.session() as s:
        accounts.authenticate(s, "lisi", "a-good-password")


def test_session_stores_only_a_hash_of_the_token_and_ends_at_sign_out(branches):
    with db.session() as s:
        account = accounts.add_user(s, "lisi", "李四", "信访干部", password="a-good-password")
        token = accounts.start_session(s, account)
    sid = accounts.session_id(token)
    with db.session() as s:
        rows = s.execute(sa.select(UserSession.key_hash, UserSession.user_id)).all()
        assert rows == [(sid, account.id)] and token not in sid
        assert accounts.session_account(s, sid) == account
        assert accounts.session_account(s, token) is None  # the token itself opens nothing
        assert accounts.session_account(s, "0" * 64) is None
        accounts.end_session(s, sid)
    with db.session() as s:
        assert accounts.session_account(s, sid) is None


def test_session_expires_when_idle_and_at_its_longest(branches, monkeypatch):
    monkeypatch.setenv("XINFANG_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("XINFANG_SESSION_MAX_HOURS", "2")
    from xinfang import config

    config.reset()
    with db.session() as s:
        account = accounts.add_user(s, "lisi", "李四", "信访干部", password="a-good-password")
        sid = accounts.session_id(accounts.start_session(s, account, now=T0))
    minutes = lambda m: T0 + dt.timedelta(minutes=m)  # noqa: E731
    with db.session() as s:
        assert accounts.session_account(s, sid, now=minutes(29)) == account  # activity: idle clock restarts
        assert accounts.session_account(s, sid, now=minutes(58)) == account
        assert accounts.session_account(s, sid, now=minutes(89)) is None  # 31 minutes without activity
    with db.session() as s:
        sid = accounts.session_id(accounts.start_session(s, account, now=T0))
    with db.session() as s:
        for m in range(20, 121, 20):  # busy all the time …
            assert accounts.session_account(s, sid, now=minutes(m)) == account
        assert accounts.session_account(s, sid, now=minutes(121)) is None  # … but no longer than 2 hours
    with db.session() as s:  # a new sign-in clears sessions that can no longer be used
        accounts.start_session(s, account, now=minutes(200))
        assert s.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 1


def test_new_password_or_disabled_account_ends_its_sessions(branches):
    with db.session() as s:
        a = accounts.add_user(s, "lisi", "李四", "信访干部", password="a-good-password")
        b = accounts.add_user(s, "wangwu", "王五", "信访干部", password="a-good-password")
        sid_a = accounts.session_id(accounts.start_session(s, a))
        sid_b = accounts.session_id(accounts.start_session(s, b))
    with db.session() as s:
        accounts.set_password(s, "lisi", "another-password")
        accounts.set_active(s, "wangwu", False)
    with db.session() as s:
        assert accounts.session_account(s, sid_a) is None and accounts.session_account(s, sid_b) is None
        assert accounts.authenticate(s, "lisi", "another-password") == a
        accounts.set_active(s, "wangwu", True)
        assert accounts.session_account(s, sid_b) is None  # re-enabling does not revive old sign-ins


def test_throttle_slows_password_guessing():
    now = [1000.0]
    throttle = accounts.LoginThrottle(limit=3, window=600, clock=lambda: now[0])
    for _ in range(3):
        throttle.check("LiSi")
        throttle.failed("lisi")
    with pytest.raises(ValidationError) as info:
        throttle.check("lisi ")
    assert info.value.zh == message("auth.throttled", minutes=10)
    throttle.check("wangwu")  # other names are not affected
    now[0] += 601
    throttle.check("lisi")
    throttle.failed("lisi")
    throttle.succeeded("lisi")
    throttle.check("lisi")


def test_label_fits_the_columns_that_record_it():
    long = accounts.Account(1, "a" * 30, "名" * 60, "信访干部")
    assert len(long.label) <= 60 and long.label.endswith("（" + "a" * 30 + "）")
