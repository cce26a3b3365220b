"""Voila configuration shared by both servers, filled from xinfang settings.

Each server's ``voila.py`` (found through ``--Voila.config_file_paths``) calls ``configure``. Both run
Voila in single-notebook mode: directory mode would serve a file tree and a contents API that returns
notebook sources, which the servers must not expose.
"""

from __future__ import annotations

import logging

from xinfang.config import settings

# Voila's own logger has the handler that writes the server log; tornado.access has none here.
access_log = logging.getLogger("Voila")


def log_request(handler) -> None:
    """Tornado's access log line without the client's IP address and without the query string
    (which may hold a 查询码): status, method, path, duration."""
    status = handler.get_status()
    log = access_log.info if status < 400 else access_log.warning if status < 500 else access_log.error
    request = handler.request
    log("%d %s %s %.1fms", status, request.method, request.path, 1000.0 * request.request_time())


def configure(c, which: str) -> None:
    cfg = settings()
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
    c.MappingKernelManager.cull_interval = 60
    c.MappingKernelManager.cull_idle_timeout = int(cfg["kernel_cull_idle_seconds"])
    c.MappingKernelManager.cull_connected = False
