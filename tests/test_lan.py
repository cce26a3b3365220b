"""The questionnaire's address for phones on the mine LAN, its QR code, and the meeting-view card."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest

from xinfang import config, lan


def fake_interfaces(monkeypatch, interfaces: dict[str, list[str]], down: tuple[str, ...] = (), routed=None):
    import psutil

    addrs = {name: [SimpleNamespace(family=socket.AF_INET, address=a) for a in ips] for name, ips in interfaces.items()}
    stats = {name: SimpleNamespace(isup=name not in down) for name in interfaces}
    monkeypatch.setattr(psutil, "net_if_addrs", lambda: addrs)
    monkeypatch.setattr(psutil, "net_if_stats", lambda: stats)
    monkeypatch.setattr(lan, "_routed_address", lambda: routed)


def use_host(monkeypatch, host: str, port: str = "8866") -> None:
    monkeypatch.setenv("XINFANG_HOST", host)
    monkeypatch.setenv("XINFANG_FORMS_PORT", port)
    config.reset()


def test_lan_addresses_skip_loopback_link_local_containers_and_down_interfaces(monkeypatch):
    fake_interfaces(monkeypatch, {"lo": ["127.0.0.1"], "docker0": ["172.17.0.1"], "eth0": ["192.168.1.20"],
                                  "wlan0": ["169.254.7.7", "10.8.0.5"], "eth1": ["192.168.9.9"],
                                  "ppp0": ["58.20.1.2"]}, down=("eth1",))
    assert lan.lan_addresses() == ["10.8.0.5", "192.168.1.20", "58.20.1.2"]  # private (LAN) first


@pytest.mark.parametrize(("routed", "expected"), [("192.168.1.20", "192.168.1.20"), (None, "10.8.0.5"),
                                                  ("172.17.0.1", "10.8.0.5")])
def test_listening_on_every_address_gives_out_the_lan_address(monkeypatch, routed, expected):
    fake_interfaces(monkeypatch, {"lo": ["127.0.0.1"], "docker0": ["172.17.0.1"], "eth0": ["192.168.1.20"],
                                  "wlan0": ["10.8.0.5"]}, routed=routed)
    use_host(monkeypatch, "0.0.0.0", "8866")
    link = lan.questionnaire_link()
    assert link.url == f"http://{expected}:8866/?form=sixiang_dongtai"
    assert link.reachable and link.note == ""
    assert link.title == "员工思想动态问卷"


def test_this_machine_has_a_real_lan_address():
    """On the test machine itself (no fakes): 0.0.0.0 never yields a loopback address in the QR code."""
    address = lan.primary_address()
    if address is None:
        pytest.skip("this machine has no LAN interface up")
    assert not address.startswith("127.")
    assert address in lan.lan_addresses()


def test_local_only_server_says_phones_cannot_reach_it(monkeypatch):
    use_host(monkeypatch, "127.0.0.1", "9000")
    link = lan.questionnaire_link()
    assert link.url == "http://127.0.0.1:9000/?form=sixiang_dongtai"
    assert not link.reachable and "--host 0.0.0.0" in link.note


def test_no_lan_address_is_said_not_hidden(monkeypatch):
    fake_interfaces(monkeypatch, {"lo": ["127.0.0.1"]})
    use_host(monkeypatch, "0.0.0.0")
    link = lan.forms_link()
    assert not link.reachable and "局域网地址" in link.note


@pytest.mark.parametrize(("host", "url"), [("192.168.3.7", "http://192.168.3.7:8866/"),
                                           ("fd00::7", "http://[fd00::7]:8866/")])
def test_a_given_address_is_used_as_it_is(monkeypatch, host, url):
    use_host(monkeypatch, host)
    assert lan.forms_link() == lan.Link(url, host, True)


def test_qr_code_is_inline_svg_of_the_url():
    import segno

    url = "http://192.168.1.20:8866/?form=sixiang_dongtai"
    svg = lan.qr_svg(url)
    assert svg.startswith("<svg") and "<?xml" not in svg and "<script" not in svg
    assert svg == lan.qr_svg(url) != lan.qr_svg(url.replace("20", "21"))
    # the same symbol segno encodes for the URL: version and error level fit a phone camera
    code = segno.make(url, error="m", micro=False)
    assert not code.is_micro and code.error in ("M", "Q", "H")


def test_meeting_card_escapes_and_hides():
    from widgets.questionnaire_qr import QuestionnaireQR

    link = lan.Link("http://192.168.1.20:8866/?form=x&lang=zh-Hant", "192.168.1.20", True, "问卷<b>", "")
    card = QuestionnaireQR(link)
    html = card.card.value
    assert 'data-testid="qr-url"' in html and "?form=x&amp;lang=zh-Hant" in html
    assert "问卷&lt;b&gt;" in html and "问卷<b>" not in html
    assert lan.qr_svg(link.url) in html
    assert 'data-testid="qr-note"' not in html
    card.toggle.value = False
    assert card.card.layout.display == "none" and card.toggle.description == "显示问卷二维码"
    card.toggle.value = True
    assert card.card.layout.display is None
    note = QuestionnaireQR(lan.Link("http://127.0.0.1:8866/", "127.0.0.1", False, "问卷", "只在本机<监听>"))
    assert "只在本机&lt;监听&gt;" in note.card.value
