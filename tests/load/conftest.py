"""Load and fault tests against a real forms server, driven by protocol clients (benchmarks/voila_client.py).

``forms_server(db_url, pool=…, **env)`` starts ``voila`` as ``xinfang serve`` does (same command,
same config) on a free port and returns a handle that can be SIGKILLed and restarted on the same
port. Every test records the figures it measured with ``figures.add(section, text)``; they are
printed at the end of the run (the issue asks the suite to print them).

Profiles: XINFANG_LOAD_SESSIONS (default 20) sets how many phones the meeting test opens at once;
the documented "meeting" profile is 70 (see README).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from benchmarks.forms_benchmark import free_port, rss_mb

from ..conftest import REPO

SESSIONS = int(os.environ.get("XINFANG_LOAD_SESSIONS", "20"))
_FIGURES: dict[str, list[str]] = {}


def run_async(coro):
    """Run ``coro`` to completion in a thread of its own: the browser tests' Playwright (sync API)
    keeps an event loop running in the main thread for the whole session, where asyncio.run refuses."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class Figures:
    def add(self, section: str, text: str) -> None:
        _FIGURES.setdefault(section, []).append(text)


@pytest.fixture(scope="session")
def figures() -> Figures:
    return Figures()


def pytest_terminal_summary(terminalreporter):
    if not _FIGURES:
        return
    terminalreporter.section("load and faults: figures measured (printed, not asserted)")
    for section, lines in _FIGURES.items():
        terminalreporter.write_line(f"{section}:")
        for line in lines:
            terminalreporter.write_line(f"  {line}")


def kernel_pids(server_pid: int) -> list[int]:
    """ipykernel processes started by the server (children of its process)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == server_pid and b"ipykernel" in (d / "cmdline").read_bytes():
                out.append(int(d.name))
        except (OSError, ValueError, IndexError):
            continue
    return out


@dataclass
class FormsServer:
    db_url: str
    pool: int
    run_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def url(self, form: str = "sixiang_dongtai") -> str:
        return f"{self.base}?form={form}"

    def start(self, timeout: float = 120) -> FormsServer:
        from xinfang.cli import server_command, server_env

        env = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_") or k == "XINFANG_VAULT_KEY_FILE"}
        env.update(XINFANG_DB_URL=self.db_url, XINFANG_FORMS_POOL_SIZE=str(self.pool), XINFANG_HOST="127.0.0.1",
                   XINFANG_FORMS_PORT=str(self.port), XINFANG_RUN_DIR=str(self.run_dir), XINFANG_OPEN_BROWSER="false")
        env.update(self.env)
        self.starts += 1
        log = open(self.run_dir / f"forms-{self.starts}.log", "wb")  # noqa: SIM115 - a file: pipes block
        self.proc = subprocess.Popen(server_command("forms"), env=server_env(env), stdout=log,
                                     stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"forms server exited:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"forms server did not listen in {timeout} s:\n{self.log()}")
        return self

    def wait_pool(self, timeout: float = 300) -> float:
        """Seconds until the pool is filled (Voila logs it)."""
        t0 = time.monotonic()
        while self.pool and time.monotonic() - t0 < timeout:
            if "is filled with" in self.log():
                break
            time.sleep(0.5)
        return time.monotonic() - t0

    def log(self) -> str:
        path = self.run_dir / f"forms-{self.starts}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def memory(self) -> tuple[float, float, int]:
        """(server RSS MB, kernels' RSS MB in total, number of kernels)."""
        if self.proc is None:
            return 0.0, 0.0, 0
        ks = kernel_pids(self.proc.pid)
        return rss_mb(self.proc.pid), sum(rss_mb(k) for k in ks), len(ks)

    def kill(self) -> None:
        """SIGKILL the server and everything it started (a crash or a pulled plug). Kernels run in
        sessions of their own (jupyter_client starts them so): they are killed by pid, at once with
        the server, not left to finish a submission after it is gone."""
        if self.proc is not None and self.proc.poll() is None:
            kernels = kernel_pids(self.proc.pid)
            os.killpg(self.proc.pid, signal.SIGKILL)
            for pid in kernels:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)


@pytest.fixture
def forms_server(tmp_path):
    """Factory: ``forms_server(db_url, pool=2, **env)`` → a started FormsServer, stopped after the test."""
    made: list[FormsServer] = []

    def make(db_url: str, pool: int = 2, **env: str) -> FormsServer:
        run = tmp_path / f"run{len(made)}"
        run.mkdir()
        server = FormsServer(db_url, pool, run, {k: str(v) for k, v in env.items()})
        made.append(server)
        return server.start()

    yield make
    for s in made:
        s.stop()


@pytest.fixture
def migrated_sqlite(tmp_path):
    """A migrated SQLite database holding the org units the shipped forms list."""
    from xinfang import forms
    from xinfang.storage import db
    from xinfang.storage.models import OrgUnit

    url = f"sqlite:///{tmp_path / 'load.db'}"
    eng = db.make_engine(url)
    db.upgrade(eng)
    with db.session(eng) as s:
        for name in [c.name for c in forms.by_key("sixiang_dongtai")["unit"].choices]:
            s.add(OrgUnit(name=name, kind="区队", headcount=80))
    eng.dispose()
    return url


# -- a throwaway PostgreSQL cluster (fault tests restart it; never the shared server on 5432) -----

def _pg_tool(name: str) -> str:
    """initdb / pg_ctl: XINFANG_TEST_<NAME>, else on PATH, else Debian's /usr/lib/postgresql/<newest>/bin."""
    import shutil

    given = os.environ.get(f"XINFANG_TEST_{name.upper()}")
    if given:
        return given
    found = shutil.which(name) or shutil.which(name, path="/usr/local/bin")
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                      key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return str(versions[-1]) if versions else f"/usr/local/bin/{name}"


INITDB = _pg_tool("initdb")
PG_CTL = _pg_tool("pg_ctl")


@dataclass
class PgCluster:
    """A PostgreSQL cluster of its own: made by initdb in a temporary folder, on a free port, trust auth."""

    root: Path
    port: int
    as_user: list[str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=timeout, cwd=self.root)

    def pg_ctl(self, action: str, *args: str) -> None:
        done = self.run(PG_CTL, action, "-D", str(self.data), "-w", "-t", "90", *args)
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl {action} failed:\n{done.stdout}\n{done.stderr}\n{self.log()}")

    def start(self) -> None:
        self.pg_ctl("start", "-l", str(self.root / "server.log"), "-o",
                    f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off")

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: open connections are cut, the server is down, then up again."""
        self.pg_ctl("restart", "-m", "fast", "-l", str(self.root / "server.log"))  # options kept by postgres

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("stop", "-m", mode)

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def _unprivileged() -> tuple[list[str], int, int] | None:
    """How to run initdb and pg_ctl as an unprivileged user (initdb refuses root): (command prefix, uid, gid)."""
    if os.geteuid() != 0:
        return [], os.getuid(), os.getgid()
    import pwd
    import shutil

    for user in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            continue
        if shutil.which("runuser"):
            return ["runuser", "-u", user, "--"], entry.pw_uid, entry.pw_gid
        if shutil.which("setpriv"):
            return (["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups"],
                    entry.pw_uid, entry.pw_gid)
    return None


def _no_cluster(why: str) -> None:
    msg = f"cannot make a throwaway PostgreSQL cluster: {why}"
    if os.environ.get("CI") == "true":
        pytest.fail(msg + " — CI=true requires it", pytrace=False)
    pytest.skip(msg)


@pytest.fixture
def throwaway_pg():
    """A started throwaway cluster (initdb on a free port); stopped and removed after the test."""
    import shutil
    import tempfile

    if not (Path(INITDB).exists() and Path(PG_CTL).exists()):
        _no_cluster(f"{INITDB} or {PG_CTL} not found (set XINFANG_TEST_INITDB / XINFANG_TEST_PG_CTL)")
    who = _unprivileged()
    if who is None:
        _no_cluster("running as root and no unprivileged user (postgres, nobody) to run initdb as")
    prefix, uid, gid = who
    root = Path(tempfile.mkdtemp(prefix="xf-pg-"))  # not under pytest's tmp: that is private to root
    os.chown(root, uid, gid)
    cluster = PgCluster(root, free_port(), prefix)
    started = False
    try:
        done = cluster.run(INITDB, "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                           "--locale=C", "--no-sync")
        if done.returncode != 0:
            _no_cluster(f"initdb failed: {(done.stderr or done.stdout).strip()[-500:]}")
        cluster.start()
        started = True
        yield cluster
    finally:
        if started:
            try:
                cluster.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(root, ignore_errors=True)
