"""The one declaration of settings.

Each setting has a name, a type, a default and a help text. A setting comes from the environment
variable ``XINFANG_<NAME>`` or from an explicit override; nothing else in the code reads the
environment for these. Values are validated when the settings are loaded: a bad value names the key,
the expected type and the value given.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from xinfang.errors import ConfigError, XinfangError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _int_in(lo: int, hi: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(str(raw).strip())
        if not lo <= value <= hi:
            raise ValueError(raw)
        return value

    parse.expected = (f"{lo} 到 {hi} 之间的整数", f"an integer from {lo} to {hi}")  # type: ignore[attr-defined]
    return parse


def _text(raw: str) -> str:
    value = str(raw).strip()
    if not value:
        raise ValueError(raw)
    return value


_text.expected = ("非空文字", "non-empty text")  # type: ignore[attr-defined]


def _path(raw: str) -> Path:
    return Path(_text(raw)).expanduser()


_path.expected = ("文件夹路径", "a folder path")  # type: ignore[attr-defined]


def _bool(raw: str) -> bool:
    value = str(raw).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


_bool.expected = ("true 或 false", "true or false")  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[str], object]
    default: object
    help: str

    @property
    def env(self) -> str:
        return f"XINFANG_{self.name.upper()}"


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", _path, PROJECT_ROOT / "data",
            "数据文件夹：参考数据（分类、词典）和默认的 SQLite 数据库所在处。"),
    Setting("db_url", _text, None,
            "数据库地址（SQLAlchemy URL）。不设时使用 data_dir 下的 xinfang.db（SQLite）。"),
    Setting("run_dir", _path, PROJECT_ROOT / "data" / "run", "服务器日志等运行文件所在的文件夹。"),
    Setting("sqlite_busy_timeout_ms", _int_in(0, 600_000), 10_000,
            "SQLite 被其他写入者锁定时最多等待的毫秒数。"),
    Setting("host", _text, "127.0.0.1",
            "服务器监听的地址。默认只在本机；在矿区局域网提供服务时设为本机局域网地址或 0.0.0.0。"),
    Setting("forms_port", _int_in(1, 65535), 8866, "表单服务器（问卷、诉求登记、查询码）的端口。"),
    Setting("office_port", _int_in(1, 65535), 8867, "办公服务器（案件办理、看板、报告）的端口。"),
    Setting("lab_port", _int_in(1, 65535), 8888, "主任用 JupyterLab 的端口。"),
    Setting("session_idle_minutes", _int_in(1, 1440), 30,
            "办公服务器登录后多少分钟无操作即需重新登录。"),
    Setting("session_max_hours", _int_in(1, 168), 12,
            "办公服务器一次登录最长有效多少小时（到时无论是否在操作都需重新登录）。"),
    Setting("forms_pool_size", _int_in(0, 500), 4,
            "表单服务器为问卷预热的内核数（开会时设为到场人数，约 70）。"),
    Setting("forms_pool_refill_delay_seconds", _int_in(0, 3600), 30,
            "预热内核被用掉后，等多少秒再补充。开会时大家同时扫码，先把 CPU 留给正在打开的页面。"),
    # Every office page a user opens takes a pooled kernel: with 2 refilled 15 s after use, the third page
    # opened within ~20 s (home → 看板 → 案件) waited 10–12 s for a kernel to start (seen in a user's run).
    Setting("office_pool_size", _int_in(0, 50), 3,
            "办公服务器预热的内核数：打开看板、案件等页面时不必等内核启动。每个预热内核已算好全矿看板，"
            "十万件时约占 215 MB 内存（数据刚有变动、须从数据库读时约 265 MB）；设为 0 不预热。"),
    Setting("office_pool_refill_delay_seconds", _int_in(0, 3600), 4,
            "办公服务器的预热内核被用掉后，等多少秒再补充（先让刚打开的页面用上 CPU）。"),
    Setting("kernel_cull_idle_seconds", _int_in(60, 86_400), 900,
            "表单或看板页面空闲多少秒后回收其内核。"),
    Setting("min_group_size", _int_in(2, 100), 5,
            "统计表中少于此人数的格子显示为「<5」（隐私保护阈值）。"),
    Setting("demo_seed", _int_in(0, 2**31 - 1), 20261021, "演示数据的随机种子。"),
    Setting("open_browser", _bool, True, "启动服务后是否自动打开浏览器。"),
    Setting("vault_key_file", _path, None,
            "身份库加密密钥文件。不设时为 data_dir 下的 secrets/vault.key；请与数据库分开备份和保管。"),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, object]

    def __getitem__(self, name: str) -> object:
        if name not in self.values:
            raise ConfigError("config.unknown", key=name, known=", ".join(_BY_NAME))
        return self.values[name]

    def __getattr__(self, name: str) -> object:
        try:
            return self.values[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    @property
    def data_dir(self) -> Path:
        return self.values["data_dir"]  # type: ignore[return-value]

    @property
    def db_url(self) -> str:
        url = self.values["db_url"]
        if url:
            return str(url)
        return f"sqlite:///{self.data_dir / 'xinfang.db'}"


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read and validate every setting from ``env`` (default: the process environment) and overrides."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for key in overrides:
        if key not in _BY_NAME:
            raise ConfigError("config.unknown", key=key, known=", ".join(_BY_NAME))
    for setting in SETTINGS:
        if setting.name in overrides and overrides[setting.name] is not None:
            raw: object = overrides[setting.name]
        elif setting.env in env and env[setting.env] != "":
            raw = env[setting.env]
        else:
            values[setting.name] = setting.default
            continue
        if not isinstance(raw, str) and not isinstance(raw, bool | int | Path):
            raw = str(raw)
        try:
            values[setting.name] = setting.parse(str(raw) if not isinstance(raw, Path) else str(raw))
        except (ValueError, TypeError) as exc:
            zh, en = setting.parse.expected  # type: ignore[attr-defined]
            raise ConfigError("config.invalid", key=setting.name, env=setting.env, value=raw,
                              expected=zh, expected_en=en) from exc
    return Settings(values)


@cache
def settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return load_settings()


def reset() -> None:
    """Forget the cached settings (tests and the CLI call this after changing the environment)."""
    settings.cache_clear()


__all__ = ["SETTINGS", "Setting", "Settings", "load_settings", "settings", "reset", "XinfangError",
           "PROJECT_ROOT"]
