"""Stopped medicines in the web form: name + weeks-ago rows, stored per contract v2, shown with their evidence, and a
bad weeks value answered with a clear message while every entry is kept."""
import pytest
from django.urls import reverse
from django.utils.html import escape

from screening.models import Revision, Screening
from tests.conftest import client_for
from tests.test_screenings import form_data


@pytest.mark.django_db
class TestStoppedRows:
    def test_the_new_form_offers_name_and_weeks_rows(self, client, clinician):
        page = client_for(client, clinician).get(reverse("screening_new")).content.decode()
        assert "Medicines stopped in the past six months" in page
        for i in range(4):
            assert f'name="stopped_name_{i}"' in page and f'name="stopped_weeks_{i}"' in page

    def test_rows_are_stored_and_the_evidence_says_when_a_medicine_was_stopped(self, client, clinician):
        response = client_for(client, clinician).post(reverse("screening_new"), form_data(
            medications="", stopped_name_0="fluoxetine", stopped_weeks_0="3",
            stopped_name_1="Nardil 15 mg tid", stopped_weeks_1=" 8 "), follow=True)
        revision = Revision.objects.get()
        assert revision.intake["stopped_medications"] == [{"name": "fluoxetine", "weeks_ago": 3},
                                                          {"name": "Nardil 15 mg tid", "weeks_ago": 8}]
        flag = next(f for f in revision.assessment["flags"] if f["rule"] == "serotonergic-mdma")
        assert flag["evidence"] == ["fluoxetine (SSRI), stopped 3 weeks ago"]
        assert "maoi-mdma" not in {f["rule"] for f in revision.assessment["flags"]}  # 8 weeks: outside 2 weeks
        page = response.content.decode()
        assert "fluoxetine (SSRI), stopped 3 weeks ago" in page
        assert escape("outside every class window, so it raises no flag") in page

    def test_a_reviewed_list_with_no_rows_records_none_stopped(self, client, clinician):
        client_for(client, clinician).post(reverse("screening_new"), form_data())
        revision = Revision.objects.get()
        assert revision.intake["stopped_medications"] == []
        assert "stopped_medications" not in revision.assessment["not_assessed"]

    def test_an_unreviewed_empty_list_stays_not_assessed(self, client, clinician):
        client_for(client, clinician).post(reverse("screening_new"), form_data(medication_review="", medications=""))
        assert "stopped_medications" in Revision.objects.get().assessment["not_assessed"]

    @pytest.mark.parametrize("weeks, shown", [("three", "“three” is not a number of weeks: give"),
                                              ("30", "“30” is not a number of weeks: give"),
                                              ("-1", "“-1” is not a number of weeks: give"),
                                              ("2.5", "“2.5” is not a number of weeks: give"), ("", "Give")])
    def test_a_bad_weeks_value_gets_a_clear_message_and_every_entry_is_kept(self, client, clinician, weeks, shown):
        response = client_for(client, clinician).post(reverse("screening_new"), form_data(
            stopped_name_0="fluoxetine", stopped_weeks_0=weeks, stopped_name_1="lithium", stopped_weeks_1="2"))
        assert response.status_code == 400 and not Screening.objects.exists()  # shown again, nothing saved
        page = response.content.decode()
        assert escape(f"{shown} roughly how many weeks ago fluoxetine was stopped, as a whole number from 0 "
                      "(this week) to 26.") in page
        assert 'value="fluoxetine"' in page and 'value="lithium"' in page and 'value="2"' in page
        if weeks:
            assert f'value="{escape(weeks)}"' in page
        assert "something unheard of" in page  # the rest of the form is kept too

    def test_weeks_without_a_name_is_refused(self, client, clinician):
        response = client_for(client, clinician).post(reverse("screening_new"), form_data(stopped_weeks_2="4"))
        assert response.status_code == 400
        assert "Name the medicine stopped 4 weeks ago, or clear the weeks." in response.content.decode()

    def test_editing_shows_the_stored_rows_again_with_one_more(self, client, clinician):
        rows = {f"stopped_name_{i}": f"sertraline {i}" for i in range(4)} | {
            f"stopped_weeks_{i}": str(i) for i in range(4)}
        c = client_for(client, clinician)
        c.post(reverse("screening_new"), form_data(**rows))
        screening = Screening.objects.get()
        page = c.get(reverse("screening_edit", args=[screening.pk])).content.decode()
        for i in range(4):
            assert f'value="sertraline {i}"' in page
        assert 'name="stopped_name_4"' in page


@pytest.mark.django_db
def test_the_paper_form_asks_for_stopped_medicines_with_write_lines(client, clinician):
    page = client_for(client, clinician).get(reverse("intake_blank")).content.decode()
    start = page.index("Medicines stopped in the past six months")
    assert "One medicine per line." in page[start:start + 600]
    assert "Stopped medicine 1" not in page


@pytest.mark.django_db
def test_the_ruleset_page_shows_each_class_rules_or_why_none_and_its_window(client, clinician):
    page = client_for(client, clinician).get(reverse("ruleset")).content.decode()
    start = page.index('id="class-lamotrigine"')
    assert "No rule: Nayak 2021 found no seizures" in page[start:start + 800]
    start = page.index('id="class-lithium"')
    assert "Rules: lithium-classic" in page[start:start + 800] and "Counts for 30 days" in page[start:start + 800]
