"""Issue 15 in a real browser (Playwright on Debian's Chromium): drafts, the expired session, the live panel, the
keyboard-only path, 390 px wide pages and a visible focus ring."""
import json
import re

import pytest
from django.core.management import call_command

from screening.engine import assess
from screening.models import Draft
from screening.services import screening_create
from tests.conftest import PASSWORD, healthy_intake, make_user
from tests.test_browser import browser, leave, serious_violations, shot, sign_in  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def context(browser):  # noqa: F811 - the module's browser fixture
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    yield context
    for page in context.pages:
        leave(page)
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def wait_for_draft(page, holding: str):
    """Until the page says the draft is saved and the server's draft holds `holding` (on a slow machine an earlier
    autosave can report "saved" before the last entry has reached the server)."""
    page.locator("#draft-status", has_text="Draft saved").wait_for()
    for _ in range(150):
        if any(holding in json.dumps(d.data) for d in Draft.objects.all()):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"no draft holds {holding!r}")


def test_the_draft_survives_a_reload_and_an_expired_session(context, page, live_server):
    make_user("clinician", "Clinician")
    sign_in(page, live_server, "clinician")
    page.goto(f"{live_server.url}/screenings/new/")
    page.get_by_label("Client reference code").fill("TH-6060")
    page.get_by_label("MDMA").check()
    page.get_by_label("Resting systolic blood pressure (mmHg)").fill("150/95")
    page.get_by_label("Notes").fill("Every word of this note must survive.")
    wait_for_draft(page, "Every word of this note must survive.")
    assert "draft=" in page.url
    page.reload()
    assert page.get_by_label("Client reference code").input_value() == "TH-6060"
    assert page.get_by_label("Notes").input_value() == "Every word of this note must survive."
    assert page.get_by_label("MDMA").is_checked()
    page.goto(f"{live_server.url}/")
    assert "TH-6060" in page.locator("#drafts-heading + p + ul").inner_text()
    page.get_by_role("link", name="Resume the draft TH-6060").click()
    # The form's script listens from here on, and the requests it makes on load (the live panel) are answered: a
    # response arriving after the cookie is dropped would set the session cookie again (it is renewed on every
    # response), which no real expiry does.
    page.wait_for_load_state("networkidle")

    # The session ends (its cookie is gone; the CSRF cookie stays, as in a browser). The autosave still keeps the
    # entries, and the page says so; saving keeps everything.
    cookies = [c for c in context.cookies() if c["name"] != "sessionid"]
    context.clear_cookies()
    context.add_cookies(cookies)
    page.get_by_label("Notes").fill("Every word of this note must survive, and this too.")
    dialog = page.get_by_role("alertdialog")
    dialog.get_by_text("You have been signed out").wait_for()
    assert page.evaluate("document.activeElement.id") == "session-save"
    dialog.get_by_role("button", name="Save and sign in again").click()
    page.wait_for_selector("text=Your session had ended")
    assert serious_violations(page) == []
    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Every entry is back in the form")
    assert page.get_by_label("Client reference code").input_value() == "TH-6060"
    assert page.get_by_label("Notes").input_value() == "Every word of this note must survive, and this too."
    assert page.get_by_label("Resting systolic blood pressure (mmHg)").input_value() == "150/95"
    shot(page, "intake-restored")
    page.locator("#intake-side").get_by_role("button", name="Save and see the assessment").click()
    # Most questions are still unanswered: the form asks to confirm, every entry kept.
    page.get_by_role("button", name=re.compile(r"Save with \d+ questions not assessed")).click()
    page.wait_for_selector("h1:has-text('Screening TH-6060')")
    page.goto(f"{live_server.url}/")
    assert page.locator("#drafts-heading").count() == 0


def test_the_live_panel_shows_a_critical_flag_for_an_maoi_with_mdma_before_saving(page, live_server):
    make_user("clinician", "Clinician")
    sign_in(page, live_server, "clinician")
    page.goto(f"{live_server.url}/screenings/new/")
    page.get_by_label("MDMA").check()
    page.locator("#id_medications").fill("Nardil")
    panel = page.locator("#live-body")
    panel.locator(".sev-critical").first.wait_for()
    expected = assess({"substances": ["mdma"], "medications": ["Nardil"]})
    critical = [f["title"] for f in expected["flags"] if f["severity"] == "critical"]
    assert critical and all(title in panel.inner_text() for title in critical)
    assert "phenelzine" in panel.inner_text().lower()
    assert re.search(r"\d+ questions? not assessed yet", panel.inner_text())
    # "Answer No to the unanswered questions" fills only unanswered ones, and can be undone.
    page.locator("#id_bipolar_1").check()  # Bipolar I: answered, so left alone
    section = page.locator("#section-psychiatric")
    section.get_by_role("button", name="Answer No to the unanswered questions of this section").click()
    assert page.locator("#id_psychosis_history_1").is_checked()  # No
    assert page.locator("#id_bipolar_1").is_checked()
    section.get_by_role("button", name=re.compile("^Undo")).click()
    assert page.locator("#id_psychosis_history_2").is_checked()  # Not assessed again
    assert page.locator("#id_bipolar_1").is_checked()
    assert serious_violations(page) == []
    shot(page, "intake-live-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Live assessment").click()
    page.locator("#intake-side .sev-critical").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "intake-live-390")


def test_the_session_warning_offers_to_stay_signed_in(page, live_server, settings):
    settings.SESSION_COOKIE_AGE = 14  # the warning comes at half of it, checked every 5 seconds
    make_user("clinician", "Clinician")
    sign_in(page, live_server, "clinician")
    page.goto(f"{live_server.url}/screenings/new/")
    warning = page.get_by_role("alertdialog", name="Still there?")
    warning.wait_for(timeout=15000)
    assert page.evaluate("document.activeElement.id") == "session-stay"
    page.keyboard.press("Enter")
    warning.wait_for(state="hidden")
    assert page.evaluate("fetch('/session/keep-alive/').then(r => r.json())")["signed_in"]


def test_the_form_can_be_filled_and_saved_with_the_keyboard_alone(page, live_server):
    make_user("clinician", "Clinician")
    sign_in(page, live_server, "clinician")
    page.goto(f"{live_server.url}/screenings/new/")

    def tab_to(predicate: str, limit: int = 400):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate}; }})()"):
                return
        raise AssertionError(f"Tab never reached {predicate}")

    tab_to("el.id === 'id_client_code'")
    page.keyboard.type("TH-3030")
    tab_to("el.id === 'id_substances_0'")
    page.keyboard.press("Space")
    tab_to("el.textContent.startsWith('Answer No to the unanswered')")
    page.keyboard.press("Enter")
    tab_to("el.type === 'submit' && el.textContent.includes('Save and see the assessment')")
    page.keyboard.press("Enter")
    # Most sections are left unanswered, so the save asks to confirm; its button is reached by keyboard too.
    page.wait_for_selector("#confirm-incomplete")
    tab_to("el.type === 'submit' && el.textContent.startsWith('Save with')")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Screening TH-3030')")
    assert "Revision 1 of 1" in page.inner_text("main")


def test_focus_on_the_navbar_is_clearly_visible(page, live_server):
    make_user("clinician", "Clinician")
    sign_in(page, live_server, "clinician")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('nav-link')"):
            break
    style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); "
                          "return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; })()")
    assert style[0] == "solid" and style[1] >= 3 and style[2] == "rgb(255, 255, 255)", style


def test_no_page_scrolls_sideways_at_390_px(browser, live_server):  # noqa: F811
    clinician = make_user("clinician", "Clinician")
    make_user("lead", "Clinical lead")
    call_command("load_cases", verbosity=0)
    from library.models import Case
    from library.views import quiz_attempt_create

    first = Case.objects.order_by("slug").first()
    case = first.slug
    attempt = quiz_attempt_create(user=clinician, case=first, answer={
        "factors": list(first.expected.get("factors", []))[:1], "severity": dict.fromkeys(first.substances, "warning")})
    screening = screening_create(owner=clinician, client_code="TH-3900",
                                 intake=healthy_intake(medications=["Nardil", "Zoloft", "an unknown remedy"]),
                                 answers={})
    pages = {"clinician": ["/", "/screenings/new/", "/screenings/", f"/screenings/{screening.pk}/",
                           f"/screenings/{screening.pk}/edit/", "/rules/", "/intake/blank/", "/about/", "/cases/",
                           f"/cases/{case}/", f"/cases/{case}/quiz/", "/cases/progress/",
                           f"/cases/{case}/attempts/{attempt.pk}/", "/accounts/"],
             "lead": ["/screenings/", "/audit/", "/accounts/team/", f"/screenings/{screening.pk}/erase/"],
             None: ["/accounts/login/", "/about/", "/accounts/password/reset/"]}
    wide = []
    for user, paths in pages.items():
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        if user:  # at 390 px "Signed in as" is inside the collapsed menu: wait for the home page instead
            page.goto(f"{live_server.url}/accounts/login/")
            page.get_by_label("Username").fill(user)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{live_server.url}/")
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide.append((path, width))
            if path in ("/screenings/new/", "/rules/", "/intake/blank/", "/cases/progress/"):
                shot(page, "390" + path.strip("/").replace("/", "-"))
        leave(page)
        context.close()
    assert wide == []
