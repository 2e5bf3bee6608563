"""The main flow in a real browser: Playwright driving Debian's Chromium (never a downloaded browser)."""
import os
import re
from pathlib import Path

import pytest

from screening.engine import assess, default_ruleset
from screening.engine.present import present
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
# Playwright's sync API runs an event loop in this thread; the ORM calls made here between steps are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    leave(page)
    context.close()


def leave(page):
    """Leaves the page and lets the intake form's last autosave (sent as the page goes) reach the server, so that
    it does not meet the database being flushed after the test."""
    page.goto("about:blank")
    page.wait_for_timeout(400)


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Signed in as")


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_clinician_screens_acknowledges_and_revises(page, live_server):
    make_user("clinician", "Clinician")
    sign_in(page, live_server, "clinician")
    page.get_by_role("link", name="New screening").first.click()
    assert serious_violations(page) == []
    shot(page, "intake-form")

    # A client on an SSRI with controlled hypertension, considering MDMA.
    page.get_by_label("Client reference code").fill("TH-4242")
    page.get_by_label("MDMA").check()
    page.locator("#id_psychosis_history_1").check()  # No
    page.locator("#id_hypertension_1").check()  # Yes, controlled
    page.get_by_label("Resting systolic blood pressure (mmHg)").fill("132")
    page.locator("#id_medication_review_0").check()
    page.get_by_label("Find a name").fill("Zoloft")
    page.get_by_role("button", name="Add to the list").click()
    assert page.locator("#id_medications").input_value() == "Zoloft"
    for item in ("cssrs_wish_dead", "cssrs_thoughts", "cssrs_behaviour"):
        page.locator(f"#id_{item}_1").check()
    page.get_by_role("button", name="Save and see the assessment").first.click()
    # Most questions are unanswered: the form asks to confirm, with every entry kept.
    confirm = page.get_by_role("button", name=re.compile(r"Save with \d+ questions not assessed"))
    assert page.get_by_label("Client reference code").input_value() == "TH-4242"
    assert serious_violations(page) == []
    shot(page, "intake-confirm")
    confirm.click()

    page.wait_for_selector("h1:has-text('Screening TH-4242')")
    expected = assess({"substances": ["mdma"], "psychosis_history": False, "hypertension": "controlled",
                       "systolic_bp": 132, "medications": ["Zoloft"], "suicidality": "none"})
    factors = [c["name"] for c in present(expected, default_ruleset().labels())["factor_cards"]]
    assert factors, "the case should raise at least the SSRI flag"
    assert page.locator("article.flag-card h3").all_inner_texts() == factors  # one card per caution factor
    assert page.locator("text=Revision 1 of 1").count() == 1
    assert serious_violations(page) == []
    shot(page, "assessment")

    first = expected["flags"][0]["rule"]
    card = page.locator(f"#flag-{first}")
    card.locator("textarea").fill("Discussed the SSRI with the client.")
    card.get_by_role("button", name="Acknowledge").click()
    page.wait_for_selector("text=Acknowledged by clinician")
    assert "Discussed the SSRI with the client." in page.locator(f"#flag-{first}").inner_text()

    page.get_by_role("link", name="Revise").click()
    assert page.locator("#id_medications").input_value() == "Zoloft"
    page.locator("#id_medications").fill("Zoloft\nNardil")
    page.get_by_role("button", name="Save and see the assessment").first.click()
    page.get_by_role("button", name=re.compile(r"Save with \d+ questions not assessed")).click()
    page.wait_for_selector("text=Revision 2 of 2")
    assert page.locator("#flag-maoi-mdma").count() == 1 or "MAOI" in page.inner_text("main")
    page.get_by_role("link", name="Revision 1", exact=True).click()
    page.wait_for_selector("text=Revision 1 (shown)")
    assert "Acknowledged by clinician" in page.inner_text("main")


def test_bad_input_in_the_browser_keeps_entries_and_names_the_field(page, live_server):
    make_user("clinician", "Clinician")
    sign_in(page, live_server, "clinician")
    page.goto(f"{live_server.url}/screenings/new/")
    page.get_by_label("Client reference code").fill("Jane Smith")
    page.get_by_label("Notes").fill("Keep this note.")
    page.get_by_role("button", name="Save and see the assessment").first.click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert "Client reference code" in summary.inner_text()
    assert "Substances being considered" in summary.inner_text()
    assert page.get_by_label("Notes").input_value() == "Keep this note."
    assert page.evaluate("document.activeElement.id") == "error-summary"
    summary.get_by_role("link", name="Substances being considered").click()
    assert page.evaluate("document.activeElement.id") == "id_substances_0"
    assert serious_violations(page) == []
    shot(page, "intake-errors")
