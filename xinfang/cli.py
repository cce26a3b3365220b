"""The ``xinfang`` command: database, demo data, servers, the director's JupyterLab.

Every user-facing failure is a catalogue error printed as one line in Chinese and English with a
non-zero exit; never a bare traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from xinfang import config
from xinfang.errors import XinfangError

ROOT = config.PROJECT_ROOT
SERVERS = {
    # name: (notebook, config folder, label)
    "forms": (ROOT / "notebooks" / "forms" / "forms.ipynb", ROOT / "widgets" / "servers" / "forms", "表单服务器"),
    "office": (ROOT / "notebooks" / "office" / "office.ipynb", ROOT / "widgets" / "servers" / "office", "办公服务器"),
}


def _say(text: str) -> None:
    print(text, flush=True)


# -- db -----------------------------------------------------------------------------------------


def cmd_db(args: argparse.Namespace) -> int:
    from xinfang.storage import db

    eng = db.engine()
    if args.action == "upgrade":
        head = db.upgrade(eng)
        _say(f"数据库 {db.describe(eng.url)} 已是最新结构（{head}）。")
    else:
        rev = db.current_revision(eng)
        known, head = db.known_revisions(eng)
        state = "未建立" if rev is None else ("最新" if rev == head else ("需要升级" if rev in known else "比本程序新"))
        _say(f"数据库：{db.describe(eng.url)}\n结构版本：{rev or '无'}（本程序最新：{head}，状态：{state}）")
    return 0


# -- demo ---------------------------------------------------------------------------------------


def _progress(done: int, total: int) -> None:
    if total >= 20000 or done == total:
        print(f"\r  已生成 {done:,}/{total:,} 件", end="" if done < total else "\n", flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from xinfang import demo
    from xinfang.storage import Base, db

    eng = db.engine()
    db.upgrade(eng)
    with db.session(eng) as s:
        existing = demo.case_count(s)
    if existing and args.if_empty:
        _say(f"数据库已有 {existing:,} 件信访事项，保留现有数据。")
        _demo_passwords()
        return 0
    if existing and not args.replace:
        raise XinfangError("cli.demo_not_empty", where=db.describe(eng.url), cases=existing)
    if existing:
        with db.translate_errors(eng):
            Base.metadata.drop_all(eng)
            with eng.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.upgrade(eng)
    anchor = dt.date.fromisoformat(args.anchor) if args.anchor else None
    started = time.perf_counter()
    with db.session(eng) as s:
        summary = demo.build_demo(s, cases=args.cases, seed=args.seed, anchor=anchor, progress=_progress)
    elapsed = time.perf_counter() - started
    size = ""
    if eng.url.get_backend_name() == "sqlite" and eng.url.database:
        with eng.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        size = f"，文件 {Path(eng.url.database).stat().st_size / 2**20:,.1f} MB"
    _say(f"演示数据已生成（{elapsed:,.1f} 秒{size}）：单位 {summary.units}，活动 {summary.activities}，"
         f"信访事项 {summary.cases:,}，事件 {summary.events:,}，问卷答卷 {summary.submissions:,}，"
         f"排查台账 {summary.risk_items}，一人一策 {summary.plans}。")
    _demo_passwords()
    return 0


def _demo_passwords() -> None:
    """Give the demo mine's accounts that have no password a random one and print it, once."""
    from xinfang import accounts, demo
    from xinfang.storage import db

    names = set(demo.staff_usernames())
    issued = []
    with db.session() as s:
        for user in accounts.list_users(s):
            if user["username"] in names and user["active"] and not user["has_password"]:
                password = accounts.generate_password()
                accounts.set_password(s, user["username"], password)
                issued.append((user, password))
    if not issued:
        return
    _say("演示账号（只用于演示数据，切勿用于正式环境）。密码只显示这一次，请记下；"
         "忘记时可用 xinfang user passwd 用户名 重设：")
    for user, password in issued:
        where = f" · {user['branch']}" if user["branch"] else ""
        _say(f"  {user['username']:<10}{user['display_name']}（{user['role']}{where}）　密码：{password}")


def cmd_analyse(args: argparse.Namespace) -> int:
    from xinfang import analysis
    from xinfang.storage import db

    db.check_schema()
    started = time.perf_counter()
    with db.session() as s:
        n = analysis.refresh(s, progress=_progress)
    _say(f"已分析 {n:,} 件（{time.perf_counter() - started:,.1f} 秒）；其余事项的分析结果已是最新。")
    return 0


def cmd_counts(args: argparse.Namespace) -> int:
    from xinfang import metrics
    from xinfang.storage import db

    db.check_schema()
    with db.session() as s:
        for label, value in metrics.headline_counts(s).items():
            _say(f"{label}\t{value}")
    return 0


def parse_period(text: str | None):
    """'2026Q3', '2026-10', '2026', or None for the current quarter."""
    import re

    from xinfang.metrics import Period

    if not text:
        return Period.containing(dt.date.today())
    text = text.strip().upper()
    if m := re.fullmatch(r"(\d{4})Q([1-4])", text):
        return Period.quarter(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        if 1 <= int(m[2]) <= 12:
            return Period.month(int(m[1]), int(m[2]))
    if re.fullmatch(r"\d{4}", text):
        return Period.year(int(text))
    raise XinfangError("cli.bad_period", value=text)


def cmd_kpi(args: argparse.Namespace) -> int:
    from xinfang import export, metrics
    from xinfang.storage import db

    period = parse_period(args.period)
    db.check_schema()
    with db.session() as s:
        frame = metrics.case_frame(s)
        table = metrics.kpi_table(frame, period, by=args.by)
        acts = metrics.activity_counts(s, period) if args.by is None else None
    rates = list(metrics.definitions()["rates"])
    shown = export.readable(table)
    if args.csv:
        shown.to_csv(sys.stdout, encoding="utf-8")
        return 0
    _say(f"期间：{period.label}（{period.start} 至 {period.end}）")
    cols = ["诉求数", "受理数", "办结数", *rates]
    _say(shown[cols].to_string())
    if acts:
        _say("　".join(f"{k} {v}" for k, v in acts.items()))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from xinfang import export, report
    from xinfang.storage import db

    period = parse_period(args.period)
    if not period.label.endswith("季度"):
        raise XinfangError("cli.bad_period", value=args.period)
    db.check_schema()
    out_dir = Path(args.out) if args.out else export.default_dir()
    with db.session() as s:
        names = [args.branch] if args.branch else report.branches(s)
        for name in names:
            html_path, docx_path = report.write_files(s, name, period.start.year, (period.start.month - 1) // 3 + 1,
                                                      out_dir)
            _say(f"{name}：{html_path}　{docx_path}")
    return 0


def cmd_deadlines(args: argparse.Namespace) -> int:
    from xinfang import casework
    from xinfang.storage import db

    db.check_schema()
    rows, total = casework.list_cases(due=args.which, limit=args.limit)
    _say(f"{'已逾期' if args.which == 'overdue' else '7 日内到期'}：共 {total} 件")
    for r in rows:
        _say(f"{r['case_no']}\t{r['unit'] or ''}\t{r['status']}\t期限 {r['due_on']}\t{r['text'][:30]}")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from xinfang import retention
    from xinfang.storage import db

    db.check_schema()
    with db.session() as s:
        report = retention.apply_retention(s, dry_run=args.dry_run)
    for line in report.lines():
        _say(line)
    return 0


# -- backup, restore, offline bundle ------------------------------------------------------------


def cmd_backup(args: argparse.Namespace) -> int:
    from xinfang import backup

    result = backup.backup(args.to, key_to=args.key_to, keep=args.keep)
    for line in result.lines():
        _say(line)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from xinfang import backup

    result = backup.restore(args.archive, key_from=args.key_from)
    for line in result.lines():
        _say(line)
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    from xinfang import bundle

    result = bundle.build(args.out or ROOT / "dist", wheel_cache=args.wheel_cache, log=_say)
    for line in result.lines():
        _say(line)
    return 0


# -- import / export ----------------------------------------------------------------------------


class _Bar:
    """A tqdm progress bar on stderr fed by the library's progress callbacks."""

    def __init__(self, label: str, unit: str) -> None:
        self.label, self.unit, self.bar = label, unit, None

    def rows(self, read: int, fraction: float | None) -> None:  # imports: (rows read, fraction)
        if self.bar is None:  # made on the first report, so an early error prints alone
            from tqdm import tqdm

            self.bar = tqdm(desc=self.label, unit=self.unit, total=100, file=sys.stderr, leave=False,
                            disable=not sys.stderr.isatty(), bar_format="{desc} {percentage:3.0f}%|{bar}| {postfix}")
        if fraction is not None:
            self.bar.n = round(100 * fraction)
        self.bar.set_postfix_str(f"{read} 行", refresh=True)

    def of(self, done: int, total: int) -> None:  # exports: (rows written, total)
        self.rows(done, done / total if total else 1.0)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_import(args: argparse.Namespace) -> int:
    from xinfang.imports import run_import
    from xinfang.storage import db

    db.check_schema()
    bar = _Bar("导入" if not args.dry_run else "试导入", "行")
    try:
        report = run_import(args.kind, args.file, form=args.form, mapping=args.mapping, dry_run=args.dry_run,
                            sheet=args.sheet, refusals_path=args.refusals, progress=bar.rows)
    finally:
        bar.close()
    for line in report.lines():
        _say(line)
    return 0 if report.ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from xinfang import export
    from xinfang.storage import db
    from xinfang.storage.models import User

    db.check_schema()
    period = parse_period(args.period) if args.period else None
    bar = _Bar("导出", "行")
    try:
        if args.what == "submissions":
            result = export.export_submissions(args.out, forms=args.form or None, period=period, progress=bar.of)
        else:
            role = None
            if args.with_identity:
                with db.session() as s:
                    user = s.scalar(select(User).where(User.username == (args.user or ""), User.active))
                if user is None:
                    raise XinfangError("export.unknown_user", user=args.user or "（未填写）")
                role = user.role
            result = export.export_cases(args.out, period=period, branch=args.branch,
                                         with_identity=args.with_identity, actor=args.user, role=role,
                                         reason=args.reason, progress=bar.of)
    finally:
        bar.close()
    for line in result.lines():
        _say(line)
    return 0


# -- users --------------------------------------------------------------------------------------


def _read_password(args: argparse.Namespace, username: str) -> str:
    """The new password: generated and shown once (--generate), one line of standard input
    (--password-stdin, for scripts), or typed twice at a hidden prompt. Never a command-line argument."""
    import getpass

    from xinfang import accounts

    if args.generate:
        password = accounts.generate_password()
        _say(f"账号 {username} 的密码（只显示这一次，请转交本人）：{password}")
        return password
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        accounts.check_strength(password, username)
        return password
    password = getpass.getpass(f"为 {username} 设置密码：")
    accounts.check_strength(password, username)
    if getpass.getpass("再输入一次：") != password:
        raise XinfangError("user.password_mismatch")
    return password


def cmd_user(args: argparse.Namespace) -> int:
    from xinfang import accounts
    from xinfang.storage import db

    db.check_schema()
    if args.action == "list":
        with db.session() as s:
            users = accounts.list_users(s)
        _say("用户名\t姓名\t角色\t党支部\t状态\t密码")
        for u in users:
            _say(f"{u['username']}\t{u['display_name']}\t{u['role']}\t{u['branch'] or '—'}\t"
                 f"{'启用' if u['active'] else '停用'}\t{'已设置' if u['has_password'] else '未设置'}")
        return 0
    if args.action == "add":
        with db.session() as s:  # refuse a bad role, branch or name before asking for a password
            accounts.check_new_user(s, args.username, args.role, args.branch)
        password = _read_password(args, args.username.strip())
        with db.session() as s:
            account = accounts.add_user(s, args.username, args.name, args.role, branch=args.branch,
                                        password=password)
        where = f"，党支部 {account.branch}" if account.branch else ""
        _say(f"已建立账号 {account.username}（{account.display_name}，{account.role}{where}）。")
    elif args.action == "passwd":
        with db.session() as s:
            accounts.find_user(s, args.username)
        password = _read_password(args, args.username)
        with db.session() as s:
            accounts.set_password(s, args.username, password)
        _say(f"已为 {args.username} 设置新密码；该账号原有的登录已全部失效。")
    else:
        with db.session() as s:
            accounts.set_active(s, args.username, args.action == "enable")
        _say(f"账号 {args.username} 已{'启用' if args.action == 'enable' else '停用，其登录已全部失效'}。")
    return 0


# -- servers ------------------------------------------------------------------------------------


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host if host not in ("", "0.0.0.0") else "0.0.0.0", port))
        except OSError:
            return False
    return True


def _wait_http(host: str, port: int, timeout: float, procs: Sequence[subprocess.Popen]) -> bool:
    deadline = time.monotonic() + timeout
    target = "127.0.0.1" if host in ("0.0.0.0", "") else host
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            return False
        try:
            with socket.create_connection((target, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def server_command(which: str) -> list[str]:
    notebook, conf_dir, _ = SERVERS[which]
    return [sys.executable, "-m", "voila", str(notebook), "--Voila.config_file_paths", str(conf_dir)]


def server_env(overrides: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(ROOT / "widgets" / "jupyter"), env.get("JUPYTER_PATH")]))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _check_forms() -> None:
    """Read every workbook once before the servers start: a faulty one is reported (and not offered),
    and the checked specs are cached so that form kernels need not import pyxform."""
    from xinfang import forms

    for key in forms.available():
        try:
            forms.by_key(key)
        except XinfangError as exc:
            print(f"警告：表单 {key} 有错误，暂不提供：{exc.zh}", file=sys.stderr)


def _warn_if_nobody_can_sign_in() -> None:
    from xinfang import accounts
    from xinfang.storage import db

    with db.session() as s:
        ready = [u for u in accounts.list_users(s) if u["active"] and u["has_password"]]
    if not ready:
        print("提示：还没有可以登录办公服务器的账号。请先建立：xinfang user add 用户名 --name 姓名 --role 信访干部",
              file=sys.stderr)


def cmd_serve(args: argparse.Namespace) -> int:
    from xinfang.storage import db

    cfg = config.settings()
    host = args.host or str(cfg["host"])
    ports = {"forms": args.forms_port or int(cfg["forms_port"]), "office": args.office_port or int(cfg["office_port"])}
    # --only: one server per service (deploy/systemd), each with its own memory limit
    chosen = {w: ports[w] for w in ([args.only] if getattr(args, "only", None) else SERVERS)}
    db.check_schema()
    for which, port in chosen.items():
        if not _port_free(host, port):
            raise XinfangError("cli.port_busy", port=port, which=which)
    _check_forms()
    _warn_if_nobody_can_sign_in()
    env = server_env({"XINFANG_HOST": host, "XINFANG_FORMS_PORT": str(ports["forms"]),
                      "XINFANG_OFFICE_PORT": str(ports["office"])})
    log_dir = Path(cfg["run_dir"])
    log_dir.mkdir(parents=True, exist_ok=True)
    procs: dict[str, subprocess.Popen] = {}
    for which in chosen:
        log = open(log_dir / f"{which}.log", "ab")  # noqa: SIM115 (kept open for the child's lifetime)
        procs[which] = subprocess.Popen(server_command(which), env=env, stdout=log, stderr=subprocess.STDOUT,
                                        cwd=str(ROOT))
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    urls = {"forms": f"http://{shown}:{ports['forms']}/", "office": f"http://{shown}:{ports['office']}/"}
    if host in ("0.0.0.0", "", "::"):  # listening on every address: give phones this machine's LAN address
        from xinfang import lan

        urls["forms"] = lan.forms_link(host=host, port=ports["forms"]).url
    ok = all(_wait_http(host, ports[w], 60, list(procs.values())) for w in chosen)
    if not ok:
        for p in procs.values():
            p.terminate()
        _say(f"错误：服务器未能启动，请查看日志 {log_dir} / Error: a server did not start, see the logs in {log_dir}")
        return 1
    for which, (_, _, label) in SERVERS.items():
        if which in procs:
            _say(f"{label}：{urls[which]}")
    _say(f"日志：{log_dir}。按 Ctrl+C 停止。")
    if args.open_browser and cfg["open_browser"]:
        webbrowser.open(urls["office" if "office" in procs else "forms"])
    stop = {"now": False}

    def _stop(*_):
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        while not stop["now"] and all(p.poll() is None for p in procs.values()):
            time.sleep(0.5)
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.terminate()
        for p in procs.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0 if stop["now"] else 1


LAB_CONFIG = ROOT / "widgets" / "jupyter" / "lab-config"
# JupyterLab on the office machine (no internet, DESIGN.md §8): no news feed, no update check, and an
# extension manager that lists what is installed instead of searching PyPI; the interface in Chinese
# (LAB_CONFIG/labconfig/default_setting_overrides.json, with the zh-CN / zh-TW language packs)
LAB_OFFLINE = ["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]


def lab_env() -> dict[str, str]:
    env = server_env({})
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(filter(None, [str(LAB_CONFIG), env.get("JUPYTER_CONFIG_PATH")]))
    return env


def cmd_lab(args: argparse.Namespace) -> int:
    cfg = config.settings()
    env = lab_env()
    cmd = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={ROOT / 'notebooks'}", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={args.port or cfg['lab_port']}", *LAB_OFFLINE]
    if not args.open_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # JupyterLab refuses root otherwise (containers, test machines)
    return subprocess.call(cmd, env=env, cwd=str(ROOT))


# -- entry --------------------------------------------------------------------------------------


# argparse's own words (usage, section titles, its error messages), in Chinese. argparse takes them from
# gettext, but a catalogue for it would have to be compiled and chosen through the process's locale
# (LANGUAGE, LC_MESSAGES), which a server started by systemd does not carry; the few messages it passes
# to error() are matched here instead, the English original kept after the slash as in our own errors.
_ARGPARSE_MESSAGES = (
    (r"unrecognized arguments: (?P<x>.*)", "不认识的参数：{x}"),
    (r"the following arguments are required: (?P<x>.*)", "缺少必填的参数：{x}"),
    (r"argument (?P<arg>\S+): invalid choice: (?P<x>.*?) \(choose from (?P<choices>.*)\)", "{arg}不能是「{x}」，可选：{choices}"),
    (r"argument (?P<arg>\S+): expected one argument", "{arg}后面要写一个值"),
    (r"argument (?P<arg>\S+): invalid (?P<type>\w+) value: (?P<x>.*)", "{arg}应为{type}，这里是「{x}」"),
    (r"argument (?P<arg>\S+): not allowed with argument (?P<other>\S+)", "{arg}不能与 {other} 同时使用"),
    (r"ambiguous option: (?P<x>\S+) could match (?P<choices>.*)", "选项 {x} 不明确，可能是：{choices}"),
)
_ARGPARSE_TYPES = {"int": "整数", "float": "数字"}
_ARGPARSE_NAMES = {"command": "命令", "action": "操作"}  # the subcommands' dest names


def _argparse_zh(message: str) -> str | None:
    import re

    def plain(text: str) -> str:
        names = (part.strip().strip("'\"") for part in text.split(","))
        return "、".join(_ARGPARSE_NAMES.get(n, n) for n in names)

    for pattern, zh in _ARGPARSE_MESSAGES:
        m = re.fullmatch(pattern, message)
        if m:
            parts = {k: plain(v) for k, v in m.groupdict().items()}
            if "arg" in parts:
                parts["arg"] = parts["arg"] if parts["arg"] in _ARGPARSE_NAMES.values() else f"参数 {parts['arg']} "
            if "type" in parts:
                parts["type"] = _ARGPARSE_TYPES.get(parts["type"], "有效的值")
            return zh.format(**parts)
    return None


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse speaking Chinese: usage, section titles, -h and its error messages (see above)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        zh = _argparse_zh(message)
        self.exit(2, f"错误：{zh} / Error: {message}\n" if zh else f"错误 / Error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="xinfang", description="信访工作簿命令行 / xinfang workbook command line")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("db", help="数据库：建立或升级结构（upgrade），查看状态（status）")
    d.add_argument("action", choices=["upgrade", "status"])
    d.set_defaults(func=cmd_db)

    m = sub.add_parser("demo", help="生成演示煤矿的数据")
    m.add_argument("--cases", type=int, default=1200, help="信访事项件数（默认 1200，基准测试可到 1000000）")
    m.add_argument("--seed", type=int, default=None, help="随机种子（同一种子生成同样的数据）")
    m.add_argument("--anchor", default=None, help="数据截止日期 YYYY-MM-DD（默认今天）")
    g = m.add_mutually_exclusive_group()
    g.add_argument("--replace", action="store_true", help="清空已有数据后重建")
    g.add_argument("--if-empty", action="store_true", help="数据库已有数据时什么也不做")
    m.set_defaults(func=cmd_demo)

    a = sub.add_parser("analyse", help="分析尚未分析或词表已更新的事项（情感、话题），结果存入数据库")
    a.set_defaults(func=cmd_analyse)

    c = sub.add_parser("counts", help="打印主要数字")
    c.set_defaults(func=cmd_counts)

    k = sub.add_parser("kpi", help="打印关键指标（化解率、按期办结率等），可按单位、支部、月、季度分组")
    k.add_argument("--period", default=None, help="期间：2026Q3、2026-10 或 2026（默认本季度）")
    k.add_argument("--by", choices=["unit", "branch", "month", "quarter"], default=None)
    k.add_argument("--csv", action="store_true", help="以 CSV 输出")
    k.set_defaults(func=cmd_kpi)

    rp = sub.add_parser("report", help="起草党支部季度研判分析报告（HTML 和 DOCX）")
    rp.add_argument("--period", default=None, help="季度，如 2026Q3（默认本季度）")
    rp.add_argument("--branch", default=None, help="党支部名称（默认全部党支部）")
    rp.add_argument("--out", default=None, help="输出文件夹（默认 data/run/exports）")
    rp.set_defaults(func=cmd_report)

    dl = sub.add_parser("deadlines", help="列出逾期或临期的信访事项")
    dl.add_argument("which", choices=["overdue", "soon"])
    dl.add_argument("--limit", type=int, default=50)
    dl.set_defaults(func=cmd_deadlines)

    r = sub.add_parser("retention", help="按保存期限删除过期的身份信息和问卷自由文字")
    r.add_argument("--dry-run", action="store_true", help="只报告，不删除")
    r.set_defaults(func=cmd_retention)

    b = sub.add_parser("backup", help="备份数据库（服务器运行时也可以；身份库密钥另行保存）")
    b.add_argument("--to", default=None,
                   help="备份文件夹或 .tar.gz 文件名（默认 data/backups；最好是另一块硬盘或 U 盘）")
    b.add_argument("--key-to", default=None, help="同时把身份库密钥另存到这个文件或文件夹（不能是备份所在的文件夹）")
    b.add_argument("--keep", type=int, default=None, help="只保留备份文件夹中最新的这么多份，删除更早的")
    b.set_defaults(func=cmd_backup)

    rs = sub.add_parser("restore", help="从备份恢复数据库（先核对备份，恢复前的数据库另行保留）")
    rs.add_argument("archive", help="xinfang backup 生成的 .tar.gz 文件")
    rs.add_argument("--key-from", default=None, help="备份时另存的身份库密钥文件（本机没有密钥时放到设置的位置）")
    rs.set_defaults(func=cmd_restore)

    bd = sub.add_parser("bundle", help="在联网的电脑上制作离线安装包（项目、全部程序包和安装脚本）")
    bd.add_argument("--out", default=None, help="安装包所在文件夹（默认 dist/）")
    bd.add_argument("--wheel-cache", default=None, help="保存下载的程序包的文件夹，下次制作时重用")
    bd.set_defaults(func=cmd_bundle)

    im = sub.add_parser("import", help="导入问卷星、Kobo/ODK 导出的答卷或旧的信访台账（可先试导入）")
    im.add_argument("kind", help="类型：wjx（问卷星）、kobo（Kobo/ODK）或 ledger（信访台账）")
    im.add_argument("file", help="要导入的 .xlsx 或 .csv 文件")
    im.add_argument("--form", default=None, help="答卷对应的表单（survey_forms 中的名称，如 sixiang_dongtai）")
    im.add_argument("--mapping", default=None, help="列对应文件（YAML），列名与表单题目或台账字段不一致时使用")
    im.add_argument("--sheet", default=None, help="工作表名称（默认第一个有内容的表）")
    im.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入数据库")
    im.add_argument("--refusals", default=None, help="把每一条被拒绝的行及原因另存为 CSV 文件")
    im.set_defaults(func=cmd_import)

    ex = sub.add_parser("export", help="导出答卷（每张表单一个工作表）或信访事项到 Excel / CSV")
    ex.add_argument("what", choices=["submissions", "cases"], help="submissions（答卷）或 cases（信访事项）")
    ex.add_argument("--out", default=None, help="输出文件 .xlsx 或 .csv（默认 data/run/exports 下）")
    ex.add_argument("--form", action="append", default=None, help="只导出这张表单的答卷（可重复）")
    ex.add_argument("--period", default=None, help="期间：2026Q3、2026-10 或 2026（默认全部）")
    ex.add_argument("--branch", default=None, help="只导出这个党支部的事项")
    ex.add_argument("--with-identity", action="store_true", help="包含姓名、工号、电话（须有权限并写明理由，记入审计日志）")
    ex.add_argument("--user", default=None, help="导出人的用户名（导出身份信息时必填）")
    ex.add_argument("--reason", default=None, help="导出身份信息的理由")
    ex.set_defaults(func=cmd_export)

    s = sub.add_parser("serve", help="启动表单服务器和办公服务器")
    s.add_argument("--host", default=None, help="监听地址（默认 127.0.0.1；局域网服务时填本机地址或 0.0.0.0）")
    s.add_argument("--forms-port", type=int, default=None)
    s.add_argument("--office-port", type=int, default=None)
    s.add_argument("--no-browser", dest="open_browser", action="store_false")
    s.add_argument("--only", choices=list(SERVERS), default=None,
                   help="只启动一个服务器（forms 或 office），如 systemd 为每个服务器单独设内存上限时")
    s.set_defaults(func=cmd_serve)

    u = sub.add_parser("user", help="办公服务器的账号：建立（add）、列出（list）、重设密码（passwd）、停用（disable）、启用（enable）")
    usub = u.add_subparsers(dest="action", required=True)
    ua = usub.add_parser("add", help="建立账号")
    ua.add_argument("username", help="用户名（英文字母、数字、点、横线、下划线）")
    ua.add_argument("--name", required=True, help="姓名（页面和审计日志里显示）")
    ua.add_argument("--role", required=True, help="角色：信访干部、主任、支部书记 或 填报")
    ua.add_argument("--branch", default=None, help="支部书记所在的党支部")
    up = usub.add_parser("passwd", help="重设密码（原有登录全部失效）")
    up.add_argument("username")
    for sp in (ua, up):
        how = sp.add_mutually_exclusive_group()
        how.add_argument("--generate", action="store_true", help="随机生成密码并显示一次")
        how.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为密码（供脚本使用）")
    usub.add_parser("list", help="列出全部账号")
    for action, text in (("disable", "停用账号（立即退出其所有登录；账号不删除，审计日志仍指向它）"),
                         ("enable", "重新启用账号")):
        usub.add_parser(action, help=text).add_argument("username")
    u.set_defaults(func=cmd_user)

    lab = sub.add_parser("lab", help="打开主任用的 JupyterLab 工作簿")
    lab.add_argument("--port", type=int, default=None)
    lab.add_argument("--no-browser", dest="open_browser", action="store_false")
    lab.set_defaults(func=cmd_lab)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config.settings()  # validate every setting before doing anything
        return int(args.func(args) or 0)
    except XinfangError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
