"""Office user accounts, passwords and sign-in sessions (DESIGN.md §9).

- Passwords are hashed with Argon2id by argon2-cffi (its default parameters, RFC 9106); a hash made
  with older parameters is replaced at the next successful sign-in. Nothing here ever logs a password.
- A sign-in starts a session: a random token goes to the browser (in a cookie) and only its SHA-256,
  the *session id*, is stored. A session ends at sign-out, when its user is disabled or given a new
  password, after ``session_idle_minutes`` without activity, and ``session_max_hours`` after sign-in.
- The office server hands the page's kernel the session id (never the token); the kernel asks
  ``session_account`` whom it works for, again before every action that writes or reads identity.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass
from functools import cache

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from xinfang.errors import ValidationError

# The office server passes the session id to a page's kernel as this request header, which Voila turns
# into the kernel's environment variable KERNEL_ENV (VoilaConfiguration.http_header_envs).
SESSION_HEADER = "X-Xinfang-Session"
KERNEL_ENV = "HTTP_X_XINFANG_SESSION"
USERNAME = re.compile(r"[A-Za-z0-9._-]{2,30}")
MIN_PASSWORD = 8
TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen is written at most this often per session


@dataclass(frozen=True)
class Account:
    """A signed-in (or signing-in) office user as the pages see it."""

    id: int
    username: str
    display_name: str
    role: str
    branch: str | None = None

    @property
    def label(self) -> str:
        """How the audit log and case timelines name the user: display name and user name, within the
        60 characters those columns hold (the user name is kept whole)."""
        return f"{self.display_name[:max(1, 58 - len(self.username))]}（{self.username}）"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@cache
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the user name is unknown, so both cases take the same time."""
    return _hasher().hash(secrets.token_urlsafe(16))


def check_strength(password: str, username: str = "") -> None:
    if len(password or "") < MIN_PASSWORD or password.strip().lower() == username.strip().lower():
        raise ValidationError("user.weak_password", min=MIN_PASSWORD)


def hash_password(password: str, username: str = "") -> str:
    check_strength(password, username)
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash or _dummy_hash(), password or "") and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password that reads well aloud and on paper: four groups of four, no look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


# -- accounts -----------------------------------------------------------------------------------


def _branches(session: Session) -> dict[str, int]:
    from xinfang.storage.models import OrgUnit

    rows = session.execute(select(OrgUnit.name, OrgUnit.id).where(OrgUnit.kind == "党支部").order_by(OrgUnit.id))
    return {name: unit_id for name, unit_id in rows}


def _account(session: Session, user) -> Account:
    from xinfang.storage.models import OrgUnit

    branch = session.get(OrgUnit, user.branch_id).name if user.branch_id else None
    return Account(user.id, user.username, user.display_name, user.role, branch)


def find_user(session: Session, username: str):
    from xinfang.storage.models import User

    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise ValidationError("user.not_found", user=username)
    return user


def check_new_user(session: Session, username: str, role: str, branch: str | None = None) -> dict[str, int]:
    """Refuse a bad user name, a taken one, an unknown role, or a branch that does not fit the role;
    returns the branches by name."""
    from xinfang import roles
    from xinfang.storage.models import User

    username = (username or "").strip()
    if not USERNAME.fullmatch(username):
        raise ValidationError("user.bad_username", user=username)
    scope = roles.rule(role).scope
    branches = _branches(session)
    if scope == "branch" and not branch:
        raise ValidationError("user.branch_required", known="、".join(branches) or "（无）")
    if scope != "branch" and branch:
        raise ValidationError("user.branch_not_allowed", role=role)
    if branch and branch not in branches:
        raise ValidationError("user.unknown_branch", branch=branch, known="、".join(branches) or "（无）")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationError("user.exists", user=username)
    return branches


def add_user(session: Session, username: str, display_name: str, role: str, *, branch: str | None = None,
             password: str | None = None) -> Account:
    """Create an account. A 支部书记 needs their 党支部; other roles see the whole mine and have none.
    Without a password the account exists but cannot sign in until ``set_password``."""
    from xinfang.storage.models import User

    branches = check_new_user(session, username, role, branch)
    username, display_name = username.strip(), (display_name or "").strip() or username.strip()
    user = User(username=username, display_name=display_name[:60], role=role,
                branch_id=branches.get(branch) if branch else None,
                password_hash=hash_password(password, username) if password is not None else None, active=True)
    session.add(user)
    session.flush()
    return _account(session, user)


def list_users(session: Session) -> list[dict]:
    from xinfang.storage.models import OrgUnit, User

    rows = session.execute(select(User, OrgUnit.name).outerjoin(OrgUnit, OrgUnit.id == User.branch_id)
                           .order_by(User.id)).all()
    return [{"username": u.username, "display_name": u.display_name, "role": u.role, "branch": branch,
             "active": bool(u.active), "has_password": bool(u.password_hash)} for u, branch in rows]


def set_password(session: Session, username: str, password: str) -> None:
    """Give a user a new password; their open sessions end."""
    user = find_user(session, username)
    user.password_hash = hash_password(password, user.username)
    end_sessions(session, user.id)


def set_active(session: Session, username: str, active: bool) -> None:
    """Disable (sessions end at once) or re-enable an account. Accounts are never deleted: the audit
    log and case timelines name them."""
    user = find_user(session, username)
    user.active = bool(active)
    if not active:
        end_sessions(session, user.id)


def authenticate(session: Session, username: str, password: str) -> Account:
    """The account for a correct user name and password of an active user; ``auth.bad_credentials``
    otherwise (the same message whether the name, the password or the account's state was wrong)."""
    from xinfang.storage.models import User

    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    stored = user.password_hash if user is not None else None
    if not verify_password(stored, password) or user is None or not user.active:
        raise ValidationError("auth.bad_credentials")
    if _hasher().check_needs_rehash(stored):
        user.password_hash = _hasher().hash(password)
    return _account(session, user)


# -- sessions -----------------------------------------------------------------------------------


def session_id(token: str) -> str:
    """The stored id of a session: SHA-256 of the browser's token (the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _limits() -> tuple[dt.timedelta, dt.timedelta]:
    from xinfang.config import settings

    cfg = settings()
    return dt.timedelta(minutes=int(cfg["session_idle_minutes"])), dt.timedelta(hours=int(cfg["session_max_hours"]))


def start_session(session: Session, account: Account, now: dt.datetime | None = None) -> str:
    """Start a session for ``account``; returns the token for the browser's cookie. Sessions that
    have ended or expired are removed on the way."""
    from xinfang.storage.models import UserSession

    now = now or _now()
    idle, longest = _limits()
    session.execute(delete(UserSession).where(
        (UserSession.ended_at.is_not(None)) | (UserSession.started_at < now - longest)
        | (UserSession.last_seen < now - idle)))
    token = secrets.token_urlsafe(32)
    session.add(UserSession(key_hash=session_id(token), user_id=account.id, started_at=now, last_seen=now))
    session.flush()
    return token


def session_account(session: Session, sid: str | None, *, now: dt.datetime | None = None,
                    touch: bool = True) -> Account | None:
    """The account a live session belongs to, or None when the session is unknown, ended, idle too long,
    too old, or its user disabled. ``touch`` records activity (at most once a minute)."""
    from xinfang.storage.models import User, UserSession

    if not sid:
        return None
    now = now or _now()
    idle, longest = _limits()
    row = session.execute(select(UserSession, User).join(User, User.id == UserSession.user_id)
                          .where(UserSession.key_hash == sid)).first()
    if row is None:
        return None
    live, user = row
    if (live.ended_at is not None or not user.active or now - live.started_at > longest
            or now - live.last_seen > idle):
        return None
    if touch and now - live.last_seen >= TOUCH_EVERY:
        live.last_seen = now
    return _account(session, user)


def end_session(session: Session, sid: str | None, now: dt.datetime | None = None) -> None:
    """Sign-out: the session can no longer be used, by the browser or by its page's kernel."""
    from xinfang.storage.models import UserSession

    if sid:
        session.execute(update(UserSession).where(UserSession.key_hash == sid, UserSession.ended_at.is_(None))
                        .values(ended_at=now or _now()))


def end_sessions(session: Session, user_id: int, now: dt.datetime | None = None) -> None:
    from xinfang.storage.models import UserSession

    session.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                    .values(ended_at=now or _now()))


class LoginThrottle:
    """Failed sign-ins per user name, kept in the server's memory: after ``limit`` failures within
    ``window`` seconds, that name is refused until the oldest failure leaves the window. Slows
    password guessing without telling anyone which names exist."""

    def __init__(self, limit: int = 5, window: float = 900.0, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(key, []) if now - t < self.window]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def check(self, username: str) -> None:
        key, now = (username or "").strip().lower(), self.clock()
        with self._lock:
            times = self._recent(key, now)
        if len(times) >= self.limit:
            wait = self.window - (now - times[0])
            raise ValidationError("auth.throttled", minutes=max(1, int(-(-wait // 60))))

    def failed(self, username: str) -> None:
        key, now = (username or "").strip().lower(), self.clock()
        with self._lock:
            self._failures[key] = [*self._recent(key, now), now]
            if len(self._failures) > 10_000:  # a flood of made-up names: forget the oldest
                for old in sorted(self._failures, key=lambda k: self._failures[k][-1])[:5_000]:
                    del self._failures[old]

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop((username or "").strip().lower(), None)


__all__ = ["KERNEL_ENV", "SESSION_HEADER", "Account", "LoginThrottle", "add_user", "authenticate", "check_new_user",
           "check_strength",
           "end_session", "end_sessions", "find_user", "generate_password", "hash_password", "list_users",
           "session_account", "session_id", "set_active", "set_password", "start_session", "verify_password"]
