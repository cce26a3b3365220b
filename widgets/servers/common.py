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
