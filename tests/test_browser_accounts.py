"""Two-factor enrolment and the account pages in a real browser, with an accessibility check on each page."""
import re
import time
from base64 import b32decode

import pytest

from screening.roles import CLINICIAN, LEAD
from tests.conftest import make_user
from tests.test_accounts import totp_code
from tests.test_browser import browser, page, serious_violations, shot  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enrolment_sign_in_with_a_code_and_the_account_pages(page, live_server, settings):  # noqa: F811
    settings.REQUIRE_2FA = True
    make_user("clinician", CLINICIAN)
    make_user("lead", LEAD)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Set up two-factor sign-in")
    assert serious_violations(page) == []
    secret = b32decode(page.locator("#totp-secret").inner_text().replace(" ", ""))
    page.get_by_label("Code from the app").fill(totp_code(secret, time.time()))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_selector("text=Your recovery codes")
    assert len(re.findall(r"\b[a-z2-7]{8}\b", page.locator("#recovery-codes").inner_text())) == 10
    assert serious_violations(page) == []
    page.get_by_role("link", name="I have kept them; continue").click()
    page.wait_for_selector("text=Signed in as")

    for path, heading in (("/accounts/", "Your account"), ("/accounts/team/", "Accounts"),
                          ("/accounts/team/new/", "Add an account"), ("/accounts/password/", "Change your password")):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector(f"h1:has-text('{heading}')")
        assert serious_violations(page) == [], path
    page.goto(f"{live_server.url}/accounts/team/")
    page.get_by_role("link", name="clinician").click()
    page.wait_for_selector("h1:has-text('Account clinician')")
    assert serious_violations(page) == []
    shot(page, "account-member")

    page.get_by_role("button", name="Sign out", exact=True).click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Second step of sign-in")
    assert serious_violations(page) == []
    page.get_by_label("Code").fill(totp_code(secret, time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("text=Signed in as")
    for path in ("/accounts/password/reset/", "/accounts/password/reset/sent/"):
        context = page.context.browser.new_context()
        anonymous = context.new_page()
        anonymous.goto(f"{live_server.url}{path}")
        assert serious_violations(anonymous) == [], path
        context.close()
