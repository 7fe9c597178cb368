"""The browser set-up of the web tests (Debian's Chromium, the demo data), shared here."""

from tests.web.conftest import browser_type_launch_args

__all__ = ["browser_type_launch_args"]
