"""A phone without a browser: speaks the Voila / Jupyter protocol the way a Voila page does.

GET the page (Voila renders the notebook in a kernel and names it in the page), open the kernel's
websocket, open the ``jupyter.widget.control`` comm (ipywidgets control protocol 1.0.0) and ask for
every widget's state, then change widgets and click buttons with the same ``comm_msg`` messages the
widget manager in the page sends ("update" with a state, "custom" with a click event).

Seventy Chromium pages do not fit on two cores; seventy of these do, so the load tests and the
burst benchmark measure the server, not the browsers. Written here because no maintained Python
client of the ipywidgets comm protocol exists (jupyter_client speaks to kernels, not to widgets).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import WebSocketClosedError, websocket_connect

CONTROL_VERSION = "1.0.0"


class PageGone(RuntimeError):
    """The server or the kernel went away (socket closed) before the awaited answer came."""


class Phone:
    """One simulated page: ``await open()``, then ``find``, ``set``, ``click``, ``wait_for``."""

    def __init__(self, url: str, *, timeout: float = 600) -> None:
        self.url, self.timeout = url, timeout
        self.base = re.match(r"https?://([^/]+)/", url)[1]
        self.session = uuid.uuid4().hex
        self.states: dict[str, dict] = {}
        self.history: list[tuple[str, dict]] = []  # every state change from the kernel, in order
        self.ws = None
        self.kernel: str | None = None
        self._updates: asyncio.Queue = asyncio.Queue()
        self._reader: asyncio.Task | None = None
        self._control: str | None = None
        self.opened_in: float | None = None

    # -- protocol -------------------------------------------------------------------------------

    def _msg(self, msg_type: str, content: dict, metadata: dict | None = None) -> str:
        return json.dumps({
            "header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "phone",
                       "session": self.session, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "version": "5.3"},
            "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": "shell", "buffers": []})

    async def _send(self, msg_type: str, content: dict, metadata: dict | None = None) -> None:
        try:
            await self.ws.write_message(self._msg(msg_type, content, metadata))
        except WebSocketClosedError as exc:
            raise PageGone("websocket closed") from exc

    async def _read(self) -> None:
        while True:
            raw = await self.ws.read_message()
            if raw is None:
                await self._updates.put(None)
                return
            if isinstance(raw, bytes):
                continue  # binary frames carry widget buffers (none in our forms)
            msg = json.loads(raw)
            if msg.get("msg_type") != "comm_msg":
                continue
            data = msg["content"].get("data", {})
            comm = msg["content"].get("comm_id")
            if data.get("method") == "update_states":
                for model_id, s in data["states"].items():
                    self.states[model_id] = dict(s["state"])
                await self._updates.put(("states", None))
            elif data.get("method") in ("update", "echo_update") and comm:
                self.states.setdefault(comm, {}).update(data.get("state", {}))
                self.history.append((comm, data.get("state", {})))
                await self._updates.put(("update", comm))

    async def open(self) -> float:
        """Load the page and its widgets; returns the seconds from GET to widget states ("interactive")."""
        t0 = time.perf_counter()
        client = AsyncHTTPClient(force_instance=True)
        try:
            page = await client.fetch(HTTPRequest(self.url, request_timeout=self.timeout, connect_timeout=60))
        finally:
            client.close()
        found = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', page.body.decode())
        if found is None:
            raise PageGone("the page names no kernel")
        self.kernel = found[1]
        scheme = "wss" if self.url.startswith("https") else "ws"
        self.ws = await websocket_connect(
            f"{scheme}://{self.base}/api/kernels/{self.kernel}/channels?session_id={self.session}",
            max_message_size=64 * 2**20)
        self._reader = asyncio.create_task(self._read())
        self._control = comm = uuid.uuid4().hex
        await self._send("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}},
                         {"version": CONTROL_VERSION})
        await self.refresh()
        self.opened_in = time.perf_counter() - t0
        return self.opened_in

    async def refresh(self, timeout: float | None = None) -> None:
        """Ask the kernel for every widget's state again (what a reloaded widget manager would show)."""
        await self._send("comm_msg", {"comm_id": self._control, "data": {"method": "request_states"}})
        await self._next(lambda kind, _id: kind == "states", timeout)

    async def until_present(self, *dom_classes: str, timeout: float = 120) -> None:
        """Until widgets with these classes exist: a kernel taken fresh from a crowded server may still be
        building the page when the states are first asked for (a browser simply draws it when it arrives)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                for c in dom_classes:
                    self.find(c)
                return
            except KeyError:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(1)
            await self.refresh(timeout=max(1.0, deadline - time.monotonic()))

    async def _next(self, accept: Callable[[str, str | None], bool], timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no such update in time")
            item = await asyncio.wait_for(self._updates.get(), timeout=left)
            if item is None:
                raise PageGone("websocket closed")
            if accept(*item):
                return

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
        if self._reader is not None:
            self._reader.cancel()

    # -- widgets --------------------------------------------------------------------------------

    def find(self, dom_class: str) -> str:
        """The model id of the widget carrying ``dom_class`` (e.g. 'xf-input-remark', 'xf-submit')."""
        for model_id, s in self.states.items():
            if dom_class in (s.get("_dom_classes") or []):
                return model_id
        raise KeyError(f"no widget with class {dom_class}")

    def children(self, model_id: str) -> list[str]:
        return [c.removeprefix("IPY_MODEL_") for c in self.states[model_id].get("children", [])]

    async def set(self, model_id: str, **state: Any) -> None:
        self.states[model_id].update(state)
        await self._send("comm_msg", {"comm_id": model_id,
                                      "data": {"method": "update", "state": state, "buffer_paths": []}})

    async def click(self, model_id: str) -> None:
        await self._send("comm_msg", {"comm_id": model_id, "data": {"method": "custom", "content": {"event": "click"}}})

    async def choose(self, dom_class: str, option: str) -> None:
        """Pick the option whose label is ``option`` in a dropdown, radio or toggle group."""
        model = self.find(dom_class)
        labels = self.states[model]["_options_labels"]
        await self.set(model, index=labels.index(option))

    async def tick(self, dom_class: str, *labels: str) -> None:
        """Tick the checkboxes labelled ``labels`` in a select_multiple (a box of checkboxes)."""
        for child in self.children(self.find(dom_class)):
            if self.states[child].get("description") in labels:
                await self.set(child, value=True)

    async def wait_for(self, predicate: Callable[[Phone], bool], timeout: float | None = None) -> None:
        """Until ``predicate(self)`` holds after some update from the kernel."""
        if predicate(self):
            return
        await self._next(lambda _kind, _id: predicate(self), timeout)

    def text_of(self, marker: str) -> str | None:
        """The value of the first HTML widget whose value contains ``marker``."""
        for s in self.states.values():
            value = s.get("value")
            if isinstance(value, str) and marker in value:
                return value
        return None


async def fill_questionnaire(phone: Phone, remark: str, *, seed: int = 0) -> None:
    """Answer 员工思想动态问卷 the way a person would: unit, six ratings, two concerns, a remark."""
    await phone.until_present("xf-submit", "xf-input-unit", "xf-input-remark")
    for i, name in enumerate(("unit", "pay", "safety", "canteen", "shift", "management", "ppe")):
        model = phone.find(f"xf-input-{name}")
        n = len(phone.states[model]["_options_labels"])
        await phone.set(model, index=(seed + 3 * i) % n)
    boxes = phone.children(phone.find("xf-input-concerns"))
    for child in (boxes[seed % len(boxes)], boxes[(seed + 1) % len(boxes)]):
        await phone.set(child, value=True)
    await phone.set(phone.find("xf-input-remark"), value=remark)


async def fill_demand(phone: Phone, content: str, *, mode: str = "匿名", name: str = "", staff_no: str = "",
                      mobile: str = "", seed: int = 0) -> None:
    """Fill 诉求登记 (suqiu_dengji): 反映方式 ``mode`` (实名 / 保密 / 匿名), the identity when not 匿名, a unit,
    channel, nature and topic chosen by ``seed``, and the demand ``content``."""
    modes = [label.split("（")[0] for label in phone.states[phone.find("xf-input-intake_mode")]["_options_labels"]]
    await phone.set(phone.find("xf-input-intake_mode"), index=modes.index(mode))
    if mode != "匿名":
        for field_name, value in (("name", name), ("staff_no", staff_no), ("phone", mobile)):
            if value:
                await phone.set(phone.find(f"xf-input-{field_name}"), value=value)
    for i, field_name in enumerate(("unit", "channel", "nature", "topic")):
        model = phone.find(f"xf-input-{field_name}")
        n = len(phone.states[model]["_options_labels"])
        await phone.set(model, index=(seed + 5 * i) % n)
    await phone.set(phone.find("xf-input-content"), value=content)


async def press_submit(phone: Phone, timeout: float | None = None) -> str | None:
    """Press 提交 and wait for the outcome of this press: None when the answers were stored (the page
    clears its "submitting" line), else the error the page shows (HTML). Unlike ``receipt_shown`` it
    tells apart the second and later submissions of one page, whose receipt text may not change."""
    mark = len(phone.history)
    await phone.click(phone.find("xf-submit"))
    outcome: dict[str, str] = {}

    def settled(p: Phone) -> bool:
        busy: set[str] = set()
        for model, state in p.history[mark:]:
            value = state.get("value")
            if not isinstance(value, str):
                continue
            if 'data-testid="form-error"' in value:
                outcome["error"] = value
                return True
            if value.startswith('<div class="xf-hint">') and ("正在提交" in value or "Submitting" in value):
                busy.add(model)
            elif model in busy and value == "":
                return True
        return False

    await phone.wait_for(settled, timeout)
    return outcome.get("error")


def receipt_shown(phone: Phone) -> bool:
    return phone.text_of('data-testid="receipt"') is not None


def error_shown(phone: Phone) -> str | None:
    return phone.text_of('data-testid="form-error"')
