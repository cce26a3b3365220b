"""``xinfang user add|list|passwd|disable|enable`` and the demo accounts' one-time passwords."""

import re
import subprocess
import sys

import pytest

from xinfang import accounts, demo
from xinfang.errors import ValidationError
from xinfang.storage import db

from .conftest import ANCHOR, REPO
from .test_cli import assert_one_clear_line, run


def run_in(url, *args, stdin=None):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_")
           or k in ("XINFANG_TEST_PG_URL", "XINFANG_VAULT_KEY_FILE")}
    env["XINFANG_DB_URL"] = url
    return subprocess.run([sys.executable, "-m", "xinfang.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120)


def signs_in(url, username, password) -> bool:
    eng = db.make_engine(url)
    try:
        with db.session(eng) as s:
            accounts.authenticate(s, username, password)
        return True
    except ValidationError:
        return False
    finally:
        eng.dispose()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('users') / 'x.db'}"
    return url, run_in(url, "demo", "--cases", "150", "--anchor", ANCHOR.isoformat())


def test_demo_prints_a_working_password_for_each_demo_account_once(demo_run):
    url, first = demo_run
    assert first.returncode == 0, first.stderr
    issued = dict(re.findall(r"^\s+(\S+)\s.*密码：(\S+)$", first.stdout, flags=re.M))
    assert sorted(issued) == sorted(demo.staff_usernames())
    assert len(set(issued.values())) == len(issued)
    assert all(signs_in(url, u, p) for u, p in issued.items())
    again = run_in(url, "demo", "--if-empty")
    assert again.returncode == 0 and "密码" not in again.stdout  # shown once only
    listed = run_in(url, "user", "list")
    roles = {line.split("\t")[2] for line in listed.stdout.splitlines()[1:]}
    assert roles == {"主任", "信访干部", "支部书记", "填报"}


def test_add_passwd_disable_enable(demo_run):
    url, _ = demo_run
    r = run_in(url, "user", "add", "lisi", "--name", "李四", "--role", "信访干部", "--password-stdin",
               stdin="李四的-密码-2026\n")
    assert r.returncode == 0, r.stderr
    assert signs_in(url, "lisi", "李四的-密码-2026")
    r = run_in(url, "user", "add", "zhangsan", "--name", "张三", "--role", "支部书记", "--branch", "综采党支部",
               "--generate")
    assert r.returncode == 0, r.stderr
    (password,) = re.findall(r"密码（只显示这一次，请转交本人）：(\S+)", r.stdout)
    assert signs_in(url, "zhangsan", password)
    r = run_in(url, "user", "passwd", "lisi", "--generate")
    (new,) = re.findall(r"：(\S+)$", r.stdout.splitlines()[0])
    assert not signs_in(url, "lisi", "李四的-密码-2026") and signs_in(url, "lisi", new)
    assert run_in(url, "user", "disable", "lisi").returncode == 0
    assert not signs_in(url, "lisi", new)
    rows = {line.split("\t")[0]: line.split("\t") for line in run_in(url, "user", "list").stdout.splitlines()[1:]}
    assert rows["lisi"][4] == "停用" and rows["zhangsan"][3] == "综采党支部" and rows["zhangsan"][4] == "启用"
    assert run_in(url, "user", "enable", "lisi").returncode == 0
    assert signs_in(url, "lisi", new)


def test_bad_user_commands__error(demo_run):
    url, _ = demo_run
    branches = "综采党支部、掘进党支部、机电运输党支部、通风安全党支部、洗选后勤党支部"
    assert_one_clear_line(run_in(url, "user", "add", "wangwu", "--name", "王五", "--role", "支部书记", "--generate"),
                          "user.branch_required", known=branches)
    assert_one_clear_line(run_in(url, "user", "add", "wangwu", "--name", "王五", "--role", "信访干部",
                                 "--password-stdin", stdin="short\n"), "user.weak_password", min=accounts.MIN_PASSWORD)
    assert_one_clear_line(run_in(url, "user", "add", "zhuren", "--name", "又一个", "--role", "主任", "--generate"),
                          "user.exists", user="zhuren")
    assert_one_clear_line(run_in(url, "user", "passwd", "nobody", "--generate"), "user.not_found", user="nobody")
    assert "wangwu" not in run_in(url, "user", "list").stdout


def test_user_command_needs_a_migrated_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert_one_clear_line(run("user", "list", env={"XINFANG_DB_URL": url}), "db.not_migrated",
                          where=str(tmp_path / "empty.db"))
