"""The command line on bad input: one clear line in Chinese and English, a non-zero exit, nothing written."""

import os
import sqlite3
import subprocess
import sys
import threading

import pytest

from xinfang.errors import message
from xinfang.storage import db

from .conftest import ANCHOR, REPO


def run(*args, env=None, timeout=120):
    keep = ("XINFANG_TEST_PG_URL", "XINFANG_VAULT_KEY_FILE")  # the session's test key, never data/secrets/
    full = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_") or k in keep}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "xinfang.cli", *args], capture_output=True, text=True,
                          env=full, cwd=REPO, timeout=timeout)


def assert_one_clear_line(result, code, **params):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0] == f"错误：{message(code, 'zh', **params)} / Error: {message(code, 'en', **params)}"


def test_demo_then_counts__ok(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    r = run("demo", "--cases", "150", "--anchor", ANCHOR.isoformat(), env={"XINFANG_DB_URL": url})
    assert r.returncode == 0, r.stderr
    assert "信访事项 150" in r.stdout
    r = run("counts", env={"XINFANG_DB_URL": url})
    assert "诉求数\t150" in r.stdout
    r = run("demo", "--if-empty", env={"XINFANG_DB_URL": url})
    assert r.returncode == 0 and "保留现有数据" in r.stdout
    r = run("demo", env={"XINFANG_DB_URL": url})
    assert_one_clear_line(r, "cli.demo_not_empty", where=str(tmp_path / "x.db"), cases=150)


@pytest.mark.parametrize("url", ["not a url::", "postgresql+psycopg://u@h:notaport/db"])
def test_malformed_url__error(url):
    assert_one_clear_line(run("db", "upgrade", env={"XINFANG_DB_URL": url}), "db.url_malformed", url=url)


def test_unsupported_database__error():
    assert_one_clear_line(run("db", "upgrade", env={"XINFANG_DB_URL": "mysql://root@127.0.0.1/test"}),
                          "db.unsupported", dialect="mysql")


def test_unreachable_server__error():
    r = run("db", "upgrade", env={"XINFANG_DB_URL": "postgresql+psycopg://postgres@127.0.0.1:1/test"})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("错误：无法连接数据库 postgresql+psycopg://postgres@127.0.0.1:1/test")
    assert len(r.stderr.strip().splitlines()) == 1


def test_bad_setting__error():
    r = run("counts", env={"XINFANG_FORMS_PORT": "abc"})
    assert r.returncode == 2 and "XINFANG_FORMS_PORT" in r.stderr and "abc" in r.stderr
    assert "Traceback" not in r.stderr


def _migrated(tmp_path):
    path = tmp_path / "x.db"
    assert run("demo", "--cases", "50", "--anchor", ANCHOR.isoformat(),
               env={"XINFANG_DB_URL": f"sqlite:///{path}"}).returncode == 0
    return path


def _count(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("select count(*) from petition_case").fetchone()[0]


def test_read_only_database__error(tmp_path):
    path = _migrated(tmp_path)
    # The tests may run as root, for whom file permissions do not stop writes: open the file read-only.
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    r = run("demo", "--replace", env={"XINFANG_DB_URL": url})
    assert_one_clear_line(r, "db.readonly", where=f"file:{path}")
    assert _count(path) == 50


def test_locked_database__error(tmp_path):
    path = _migrated(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO audit_log(actor, action, target) VALUES ('test', 'lock', 'x')")
    try:
        r = run("demo", "--replace", env={"XINFANG_DB_URL": f"sqlite:///{path}",
                                          "XINFANG_SQLITE_BUSY_TIMEOUT_MS": "300"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_one_clear_line(r, "db.locked", where=str(path), seconds="0.3")
    assert _count(path) == 50


def test_locked_briefly_waits_and_succeeds(tmp_path):
    path = _migrated(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    threading.Timer(1.0, lambda: holder.execute("ROLLBACK")).start()
    r = run("demo", "--replace", "--cases", "60", "--anchor", ANCHOR.isoformat(),
            env={"XINFANG_DB_URL": f"sqlite:///{path}", "XINFANG_SQLITE_BUSY_TIMEOUT_MS": "10000"})
    holder.close()
    assert r.returncode == 0, r.stderr
    assert _count(path) == 60


def test_not_a_database__error(tmp_path):
    path = tmp_path / "x.db"
    path.write_bytes(b"this is a spreadsheet, not a database" * 200)
    assert_one_clear_line(run("db", "upgrade", env={"XINFANG_DB_URL": f"sqlite:///{path}"}),
                          "db.not_a_database", where=str(path))


def test_newer_database__error(tmp_path):
    path = _migrated(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("update alembic_version set version_num = '0099_from_the_future'")
    for args in (["counts"], ["db", "upgrade"]):
        r = run(*args, env={"XINFANG_DB_URL": f"sqlite:///{path}"})
        head = db.known_revisions(db.make_engine(f"sqlite:///{path}"))[1]
        assert_one_clear_line(r, "db.too_new", where=str(path), found="0099_from_the_future", known=head)
    with sqlite3.connect(path) as conn:
        assert conn.execute("select version_num from alembic_version").fetchone()[0] == "0099_from_the_future"


def test_older_database__error_until_upgraded(tmp_path):
    """A database left at an older schema (the program was updated, `db upgrade` not yet run) is refused
    by the commands and by `serve` before any server starts, with the command that mends it."""
    from alembic import command

    path = tmp_path / "old.db"
    eng = db.make_engine(f"sqlite:///{path}")
    command.upgrade(db._alembic_config(eng), "0002")
    head = db.known_revisions(eng)[1]
    eng.dispose()
    env = {"XINFANG_DB_URL": f"sqlite:///{path}"}
    for args in (["counts"], ["serve", "--only", "office", "--office-port", "18999", "--no-browser"]):
        assert_one_clear_line(run(*args, env=env, timeout=60), "db.outdated", where=str(path), found="0002",
                              known=head)
    assert "xinfang db upgrade" in message("db.outdated", "zh", where="", found="", known="")
    assert run("db", "upgrade", env=env).returncode == 0
    r = run("counts", env=env)
    assert r.returncode == 0, r.stderr
    assert "诉求数\t0" in r.stdout


def test_kpi_deadlines_retention_commands__ok(tmp_path):
    url = f"sqlite:///{_migrated(tmp_path)}"
    r = run("kpi", "--period", "2026", "--by", "branch", env={"XINFANG_DB_URL": url})
    assert r.returncode == 0, r.stderr
    assert "化解率" in r.stdout and "综采党支部" in r.stdout and "2026年" in r.stdout
    assert run("deadlines", "overdue", env={"XINFANG_DB_URL": url}).stdout.startswith("已逾期：共 ")
    r = run("retention", "--dry-run", env={"XINFANG_DB_URL": url})
    assert r.returncode == 0 and "将删除" in r.stdout


def test_bad_period__error(tmp_path):
    url = f"sqlite:///{_migrated(tmp_path)}"
    assert_one_clear_line(run("kpi", "--period", "2026Q5", env={"XINFANG_DB_URL": url}), "cli.bad_period",
                          value="2026Q5")


def test_export_then_import_commands__ok(tmp_path):
    """xinfang export cases / submissions, then xinfang import of those files into a fresh database."""
    src = {"XINFANG_DB_URL": f"sqlite:///{tmp_path / 'src.db'}"}
    assert run("demo", "--cases", "60", "--anchor", ANCHOR.isoformat(), env=src).returncode == 0
    cases, answers = tmp_path / "事项.xlsx", tmp_path / "答卷.csv"
    r = run("export", "cases", "--out", str(cases), "--with-identity", "--user", "ganbu1", "--reason", "迁移台账",
            env=src)
    assert r.returncode == 0 and "已导出 60 行" in r.stdout and "身份信息" in r.stdout, r.stderr
    r = run("export", "submissions", "--form", "sixiang_dongtai", "--out", str(answers), env=src)
    assert r.returncode == 0, r.stderr
    exported = int(r.stdout.split("已导出 ")[1].split(" 行")[0])
    assert exported > 0

    dst = {"XINFANG_DB_URL": f"sqlite:///{tmp_path / 'dst.db'}"}
    assert run("demo", "--cases", "0", "--anchor", ANCHOR.isoformat(), env=dst).returncode == 0
    r = run("import", "ledger", str(cases), "--dry-run", env=dst)
    assert r.returncode == 0 and "试运行" in r.stdout and "可以导入 60 行" in r.stdout, r.stdout + r.stderr
    r = run("import", "ledger", str(cases), env=dst)
    assert r.returncode == 0 and "导入 60 行" in r.stdout, r.stdout + r.stderr
    r = run("import", "kobo", str(answers), "--form", "sixiang_dongtai", env=dst)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    r2 = run("import", "kobo", str(answers), "--form", "sixiang_dongtai", env=dst)
    assert f"之前已导入而跳过 {exported} 行" in r2.stdout, r2.stdout


def test_export_identity_needs_a_known_user__error(tmp_path):
    env = {"XINFANG_DB_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    assert run("db", "upgrade", env=env).returncode == 0
    r = run("export", "cases", "--with-identity", "--user", "nobody", "--reason", "核对", env=env)
    assert_one_clear_line(r, "export.unknown_user", user="nobody")


def test_import_of_a_wrong_file__error(tmp_path):
    env = {"XINFANG_DB_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    assert run("db", "upgrade", env=env).returncode == 0
    bad = tmp_path / "台账.pdf"
    bad.write_bytes(b"%PDF-1.4")
    r = run("import", "ledger", str(bad), env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "台账.pdf" in r.stderr and "不能导入" in r.stderr


@pytest.mark.parametrize("args, said", [
    (["nothing"], "错误：命令不能是「nothing」，可选：db、demo、analyse、"),
    (["db"], "错误：缺少必填的参数：操作 / Error: the following arguments are required: action"),
    (["db", "up"], "错误：操作不能是「up」，可选：upgrade、status / "),
    (["demo", "--cases", "many"], "错误：参数 --cases 应为整数，这里是「many」 / "),
    (["kpi", "--bogus"], "错误：不认识的参数：--bogus / "),
    (["user", "add", "x"], "错误：缺少必填的参数：--name、--role / "),
    (["user", "passwd", "x", "--generate", "--password-stdin"], "错误：参数 --password-stdin 不能与 --generate 同时使用 / "),
    (["serve", "--only"], "错误：参数 --only 后面要写一个值 / "),
])
def test_the_parsers_own_messages_in_chinese__error(capsys, args, said):
    """argparse's usage line and refusals were English (「usage: … error: argument command: invalid choice」)."""
    from xinfang import cli

    with pytest.raises(SystemExit) as info:
        cli.build_parser().parse_args(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：xinfang") and err.splitlines()[-1].startswith(said), err


def test_help_in_chinese__ok(capsys):
    from xinfang import cli

    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["user", "add", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：xinfang user add") and "选项:" in out and "-h, --help        显示本帮助并退出" in out
    assert "show this help" not in out and "usage" not in out
