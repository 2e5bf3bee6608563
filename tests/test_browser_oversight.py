"""Issue 16 in a real browser, with axe: completeness, the acknowledgement error's focus, the diff, the lead's
filters; every page looked at 1366 and 390 px wide (screenshots in tests/artifacts/)."""
import os

import pytest

from screening.services import screening_create, screening_revise
from tests.conftest import PASSWORD, healthy_intake, make_user
from tests.test_browser import browser, serious_violations, shot  # noqa: F401 (the browser fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(WIDTHS))
def sized(request, browser):  # noqa: F811
    context = browser.new_context(viewport=WIDTHS[request.param])
    page = context.new_page()
    yield page, request.param
    context.close()


def sign_in(page, live_server, username):
    """As tests/test_browser.py does, but at 390 px the signed-in line sits in the collapsed menu."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Signed in as", state="attached")


def look(page, name, width):
    assert serious_violations(page) == []
    shot(page, f"oversight-{name}-{width}")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => !e.closest('.table-responsive')
        && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 5)
        .map(e => e.tagName + '.' + e.className)""")
    assert overflow <= 1, f"{name} scrolls sideways at {width}: {wide}"


def test_completeness_and_the_acknowledgement_error_take_focus(sized, live_server):
    page, width = sized
    clinician = make_user("clinician", "Clinician")
    empty = screening_create(owner=clinician, client_code="TH-0100", intake={"substances": ["mdma"]}, answers={})
    flagged = screening_create(owner=clinician, client_code="TH-0101", answers={}, intake=healthy_intake(
        substances=["mdma", "psilocybin"], psychosis_history=True, medications=["lithium", "zzunknownzz"]))
    sign_in(page, live_server, "clinician")

    page.goto(f"{live_server.url}/screenings/{empty.pk}/")
    summary = page.locator("#completeness").inner_text()
    assert "0 of" in summary and "No caution factor was raised by the answers given." in summary
    assert page.locator(".sev-none").count() == 0 and page.locator(".alert-success").count() == 0
    look(page, "assessment-empty", width)

    page.goto(f"{live_server.url}/screenings/")
    assert "No flag from the answers given" in page.inner_text("main")
    look(page, "my-screenings", width)

    page.goto(f"{live_server.url}/screenings/{flagged.pk}/")
    look(page, "assessment-flags", width)
    rule = flagged.revisions.first().assessment["flags"][0]["rule"]
    page.locator(f"#flag-{rule}").get_by_role("button", name="Acknowledge").click()
    page.wait_for_selector(f"#ack-error-{rule}")
    assert page.evaluate("document.activeElement.id") == f"ack-{rule}"
    box = page.locator(f"#ack-{rule}").bounding_box()
    assert 0 <= box["y"] <= page.viewport_size["height"], "the field with the error is in view"
    look(page, "acknowledgement-error", width)


def test_the_diff_and_the_lead_filters(sized, live_server):
    page, width = sized
    clinician, other = make_user("clinician", "Clinician"), make_user("clinician2", "Clinician")
    make_user("lead", "Clinical lead")
    screening = screening_create(owner=clinician, client_code="TH-0200", answers={},
                                 intake=healthy_intake(substances=["mdma"]))
    screening_revise(screening=screening, user=clinician, client_code="TH-0200", answers={},
                     intake=healthy_intake(substances=["mdma"], psychosis_history=True, age=17,
                                           medications=["Zoloft"]))
    screening_create(owner=other, client_code="TH-0201", intake={"substances": ["ketamine"]}, answers={})
    sign_in(page, live_server, "lead")

    page.goto(f"{live_server.url}/screenings/{screening.pk}/")
    page.get_by_role("link", name="changes from revision 1").click()
    page.wait_for_selector("#fields-diff")
    rows = page.locator("#fields-diff ~ div tbody tr, section[aria-labelledby=fields-diff] tbody tr")
    assert rows.count() == 3
    assert "Added in revision 2" in page.inner_text("main")
    look(page, "diff", width)

    page.goto(f"{live_server.url}/screenings/")
    page.get_by_label("Highest severity").select_option("none")
    page.get_by_label("Questions not assessed").check()
    page.get_by_role("button", name="Show screenings").click()
    page.wait_for_selector("text=TH-0201")
    assert "TH-0200" not in page.inner_text("main")
    look(page, "lead-filtered", width)
    page.get_by_label("Clinician", exact=True).select_option("clinician")
    page.get_by_label("Highest severity").select_option("")
    page.get_by_label("Questions not assessed").uncheck()
    page.get_by_label("Critical flags not yet acknowledged").check()
    page.get_by_role("button", name="Show screenings").click()
    page.wait_for_selector("text=TH-0200")
    assert "TH-0201" not in page.inner_text("main")

    for path, name in (("/audit/", "audit"), ("/rules/impact/", "impact"), ("/rules/?severity=critical", "rules"),
                       ("/no-such-page/", "404")):
        page.goto(f"{live_server.url}{path}")
        look(page, name, width)
