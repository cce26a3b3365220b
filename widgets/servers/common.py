"""Voila configuration shared by both servers, filled from xinfang settings.

Each server's ``voila.py`` (found through ``--Voila.config_file_paths``) calls ``configure``. Both run
Voila in single-notebook mode: directory mode would serve a file tree and a contents API that returns
notebook sources, which the servers must not expose.
"""

from __future__ import annotations

import logging
import re

from xinfang.config import settings

# The office server's preheated kernels prove they are its own to its request-info websocket with this
# key (widgets/servers/signin.py): the server sets it in its environment, its kernels inherit it.
KERNEL_KEY_ENV = "XINFANG_KERNEL_KEY"
KERNEL_KEY_HEADER = "X-Xinfang-Kernel-Key"

# Voila's own logger has the handler that writes the server log; tornado.access has none here.
access_log = logging.getLogger("Voila")


def log_request(handler) -> None:
    """Tornado's access log line without the client's IP address and without the query string
    (which may hold a 查询码): status, method, path, duration."""
    status = handler.get_status()
    log = access_log.info if status < 400 else access_log.warning if status < 500 else access_log.error
    request = handler.request
    log("%d %s %s %.1fms", status, request.method, request.path, 1000.0 * request.request_time())


_ADDRESS = re.compile(
    r"\b\d{1,3}(?:\.\d{1,3}){3}\b"  # IPv4
    r"|[0-9a-fA-F:]*[0-9a-fA-F]::[0-9a-fA-F:]*|::[0-9a-fA-F]+\b|(?:[0-9a-fA-F]{1,4}:){4,7}[0-9a-fA-F]{1,4}"  # IPv6
)
_QUERY = re.compile(r"(/[^\s?()]*)\?[^\s()]*")


class RedactAddresses(logging.Filter):
    """Remove client addresses and query strings (查询码, tokens) from messages that other parts of the
    server log, e.g. tornado's warnings '403 POST /path (ip): …'."""

    def __init__(self, keep: str = ""):
        super().__init__()
        self.keep = keep

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.keep:
            message = message.replace(self.keep, "\0")
        message = _QUERY.sub(r"\1?…", _ADDRESS.sub("-", message))
        record.msg, record.args = message.replace("\0", self.keep), None
        return True


# webpack names each chunk of a JupyterLab extension by its content: ``<chunk>.<contenthash>.js``
_CONTENT_HASHED = re.compile(r"\.[0-9a-f]{16,}\.js$")


def immutable_extension_files() -> list[str]:
    """The URL paths of the page extensions' content-hashed files (plotly.js, the widget controls…),
    for jupyter_server's ``static_immutable_cache`` setting: the browser keeps each for a year.

    Voila serves ``/voila/labextensions/`` with ``Cache-Control: no-cache`` and no ETag, so every page
    fetched them all again — 7 MB, plotly.js 4.8 MB of it (~0.1 s on this machine, most of a second
    on the office network, on a phone more). A file whose name holds its content's hash never changes
    under that name (an upgrade brings new names), so these may be kept; any other file there keeps
    Voila's ``no-cache``. The setting takes path prefixes, so each file is listed by its whole path
    under the servers' base URL ``/``; a server under another ``--Voila.base_url`` matches none of them
    and caches as before."""
    from pathlib import Path

    from voila.utils import get_voila_labextensions_path

    found: set[str] = set()
    for root in map(Path, get_voila_labextensions_path()):
        if root.is_dir():
            found.update(f.relative_to(root).as_posix() for f in root.rglob("*.js") if _CONTENT_HASHED.search(f.name))
    return [f"/voila/labextensions/{path}" for path in sorted(found)]


def configure(c, which: str) -> None:
    cfg = settings()
    banner = f"http://{cfg['host']}:{cfg[f'{which}_port']}"
    for name in ("tornado.general", "tornado.access", "tornado.application", "Voila"):
        logging.getLogger(name).addFilter(RedactAddresses(keep=banner))
    c.Voila.ip = str(cfg["host"])
    c.Voila.port = int(cfg[f"{which}_port"])
    c.Voila.open_browser = False
    c.Voila.tornado_settings = {
        "log_function": log_request,
        "websocket_ping_interval": 30,  # phones that sleep keep their connection
        "websocket_ping_timeout": 30,
        "headers": {"X-Frame-Options": "SAMEORIGIN", "Referrer-Policy": "no-referrer"},
        "static_immutable_cache": immutable_extension_files(),
    }
    c.VoilaConfiguration.template = "xinfang"
    c.VoilaConfiguration.show_tracebacks = False
    c.VoilaConfiguration.file_allowlist = []
    # Kernels talk over Unix sockets: no TCP ports to collide when a meeting opens 70 pages at once.
    c.KernelManager.transport = "ipc"
    # Voila runs the page's notebook with nbclient, which waits 4 s for a cell's output and then drops
    # it: when 70 pages start at once on two cores the form's view arrived later than that and a phone
    # got a blank page (the meeting load test caught it). Wait as long as a crowded meeting needs.
    c.VoilaExecutor.iopub_timeout = 120
    c.MappingKernelManager.cull_interval = 60
    c.MappingKernelManager.cull_idle_timeout = int(cfg["kernel_cull_idle_seconds"])
    c.MappingKernelManager.cull_connected = False
