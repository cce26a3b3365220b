"""Where phones on the mine LAN reach the forms server, and that address as a QR code (issue 9).

``xinfang serve --host`` decides where the servers listen. Bound to one address, that address is the
one to give out; bound to every address (0.0.0.0) the URL needs a real LAN address of this machine,
picked from its network interfaces; bound to 127.0.0.1 (the default) no phone can reach it, and the
link says so. The QR code is made here, offline, by segno, as inline SVG.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from xinfang.config import settings

ANY = {"", "0.0.0.0", "::"}
LOCAL = {"127.0.0.1", "localhost", "::1"}
# interfaces of containers and virtual machines: their addresses are not on the mine's LAN
VIRTUAL_PREFIXES = ("docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "tun", "tap", "wg", "zt", "lxc", "cni", "flannel")


@dataclass(frozen=True)
class Link:
    url: str
    host: str
    reachable: bool           # can another machine on the LAN open it?
    title: str = ""
    note: str = ""


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses that other machines can reach: up, not loopback or link-local,
    not a container bridge; private (LAN) ranges first."""
    import psutil

    stats = psutil.net_if_stats()
    found: list[tuple[int, str]] = []
    for name, addrs in psutil.net_if_addrs().items():
        if not stats.get(name) or not stats[name].isup or name.startswith(VIRTUAL_PREFIXES):
            continue
        for addr in addrs:
            if addr.family != socket.AF_INET:
                continue
            ip = ipaddress.ip_address(addr.address)
            if ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast:
                continue
            found.append((0 if ip.is_private else 1, addr.address))
    return [a for _, a in sorted(found, key=lambda x: (x[0], ipaddress.ip_address(x[1])))]


def _routed_address() -> str | None:
    """The source address the system would use for outside traffic (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("10.254.254.254", 9))
            return sock.getsockname()[0]
    except OSError:
        return None


def primary_address() -> str | None:
    """The LAN address to give out when the servers listen on every address."""
    candidates = lan_addresses()
    routed = _routed_address()
    if routed in candidates:
        return routed
    return candidates[0] if candidates else None


def _url(host: str, port: int, query: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/{query}"


def forms_link(query: str = "", *, host: str | None = None, port: int | None = None) -> Link:
    """The forms server's URL as a phone on the LAN would open it (settings host and forms_port)."""
    cfg = settings()
    host = str(host if host is not None else cfg["host"]).strip()
    port = int(port or cfg["forms_port"])
    if host in ANY:
        addr = primary_address()
        if addr is None:
            return Link(_url("127.0.0.1", port, query), "127.0.0.1", False,
                        note="本机没有可用的局域网地址（网线或无线网是否已连接？），手机暂时无法打开。")
        return Link(_url(addr, port, query), addr, True)
    if host in LOCAL:
        return Link(_url("127.0.0.1", port, query), "127.0.0.1", False,
                    note="服务器只在本机监听（127.0.0.1），手机扫码打不开。"
                         "请用 xinfang serve --host 0.0.0.0（或本机的局域网地址）重新启动。")
    return Link(_url(host, port, query), host, True)


def questionnaire_link() -> Link:
    """The link to the anonymous questionnaire (员工思想动态问卷) on the forms server."""
    from xinfang.errors import XinfangError
    from xinfang.survey_stats import FORM_KEY

    link = forms_link(f"?form={FORM_KEY}")
    try:
        from xinfang import forms

        title = forms.by_key(FORM_KEY).title
    except XinfangError:
        title = "问卷"
    return Link(link.url, link.host, link.reachable, title, link.note)


def qr_svg(text: str, *, scale: int = 8) -> str:
    """``text`` as a QR code: inline SVG (no XML declaration), black on white with a quiet zone."""
    import segno

    return segno.make(text, error="m", micro=False).svg_inline(scale=scale, border=4, dark="#000", light="#fff")
