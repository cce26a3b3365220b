"""Sign-in for the office server, built on Jupyter Server's identity-provider API (DESIGN.md §8, §9).

Voila 0.5 runs on Jupyter Server 2: every Jupyter handler (the page, ``/api/kernels/…``, the kernel
websocket, Voila's shutdown API) asks ``identity_provider.get_user(handler)`` in ``prepare()`` and
redirects to ``/login`` (pages) or answers 403 (APIs, websockets) when it returns None. So the office
server needs only this module, named in its ``voila.py``:

- ``OfficeIdentityProvider``: the user is the account of a live sign-in session (xinfang.accounts).
  The login cookie holds the session's random token (signed by Tornado); the database holds its hash.
  It also hands the page's kernel the session id: it replaces any ``X-Xinfang-Session`` header the
  client sent with the session id, and Voila copies that header into the kernel's environment
  (``VoilaConfiguration.http_header_envs``) — so the kernel knows whom it works for, and a client
  cannot choose.
- Preheated kernels (``office_pool_size``): a pooled kernel starts before anyone has signed in and
  learns its request, session id included, over Voila's ``/voila/query/<kernel id>`` websocket, which
  Voila leaves open to anyone. ``install_request_channel`` replaces that handler with
  ``KernelOnlyRequestInfo``: it answers only a client presenting this server's kernel key (a random
  secret the server puts in its own environment at start, which its kernels inherit and nobody else
  sees), and it records which session each pooled kernel was handed to (``CLAIMS``).
- ``OfficeLoginHandler`` / ``OfficeLogoutHandler``: the Chinese sign-in page (``login.html.j2`` of
  the xinfang Voila template, no external files) and sign-out, which ends the session in the database.
- ``OwnedKernelManager`` + ``OfficeAuthorizer``: a kernel may be reached only with the session that
  started it (or, for a pooled kernel, the session whose request it was handed to), so a kernel id
  seen elsewhere opens nothing.

Static files (Voila's and the widgets' JavaScript and CSS, the same files as in the installed packages)
stay public as in Jupyter Server itself; they hold no data.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.auth.login import LoginFormHandler
from jupyter_server.auth.logout import LogoutHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import default

from xinfang import accounts
from xinfang.errors import XinfangError
from xinfang.script import markup_to_script, script_of, switch_markup
from xinfang.storage import db

TEMPLATES = Path(__file__).resolve().parent.parent / "jupyter" / "voila" / "templates" / "xinfang"
NOTICE_COOKIE = "xinfang-notice"  # tells the sign-in page why it is shown (session expired)
THROTTLE = accounts.LoginThrottle()


@dataclass
class OfficeUser(User):
    role: str = ""
    branch: str | None = None
    session_id: str = field(default="", repr=False)
    token: str = field(default="", repr=False)  # only while signing in: goes into the cookie


@cache
def _template(name: str):
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    return env.get_template(name)


def _office_user(account: accounts.Account, sid: str, token: str = "") -> OfficeUser:
    return OfficeUser(username=account.username, name=account.display_name, display_name=account.display_name,
                      role=account.role, branch=account.branch, session_id=sid, token=token)


class OfficeIdentityProvider(IdentityProvider):
    """Users are office accounts with a live sign-in session (xinfang.accounts)."""

    @default("cookie_options")
    def _cookie_options_default(self):
        # A browser-session cookie (gone when the browser closes), never sent by other sites' requests.
        return {"expires_days": None, "samesite": "Lax"}

    @default("token")
    def _token_default(self):
        return ""  # no shared token: only accounts sign in

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    def get_cookie_name(self, handler) -> str:
        port = handler.request.host.rpartition(":")[2] if ":" in handler.request.host else "80"
        return f"xinfang-office-{port if port.isdigit() else 'x'}"

    def get_handlers(self) -> list:
        return [(r"/login", OfficeLoginHandler), (r"/logout", OfficeLogoutHandler)]

    def identity_model(self, user: User) -> dict:
        model = asdict(user)
        model.pop("token", None)
        model.pop("session_id", None)
        return model

    def user_to_cookie(self, user: User) -> str:
        return user.token  # type: ignore[attr-defined]

    def get_user(self, handler) -> OfficeUser | None:
        cached = getattr(handler, "_jupyter_current_user", None)
        if cached:
            return cached
        headers = handler.request.headers
        if accounts.SESSION_HEADER in headers:
            del headers[accounts.SESSION_HEADER]  # only the server says which session a kernel serves
        raw = handler.get_secure_cookie(self.get_cookie_name(handler), **self.get_secure_cookie_kwargs)
        if not raw:
            return None
        sid = accounts.session_id(raw.decode("utf-8", "replace"))
        with db.session() as s:
            account = accounts.session_account(s, sid)
        if account is None:
            self.clear_login_cookie(handler)
            handler.set_cookie(NOTICE_COOKIE, "expired", path=handler.base_url, httponly=True, samesite="Lax")
            return None
        headers[accounts.SESSION_HEADER] = sid
        return _office_user(account, sid)

    def sign_in(self, username: str, password: str) -> OfficeUser:
        """Check the password (slow by design: run it off the event loop) and start a session."""
        THROTTLE.check(username)
        try:
            with db.session() as s:
                account = accounts.authenticate(s, username, password)
                token = accounts.start_session(s, account)
        except XinfangError:
            THROTTLE.failed(username)
            raise
        THROTTLE.succeeded(username)
        self.log.info("signed in: %s (%s)", account.username, account.role)
        return _office_user(account, accounts.session_id(token), token)

    def validate_security(self, app, ssl_options=None) -> None:
        if not app.ip:
            app.log.warning("The office server listens on all addresses without encryption: put it behind "
                            "an HTTPS proxy when it is reachable beyond this machine.")


class _SignInPage:
    def _page(self, *, error: str = "", info: str = "", username: str = "", status: int = 200) -> None:
        notice = self.get_cookie(NOTICE_COOKIE)
        if notice:
            self.clear_cookie(NOTICE_COOKIE, path=self.base_url)
            if not error and not info:
                info = "登录已过期或已在别处退出，请重新登录。"
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        # The servers send "Referrer-Policy: no-referrer", under which a browser posts a form with
        # "Origin: null" and Jupyter Server refuses it as cross-origin. The sign-in page lets its own
        # origin be named, to itself only.
        self.set_header("Referrer-Policy", "same-origin")
        target = self.get_argument("next", default=self.base_url)
        script = _signin_script(self.get_argument("lang", default=None), target)
        switch = switch_markup(script, lambda code: f"{self.base_url}login?"
                               + urlencode({"next": _with_lang(target, code), "lang": code}))
        if script != _signin_script(None, target):  # /login?lang=zh-Hant: signed in, the next page too
            target = _with_lang(target, script)
        page = _template("login.html.j2").render(
            base_url=self.base_url, next=target, error=error, info=info, username=username, lang=script,
            switch=switch, xsrf_form_html=self.xsrf_form_html())
        self.write(markup_to_script(page, script))


def _signin_script(lang: str | None, target: str) -> str:
    """The characters of the sign-in page: its own ``lang`` (the 简 / 繁 switch, sign-out from a 繁體
    page), else those of the page the visitor is going to (``next``), so that a 繁體 page sends its
    reader to a 繁體 sign-in and back."""
    if lang is None:
        lang = (parse_qs(urlsplit(target).query).get("lang") or [None])[0]
    return script_of(lang)


def _with_lang(target: str, code: str) -> str:
    """``target`` (a path with a query) asking for ``code``'s characters."""
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("lang", code)])))


class OfficeLoginHandler(_SignInPage, LoginFormHandler):
    def _render(self, message=None):
        self._page()

    @allow_unauthenticated
    async def post(self):
        username = self.get_argument("username", default="").strip()
        password = self.get_argument("password", default="")
        provider: OfficeIdentityProvider = self.identity_provider  # type: ignore[assignment]
        try:
            user = await asyncio.get_running_loop().run_in_executor(None, provider.sign_in, username, password)
        except XinfangError as exc:
            self._page(error=exc.zh, username=username, status=429 if exc.code == "auth.throttled" else 401)
            return
        self.current_user = self._jupyter_current_user = user
        provider.set_login_cookie(self, user)
        self._redirect_safe(self.get_argument("next", default=self.base_url))


class OfficeLogoutHandler(_SignInPage, LogoutHandler):
    @allow_unauthenticated
    def get(self):
        user = self.current_user
        if isinstance(user, OfficeUser) and user.session_id:
            with db.session() as s:
                accounts.end_session(s, user.session_id)
            self.log.info("signed out: %s", user.username)
        self.identity_provider.clear_login_cookie(self)
        self._page(info="您已退出登录。")


# pooled kernel id → the sign-in session whose page request it was handed to (KernelOnlyRequestInfo)
CLAIMS: dict[str, str] = {}


def install_request_channel() -> None:
    """Serve Voila's request-info websocket with ``KernelOnlyRequestInfo`` and give this server's
    kernels the key it asks for. Called from the office server's voila.py, before Voila builds its
    handlers. Voila has no setting for this handler, so the class is replaced where Voila looks it up
    (voila.app registers the route, voila.handler sends the request info)."""
    import os
    import secrets

    import voila.app
    import voila.handler

    from widgets.servers.common import KERNEL_KEY_ENV

    os.environ[KERNEL_KEY_ENV] = secrets.token_urlsafe(32)  # kernels start with a copy of this environment
    handler = _kernel_only_request_info()
    voila.app.RequestInfoSocketHandler = handler
    voila.handler.RequestInfoSocketHandler = handler


@cache
def _kernel_only_request_info():
    import hmac
    import os

    import tornado.web
    from voila.request_info_handler import RequestInfoSocketHandler

    from widgets.servers.common import KERNEL_KEY_ENV, KERNEL_KEY_HEADER

    class KernelOnlyRequestInfo(RequestInfoSocketHandler):
        """Voila's request-info websocket, for this server's own kernels only."""

        async def get(self, *args, **kwargs):
            key = os.environ.get(KERNEL_KEY_ENV, "")
            if not key or not hmac.compare_digest(self.request.headers.get(KERNEL_KEY_HEADER, ""), key):
                raise tornado.web.HTTPError(403)
            return await super().get(*args, **kwargs)

        @classmethod
        def send_updates(cls, msg: dict) -> None:
            session_id = (msg.get("payload") or {}).get(accounts.KERNEL_ENV)
            if session_id:
                CLAIMS[msg["kernel_id"]] = session_id
            super().send_updates(msg)

    return KernelOnlyRequestInfo


class OwnedKernelManager(AsyncMappingKernelManager):
    """Remembers which sign-in session started each kernel (the session id Voila passed in its env)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.owners: dict[str, str | None] = {}

    async def start_kernel(self, *args, **kwargs):
        kernel_id = await super().start_kernel(*args, **kwargs)
        self.owners[kernel_id] = (kwargs.get("env") or {}).get(accounts.KERNEL_ENV)
        return kernel_id

    def remove_kernel(self, kernel_id):
        self.owners.pop(kernel_id, None)
        CLAIMS.pop(kernel_id, None)
        return super().remove_kernel(kernel_id)

    def owner(self, kernel_id: str) -> str | None:
        """The session a kernel works for: the one that started it, else the one a pooled kernel was
        handed to."""
        return self.owners.get(kernel_id) or CLAIMS.get(kernel_id)


class OfficeAuthorizer(Authorizer):
    """A kernel (its API and its websocket) answers only the session that started it."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        if resource != "kernels":
            return True
        kernel_id = handler.path_kwargs.get("kernel_id") or next(iter(handler.path_args), None)
        manager = handler.kernel_manager
        sid = getattr(user, "session_id", None)
        return bool(kernel_id and sid and isinstance(manager, OwnedKernelManager) and manager.owner(kernel_id) == sid)


__all__ = ["CLAIMS", "NOTICE_COOKIE", "OfficeAuthorizer", "OfficeIdentityProvider", "OfficeLoginHandler", "OfficeLogoutHandler",
           "OfficeUser", "OwnedKernelManager",
           "install_request_channel"]
