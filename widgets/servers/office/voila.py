# Voila configuration of the office server (cases, dashboards, reports): signed-in office staff only.
from widgets.servers.common import configure
from widgets.servers.signin import (
    OfficeAuthorizer,
    OfficeIdentityProvider,
    OwnedKernelManager,
    install_request_channel,
)
from xinfang.accounts import SESSION_HEADER
from xinfang.config import settings

configure(c, "office")  # noqa: F821  (``c`` is the traitlets config object Voila provides)
# Sign-in with the office's user accounts (xinfang user add …) on Jupyter Server's identity-provider API;
# every page, kernel API and kernel websocket needs a live session (widgets/servers/signin.py).
c.Voila.identity_provider_class = OfficeIdentityProvider  # noqa: F821
c.Voila.authorizer_class = OfficeAuthorizer  # noqa: F821
c.VoilaConfiguration.multi_kernel_manager_class = OwnedKernelManager  # noqa: F821
# The page's kernel learns whom it works for from this header, which the identity provider sets.
c.VoilaConfiguration.http_header_envs = [SESSION_HEADER]  # noqa: F821
# Preheated kernels (XINFANG_OFFICE_POOL_SIZE): each has started and imported pandas, plotly and the page
# code before anyone opens a page (widgets.pages.prepare_office). A pooled kernel learns whom it works
# for over Voila's request-info websocket, which here answers only this server's kernels
# (widgets/servers/signin.py, install_request_channel).
_pool = int(settings()["office_pool_size"])
c.VoilaConfiguration.preheat_kernel = _pool > 0  # noqa: F821
c.VoilaConfiguration.default_pool_size = _pool  # noqa: F821
# A used pooled kernel is replaced after a short pause: starting one (imports included) takes a core
# for seconds, which the page just opened needs for its first second (sizes: xinfang/config.py).
c.VoilaKernelManager.fill_delay = float(settings()["office_pool_refill_delay_seconds"])  # noqa: F821
if _pool > 0:
    install_request_channel()
