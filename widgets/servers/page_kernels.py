"""The forms server's kernels: each answers only the browser whose page it serves.

The forms server has no sign-in, so Jupyter Server gives every browser an anonymous identity of its
own (a random id in a signed, HTTP-only cookie, set with the page). A preheated kernel is handed to a
page before anyone is known, so the kernel belongs to the first identity that reaches it — the page's
own widgets connecting to it — and any other browser that learns its id gets 403 from the kernel API
and the kernel websocket: it can neither read another person's answers through the widget protocol,
nor click their buttons, nor shut the kernel down. (Voila itself lets no browser run code in a kernel:
it passes only widget and kernel-info messages.)
"""

from __future__ import annotations

from jupyter_server.auth.authorizer import Authorizer


class PageKernelAuthorizer(Authorizer):
    """Kernels (their REST API and websocket) answer only the anonymous browser that first reached them."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.owners: dict[str, str] = {}

    def is_authorized(self, handler, user, action, resource) -> bool:
        if resource != "kernels":
            return True
        kernel_id = handler.path_kwargs.get("kernel_id") or next(iter(handler.path_args), None)
        who = getattr(user, "username", None)
        if not kernel_id or not who:
            return False  # no listing of kernels, and nobody without an identity
        if kernel_id not in self.owners:
            self._forget_ended(handler)
        return self.owners.setdefault(kernel_id, who) == who

    def _forget_ended(self, handler) -> None:
        """Drop owners of kernels that are gone (culled or shut down), so the table stays small."""
        manager = getattr(handler, "kernel_manager", None)
        if manager is None or len(self.owners) < 64:
            return
        alive = set(manager.list_kernel_ids())
        for kernel_id in [k for k in self.owners if k not in alive]:
            del self.owners[kernel_id]


__all__ = ["PageKernelAuthorizer"]
