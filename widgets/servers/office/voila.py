# Voila configuration of the office server (cases, dashboards, reports): office staff only.
import secrets

from widgets.servers.common import configure
from xinfang.config import settings

configure(c, "office")  # noqa: F821  (``c`` is the traitlets config object Voila provides)
# Until user accounts land, the office server requires a token (`xinfang serve` prints the URL with it).
c.Voila.token = settings()["office_token"] or secrets.token_urlsafe(24)  # noqa: F821
