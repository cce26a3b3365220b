"""Offline install bundle (issue 9): one archive that installs and starts the workbook with no network.

``build()`` runs on a connected machine: it collects every wheel the workbook needs, at the versions CI
tested (constraints.txt), plus the build backend an editable install needs, and packs them with the
project files, ``bundle.json`` (Python version and platform the wheels are for, SHA-256 of every
wheel) and ``install.sh`` (scripts/install-offline.sh). On the office machine:

    tar xzf xinfang-<version>-py311-linux_x86_64.tar.gz && cd xinfang-<version> && bash install.sh

``check()`` is what install.sh runs first, with the system Python and no third-party package: a bundle
made for another Python version or platform, or with a damaged wheel, is refused before anything is
installed. This module uses the standard library only, for that reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from xinfang.config import PROJECT_ROOT
from xinfang.errors import ValidationError, XinfangError

FORMAT = "xinfang-bundle"
FORMAT_VERSION = 1
MANIFEST = "bundle.json"
INSTALL_SCRIPT = "scripts/install-offline.sh"
# not needed on the office machine: tests, benchmarks, CI
LEFT_OUT = ("tests/", "benchmarks/", ".ci/", ".github/")
# when the tree is not a git checkout: what .gitignore keeps out of the repository
NOT_PROJECT = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints", "build", "dist",
               "test-artifacts"}


@dataclass(frozen=True)
class BundleResult:
    path: Path
    manifest: dict
    size: int
    sha256: str

    def lines(self) -> list[str]:
        m = self.manifest
        return [f"安装包已生成：{self.path}（{self.size / 2**20:,.0f} MB，{len(m['wheels'])} 个程序包，"
                f"适用于 Python {m['python']} / {m['platform']}）",
                f"　校验值：{self.path.name}.sha256（SHA-256 {self.sha256[:16]}…）",
                f"　在没有网络的电脑上：tar xzf {self.path.name} && cd {m['name']} && bash install.sh"]


def _python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def requirements(root: Path = PROJECT_ROOT) -> list[str]:
    """What the installed workbook needs: pyproject's runtime dependencies and its build backend
    (an editable install builds the project, offline too)."""
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return [*data["project"]["dependencies"], *data["build-system"]["requires"]]


def project_files(root: Path = PROJECT_ROOT) -> list[str]:
    """The project's files (relative paths): what git tracks or would track, less tests and benchmarks."""
    names: list[str] | None = None
    if (root / ".git").exists() and shutil.which("git"):
        done = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                              capture_output=True)
        if done.returncode == 0:
            names = [n for n in done.stdout.decode("utf-8").split("\0") if n]
    if names is None:
        names = []
        for path in root.rglob("*"):
            rel = path.relative_to(root)
            if path.is_file() and not (set(rel.parts) & NOT_PROJECT) and not rel.parts[0].endswith(".egg-info"):
                names.append(rel.as_posix())
    keep = [n for n in sorted(set(names)) if not n.startswith(LEFT_OUT) and (root / n).is_file()]
    return keep


def _clean_pip_env() -> dict[str, str]:
    """The environment for pip runs that must see only our wheel folder (no user config, no mirrors)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def _run(cmd: list[str], step: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        lines = [ln for ln in (done.stderr or done.stdout).strip().splitlines() if ln.strip()]
        raise ValidationError("bundle.build_failed", step=step, detail="；".join(lines[-3:]) or f"exit {done.returncode}")
    return done


def collect_wheels(wheel_dir: Path, root: Path = PROJECT_ROOT, log: Callable[[str], None] = print) -> list[Path]:
    """Fill ``wheel_dir`` with wheels for ``requirements()`` under constraints.txt; return exactly the
    files an offline install resolves to. A folder kept from an earlier run is reused: when it already
    holds everything, no network is needed."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    reqs = requirements(root)
    constraints = str(root / "constraints.txt")
    pip = [sys.executable, "-m", "pip"]
    offline = [*pip, "wheel", "--quiet", "--no-index", "--find-links", str(wheel_dir), "--wheel-dir", str(wheel_dir),
               "-c", constraints, *reqs]
    if subprocess.run(offline, capture_output=True, env=_clean_pip_env()).returncode == 0:
        log(f"程序包已齐（{wheel_dir}），无需下载。")
    else:
        log("正在下载和编译程序包（pip wheel，按 constraints.txt 的版本）…")
        _run([*pip, "wheel", "--quiet", "--find-links", str(wheel_dir), "--wheel-dir", str(wheel_dir),
              "-c", constraints, *reqs], "pip wheel")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        _run([*pip, "install", "--quiet", "--dry-run", "--ignore-installed", "--no-index", "--find-links",
              str(wheel_dir), "-c", constraints, "--report", str(report), *reqs], "pip install --dry-run",
             env=_clean_pip_env())
        items = json.loads(report.read_text(encoding="utf-8"))["install"]
    files = []
    for item in items:
        url = urlparse(item["download_info"]["url"])
        path = Path(unquote(url.path))
        if url.scheme != "file" or not path.name.endswith(".whl"):
            raise ValidationError("bundle.build_failed", step="pip install --dry-run",
                                  detail=f"{item['metadata']['name']} 不是本地的 wheel：{item['download_info']['url']}")
        files.append(path)
    return sorted(files, key=lambda p: p.name.lower())


def _git_commit(root: Path) -> str | None:
    if not (root / ".git").exists() or not shutil.which("git"):
        return None
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True,
                           text=True)
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+改动" if dirty.stdout.strip() else "")


def build(out_dir: Path | str, *, wheel_cache: Path | str | None = None, root: Path = PROJECT_ROOT,
          log: Callable[[str], None] = print, compresslevel: int = 1) -> BundleResult:
    """Build the offline bundle in ``out_dir``; ``wheel_cache`` keeps the wheels between runs."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    platform = sysconfig.get_platform()
    name = f"xinfang-{version}"
    archive = out_dir / f"{name}-py{_python().replace('.', '')}-{platform.replace('-', '_')}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        wheel_dir = Path(wheel_cache) if wheel_cache else Path(tmp) / "wheels"
        wheels = collect_wheels(wheel_dir, root, log)
        files = project_files(root)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "name": name,
            "version": version,
            "created_at": dt.datetime.now().replace(microsecond=0).isoformat(sep=" "),
            "git_commit": _git_commit(root),
            "python": _python(),
            "python_full": sys.version.split()[0],
            "implementation": sys.implementation.name,
            "platform": platform,
            "requirements": requirements(root),
            "constraints_sha256": _sha256(root / "constraints.txt"),
            "wheels": {w.name: _sha256(w) for w in wheels},
        }
        manifest_path = Path(tmp) / MANIFEST
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        log(f"正在打包：{len(files)} 个项目文件，{len(wheels)} 个程序包 → {archive}")
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w:gz", compresslevel=compresslevel) as tar:
            tar.add(manifest_path, arcname=f"{name}/{MANIFEST}")
            install = tar.gettarinfo(root / INSTALL_SCRIPT, arcname=f"{name}/install.sh")
            install.mode = 0o755
            with open(root / INSTALL_SCRIPT, "rb") as f:
                tar.addfile(install, f)
            for rel in files:
                tar.add(root / rel, arcname=f"{name}/{rel}", recursive=False)
            for wheel in wheels:
                tar.add(wheel, arcname=f"{name}/wheels/{wheel.name}")
        os.replace(partial, archive)
    digest = _sha256(archive)
    Path(f"{archive}.sha256").write_text(f"{digest}  {archive.name}\n", encoding="utf-8")
    return BundleResult(archive, manifest, archive.stat().st_size, digest)


# -- on the office machine ----------------------------------------------------------------------


def check(bundle_dir: Path | str) -> dict:
    """Refuse a bundle made for another Python version or platform, or with a missing or damaged
    wheel, before anything is installed. Returns the manifest."""
    bundle_dir = Path(bundle_dir)
    path = bundle_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError(manifest.get("format"))
    except (OSError, ValueError) as exc:
        raise ValidationError("bundle.damaged", file=MANIFEST, problem="缺失或无法读取",
                              problem_en="is missing or unreadable") from exc
    found, platform = _python(), sysconfig.get_platform()
    if (manifest["python"], manifest["platform"], manifest.get("implementation", "cpython")) != (
            found, platform, sys.implementation.name):
        raise ValidationError("bundle.wrong_python", wanted=manifest["python"], wanted_platform=manifest["platform"],
                              found=found, found_platform=platform, executable=sys.executable)
    for wheel, digest in manifest["wheels"].items():
        file = bundle_dir / "wheels" / wheel
        if not file.is_file():
            raise ValidationError("bundle.damaged", file=f"wheels/{wheel}", problem="缺失", problem_en="is missing")
        if _sha256(file) != digest:
            raise ValidationError("bundle.damaged", file=f"wheels/{wheel}", problem="校验值不符（文件已损坏）",
                                  problem_en="does not match its SHA-256")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """``python -m xinfang.bundle check [folder]`` (install.sh runs it before installing anything)."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "check":
        print("usage: python -m xinfang.bundle check [folder]", file=sys.stderr)
        return 2
    try:
        manifest = check(args[1] if len(args) > 1 else ".")
    except XinfangError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2
    print(f"安装包检查通过：Python {manifest['python']} / {manifest['platform']}，{len(manifest['wheels'])} 个程序包。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
