"""QuestionnaireQR: the questionnaire's address on the mine LAN as a QR code and as text, for the
meeting view on the projector; a button hides it once everyone has scanned."""

from __future__ import annotations

import html

import ipywidgets as w

from xinfang import lan


def render(link: lan.Link) -> str:
    """The card's HTML: the SVG made by segno (no user text in it) and the escaped URL and note."""
    note = (f'<div data-testid="qr-note" style="color:#b42318;font-size:20px;margin-top:8px">'
            f'{html.escape(link.note)}</div>' if link.note else "")
    return (
        '<div data-testid="questionnaire-qr" style="display:flex;gap:24px;align-items:center;'
        'border:1px solid #d0d7de;border-radius:8px;padding:12px 20px;background:#fff;margin:8px 0">'
        f'<div data-testid="qr-code" data-url="{html.escape(link.url)}" style="flex:0 0 auto;line-height:0">'
        f'{lan.qr_svg(link.url)}</div>'
        '<div style="min-width:0">'
        f'<div style="font-size:28px;font-weight:600">手机扫码填写：{html.escape(link.title)}</div>'
        '<div style="font-size:20px;color:#57606a;margin:6px 0">匿名填写，不记录姓名、工号和地址。'
        '扫不了码的，可在手机浏览器里输入：</div>'
        f'<div data-testid="qr-url" style="font-size:32px;font-family:monospace;word-break:break-all">'
        f'{html.escape(link.url)}</div>{note}</div></div>'
    )


class QuestionnaireQR(w.VBox):
    """``value`` is the link shown (default: the questionnaire on this machine's forms server)."""

    def __init__(self, link: lan.Link | None = None, **kwargs):
        self.value = link or lan.questionnaire_link()
        self.card = w.HTML(render(self.value))
        self.toggle = w.ToggleButton(value=True, description="隐藏二维码", layout=w.Layout(width="auto"))
        self.toggle.observe(self.on_toggle, names="value")
        kwargs.setdefault("layout", w.Layout(align_items="flex-start"))  # the button as wide as its text
        super().__init__([self.toggle, self.card], **kwargs)

    def on_toggle(self, change) -> None:
        shown = bool(change["new"])
        self.card.layout.display = None if shown else "none"
        self.toggle.description = "隐藏二维码" if shown else "显示问卷二维码"
