"""The second step of a staff sign-in in the browser: the code of the authenticator app."""

import time
from typing import Any

from haven.orgs.tests.factories import totp_code

# allauth accepts each code once per person: a second sign-in in the same 30 seconds waits.
_USED: dict[str, str] = {}


def enter_totp_code(page: Any, email: str) -> None:
    """After the password: the code page (users with an authenticator) or the home page."""
    # Wait until the browser has left the password page: a pattern that also matches
    # "/account/login/" returned at once on a slow machine, before the POST had answered.
    page.wait_for_url(lambda url: "/account/login/" not in url)
    if "/account/two-factor/authenticate/" not in page.url:
        return
    code = totp_code()
    if _USED.get(email) == code:
        time.sleep(30 - time.time() % 30 + 0.5)
        code = totp_code()
    _USED[email] = code
    page.locator("#id_code").fill(code)
    page.locator("main form button.primary").first.click()
