"""An instructor records a skills lab day on a tablet (820x1180): chooses the skills of the day from the roster, taps
pass or fail per student (a fail asks for the critical criterion), sees each student's count move, then flags a
student for remediation in the affective evaluation and finds them at risk on the roster."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from courses.models import INSTRUCTORS_GROUP, CohortStatus
from enrollment import services
from skills.models import AffectiveEvaluation, Attempt, Skill
from tests.factories import make_cohort, make_course, make_groups, student_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 820, "height": 1180}
PASSWORD = "pw-for-tests-123"
RATE = "Failure to ventilate the patient at a rate of 10-12 per minute (1 ventilation every 5-6 seconds)"


@pytest.fixture
def lab():
    make_groups()
    users = get_user_model().objects
    instructor = users.create_user("instructor1", password=PASSWORD, first_name="Dana", last_name="Kowalczyk")
    instructor.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    course = make_course(title="Emergency Medical Technician")
    cohort = make_cohort(course=course, code="EMT-2027-SPR-EVE", status=CohortStatus.OPEN)
    cohort.instructors.add(instructor)
    for first, last in (("Ana", "Avila"), ("Ben", "Brooks"), ("Cora", "Chen")):
        services.request_seat(cohort=cohort, student=student_details(first_name=first, last_name=last), confirmed=True)
    # The data migration's sheets are there before the first transactional test flushes them, and gone after: this
    # lab brings its own three.
    Skill.objects.all().delete()
    common = (
        "Failure to manage the patient as a competent EMT\nUses or orders a dangerous or inappropriate intervention"
    )
    Skill.objects.create(
        level="EMT",
        code="EMT-BVM",
        name="BVM Ventilation of an Apneic Adult Patient",
        short_name="BVM ventilation",
        attempts_required=2,
        critical_criteria=f"Failure to suction airway before ventilating the patient\n{RATE}\n{common}",
        position=1,
    )
    Skill.objects.create(
        level="EMT",
        code="EMT-O2-NRB",
        name="Oxygen Administration by Non-Rebreather Mask",
        short_name="Oxygen by NRB",
        critical_criteria=f"Failure to prefill the reservoir bag\n{common}",
        position=2,
    )
    Skill.objects.create(
        level="EMT",
        code="EMT-CARDIAC-ARREST",
        name="Cardiac Arrest Management/AED",
        short_name="Cardiac arrest/AED",
        attempts_required=2,
        critical_criteria=f"Interrupts CPR for more than 10 seconds at any point\n{common}",
        position=3,
    )
    return cohort


def tap(page: Page, text: str) -> None:
    """Tap a pass/fail button as a person does: on its label (the radio itself is visually hidden)."""
    page.locator("label").filter(has_text=text).click()


def test_an_instructor_records_a_lab_day_on_a_tablet(live_server, page: Page, lab, screenshot):
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/instructor/")
    page.get_by_label("Username").fill("instructor1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name=lab.code).first.click()
    page.get_by_role("link", name="Skills lab day").click()
    expect(page.get_by_role("heading", name="Skills lab day")).to_be_visible()
    screenshot("skills-lab-day-choose-tablet")

    page.get_by_label("BVM Ventilation of an Apneic Adult Patient").check()
    page.get_by_label("Oxygen Administration by Non-Rebreather Mask").check()
    page.get_by_role("button", name="Show the sheet").click()
    expect(page.get_by_role("columnheader", name="BVM ventilation")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Avila, Ana")).to_be_visible()
    criterion = page.get_by_label("Critical criterion failed (BVM ventilation, Ben Brooks)")
    expect(criterion).to_be_hidden()  # asked only once Fail is chosen
    screenshot("skills-lab-day-sheet-tablet")

    tap(page, "Pass (BVM ventilation, Ana Avila)")
    tap(page, "Fail (BVM ventilation, Ben Brooks)")
    expect(criterion).to_be_visible()
    expect(criterion).to_be_focused()
    criterion.select_option(label=RATE)
    tap(page, "Pass (Oxygen by NRB, Cora Chen)")
    screenshot("skills-lab-day-entered-tablet")
    page.get_by_role("button", name="Save the lab day").click()

    expect(page.get_by_text("3 results saved.")).to_be_visible()
    avila = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Avila, Ana"))
    expect(avila.get_by_text("1 of 2 passed")).to_be_visible()
    chen = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Chen, Cora"))
    expect(chen.get_by_text("1 of 3 skills complete")).to_be_visible()
    screenshot("skills-lab-day-saved-tablet")
    assert Attempt.objects.filter(result="pass").count() == 2
    assert Attempt.objects.get(result="fail").failed_criteria == [RATE]

    # A fail without a criterion or a note is refused with a message, nothing recorded.
    tap(page, "Fail (Oxygen by NRB, Ana Avila)")
    page.get_by_role("button", name="Save the lab day").click()
    expect(page.get_by_role("alert")).to_contain_text("choose the critical criterion failed")
    screenshot("skills-lab-day-refused-tablet")
    assert Attempt.objects.count() == 3

    # Ana's BVM pass was meant for someone else: a correction replaces it (the recorded one stays in the history).
    page.get_by_role("link", name="Correct the result of Ana Avila, BVM ventilation").click()
    expect(page.get_by_role("heading", name="Correct a skill result")).to_be_visible()
    page.get_by_role("radio", name="Fail", exact=True).check()
    page.get_by_label("Critical criterion failed").select_option(label=RATE)
    page.get_by_label("Why the correction").fill("Entered on the wrong student.")
    screenshot("skills-correct-tablet")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text("Correction saved for Ana Avila, BVM ventilation.")).to_be_visible()
    avila = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Avila, Ana"))
    expect(avila.get_by_text("0 of 2 passed")).to_be_visible()
    screenshot("skills-lab-day-corrected-tablet")
    assert Attempt.objects.count() == 4

    # The affective evaluation: Ben needs remediation, and the roster flags him.
    page.get_by_role("link", name=f"Roster of {lab.code}").click()
    page.get_by_role("link", name="Affective evaluation").click()
    screenshot("skills-affective-tablet")
    page.get_by_role("group", name="Professional behaviour of Ben Brooks").get_by_label("Needs remediation").check()
    page.get_by_label("Note on Ben Brooks").fill("Arrived late to three labs; talk through time management.")
    page.get_by_role("button", name="Save the evaluation of Ben Brooks").click()
    expect(page.get_by_text("Evaluation saved for Ben Brooks.")).to_be_visible()
    screenshot("skills-affective-saved-tablet")
    assert AffectiveEvaluation.objects.get().rating == "remediation"
    page.get_by_role("link", name=f"Roster of {lab.code}").click()
    brooks = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Brooks, Ben"))
    expect(brooks.get_by_text("Affective: needs remediation")).to_be_visible()
    expect(brooks.get_by_text("At risk")).to_be_visible()
    screenshot("skills-roster-at-risk-tablet")
