"""Load and fault tests against a real forms server, driven by protocol clients (benchmarks/voila_client.py).

``forms_server(db_url, pool=…, **env)`` starts ``voila`` as ``xinfang serve`` does (same command,
same config) on a free port and returns a handle that can be SIGKILLed and restarted on the same
port. Every test records the figures it measured with ``figures.add(section, text)``; they are
printed at the end of the run (the issue asks the suite to print them).

Profiles: XINFANG_LOAD_SESSIONS (default 20) sets how many phones the meeting test opens at once;
the documented "meeting" profile is 70 (see README).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..conftest import REPO

SESSIONS = int(os.environ.get("XINFANG_LOAD_SESSIONS", "20"))
_FIGURES: dict[str, list[str]] = {}


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


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
        """SIGKILL the server and everything it started (a crash or a pulled plug)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
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
