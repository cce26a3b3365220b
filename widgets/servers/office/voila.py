# Voila configuration of the office server (cases, dashboards, reports): signed-in office staff only.
from widgets.servers.common import configure
from widgets.servers.signin import OfficeAuthorizer, OfficeIdentityProvider, OwnedKernelManager
from xinfang.accounts import SESSION_HEADER

configure(c, "office")  # noqa: F821  (``c`` is the traitlets config object Voila provides)
# Sign-in with the office's user accounts (xinfang user add …) on Jupyter Server's identity-provider API;
# every page, kernel API and kernel websocket needs a live session (widgets/servers/signin.py).
c.Voila.identity_provider_class = OfficeIdentityProvider  # noqa: F821
c.Voila.authorizer_class = OfficeAuthorizer  # noqa: F821
c.VoilaConfiguration.multi_kernel_manager_class = OwnedKernelManager  # noqa: F821
# The page's kernel learns whom it works for from this header, which the identity provider sets.
c.VoilaConfiguration.http_header_envs = [SESSION_HEADER]  # noqa: F821
# No preheated kernels here: a pooled kernel runs before anyone has signed in, and its request info
# would travel over Voila's unauthenticated /voila/query socket.
c.VoilaConfiguration.preheat_kernel = False  # noqa: F821
