"""The offline bundle: built by ``xinfang bundle``, unpacked, installed by its install.sh into a fresh
virtual environment with the network unavailable to pip, then started; a bundle for another Python
version or with a damaged wheel is refused before anything is installed.

Wheels are kept between runs in build/bundle-wheels (git-ignored), so a second run downloads nothing.
Timings are printed (run with -s), never asserted."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest

from xinfang.errors import message

from .conftest import REPO
from .processes import stop

pytestmark = pytest.mark.slow
WHEEL_CACHE = REPO / "build" / "bundle-wheels"
DEAD_PROXY = "http://127.0.0.1:9"


def clean_env(*, network: bool = False, **extra) -> dict[str, str]:
    """No setting of the test session; without ``network``, every proxy points at a closed port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_")}
    env["XINFANG_OPEN_BROWSER"] = "false"
    if not network:
        for name in ("https_proxy", "http_proxy", "all_proxy"):
            env[name] = env[name.upper()] = DEAD_PROXY
        env["no_proxy"] = env["NO_PROXY"] = ""
    env.update(extra)
    return env


def offline() -> tuple[list[str], str]:
    """How to take the network away from pip: a network namespace of our own where allowed."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-rn"], "own network namespace, no interface up (unshare -rn) + dead proxies"
    return [], "pip --no-index, PIP_NO_INDEX and dead proxies (unshare -rn not permitted here)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    t0 = time.perf_counter()
    built = subprocess.run([sys.executable, "-m", "xinfang.cli", "bundle", "--out", str(out), "--wheel-cache",
                            str(WHEEL_CACHE)], capture_output=True, text=True, cwd=REPO, env=clean_env(network=True))
    assert built.returncode == 0, built.stdout + built.stderr
    t1 = time.perf_counter()
    archive = next(out.glob("xinfang-*.tar.gz"))
    digest = (out / f"{archive.name}.sha256").read_text().split()[0]
    assert digest == __import__("hashlib").sha256(archive.read_bytes()).hexdigest()
    target = tmp_path_factory.mktemp("office-pc")
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    t2 = time.perf_counter()
    (root,) = target.iterdir()
    print(f"\nbundle: {archive.stat().st_size / 2**20:.0f} MB, built in {t1 - t0:.1f} s, unpacked in {t2 - t1:.1f} s")
    return root


def test_bundle_installs_with_no_network_and_starts(bundle_dir):
    manifest = json.loads((bundle_dir / "bundle.json").read_text())
    assert manifest["python"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert not (bundle_dir / "tests").exists() and (bundle_dir / "survey_forms").is_dir()
    assert not (bundle_dir / ".venv").exists()
    prefix, how = offline()
    if prefix:  # the namespace really has no network
        probe = subprocess.run([*prefix, sys.executable, "-c", "import socket; socket.create_connection(('1.1.1.1', 443), 3)"],
                               capture_output=True, text=True)
        assert probe.returncode != 0 and "unreachable" in probe.stderr.lower()
    t0 = time.perf_counter()
    done = subprocess.run([*prefix, "bash", "install.sh", "--install-only"], cwd=bundle_dir, capture_output=True,
                          text=True, env=clean_env(PIP_INDEX_URL=f"{DEAD_PROXY}/simple"))
    t1 = time.perf_counter()
    print(f"\noffline install ({how}): {t1 - t0:.1f} s")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "安装完成" in done.stdout
    # every package came from the bundle's wheels (the project itself is installed editable, in place)
    report = json.loads((bundle_dir / ".venv" / "bundle-install.json").read_text())
    wheels = (bundle_dir / "wheels").resolve().as_uri() + "/"
    sources = [item["download_info"]["url"] for item in report["install"]]
    assert [u for u in sources if not u.startswith(wheels)] == [bundle_dir.resolve().as_uri()]
    assert len(sources) >= len(manifest["wheels"]) - 1  # all but the build backend, used to build the project
    where = subprocess.run([str(bundle_dir / ".venv/bin/python"), "-c",
                            "import xinfang, voila, segno; print(xinfang.__file__)"], capture_output=True, text=True,
                           cwd="/", env=clean_env())  # not the repository's folder: what the venv itself finds
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(bundle_dir)

    # run the script again as the office would: installed already, it starts both servers
    ports = {"forms": free_port(), "office": free_port()}
    log = bundle_dir / "serve.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["bash", "install.sh", "--no-browser", "--forms-port", str(ports["forms"]),
                                 "--office-port", str(ports["office"])], cwd=bundle_dir, env=clean_env(),
                                stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            text = ""
            while time.monotonic() < deadline and proc.poll() is None:
                text = log.read_text(encoding="utf-8", errors="replace")
                if "办公服务器：" in text:
                    break
                time.sleep(0.5)
            assert "办公服务器：" in text, text
            print(f"started in {time.perf_counter() - t1:.1f} s")
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(f"http://127.0.0.1:{ports['forms']}/", timeout=60) as page:
                assert page.status == 200
                assert "信访工作簿 · 表单服务" in page.read().decode("utf-8")
            assert "正在安装" not in text  # the second run installs nothing
        finally:
            stop(proc, timeout=30)


def _small_copy(bundle_dir: Path, dest: Path, change) -> Path:
    """install.sh, bundle.json (changed by ``change``) and the checker, without the heavy wheels."""
    dest.mkdir()
    shutil.copy2(bundle_dir / "install.sh", dest / "install.sh")
    shutil.copytree(bundle_dir / "xinfang", dest / "xinfang")
    (dest / "wheels").mkdir()
    manifest = json.loads((bundle_dir / "bundle.json").read_text())
    change(manifest, dest)
    (dest / "bundle.json").write_text(json.dumps(manifest, indent=2))
    return dest


def _refused(folder: Path, code: str, **params) -> None:
    done = subprocess.run(["bash", "install.sh"], cwd=folder, capture_output=True, text=True,
                          env=clean_env(PYTHON=sys.executable))
    assert done.returncode == 2
    assert done.stderr.strip() == f"错误：{message(code, **params)} / Error: {message(code, 'en', **params)}"
    assert not (folder / ".venv").exists()  # nothing installed


def test_bundle_for_another_python_is_refused(bundle_dir, tmp_path):
    folder = _small_copy(bundle_dir, tmp_path / "b", lambda m, _: m.update(python="3.99"))
    platform = sysconfig.get_platform()
    _refused(folder, "bundle.wrong_python", wanted="3.99", wanted_platform=platform,
             found=f"{sys.version_info.major}.{sys.version_info.minor}", found_platform=platform,
             executable=sys.executable)


def test_bundle_with_a_damaged_wheel_is_refused(bundle_dir, tmp_path):
    smallest = min((bundle_dir / "wheels").iterdir(), key=lambda p: p.stat().st_size)

    def damage(manifest, dest):
        manifest["wheels"] = {smallest.name: manifest["wheels"][smallest.name]}
        data = smallest.read_bytes()
        (dest / "wheels" / smallest.name).write_bytes(data[:-10] + bytes(10))

    folder = _small_copy(bundle_dir, tmp_path / "b", damage)
    _refused(folder, "bundle.damaged", file=f"wheels/{smallest.name}", problem="校验值不符（文件已损坏）",
             problem_en="does not match its SHA-256")
