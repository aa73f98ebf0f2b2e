"""The lab day and the affective evaluation through the test client: who may see them, what a POST records, bad
input answered with a message (never a 500), and the admin's read-only history."""

import pytest
from django.contrib.auth import get_user_model

from skills.models import AffectiveEvaluation, Attempt, Skill

FAIL_BVM = "Failure to ventilate the patient at a rate of 10-12 per minute (1 ventilation every 5-6 seconds)"


def lab_url(lab, *skills) -> str:
    query = "&".join(f"skill={s.pk}" for s in skills)
    return f"/instructor/cohorts/{lab.cohort.pk}/lab/" + (f"?{query}" if query else "")


def affective_url(lab) -> str:
    return f"/instructor/cohorts/{lab.cohort.pk}/affective/"


@pytest.mark.parametrize("page", ["lab", "affective"])
def test_access_matrix(client, lab, page):
    url = lab_url(lab, lab.bvm) if page == "lab" else affective_url(lab)
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    client.force_login(lab.other_instructor)
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    client.force_login(lab.instructor)
    assert client.get(url).status_code == 200
    client.force_login(lab.staff)
    assert client.get(url).status_code == 200
    superuser = get_user_model().objects.create_superuser("root", password="pw-for-tests-123")
    client.force_login(superuser)
    assert client.get(url).status_code == 200
    assert client.get(url.replace(str(lab.cohort.pk), "999999")).status_code == 404


def test_the_roster_links_to_the_lab_day_and_the_affective_evaluation(client, lab):
    client.force_login(lab.instructor)
    page = client.get(f"/instructor/cohorts/{lab.cohort.pk}/").content.decode()
    assert lab_url(lab) in page
    assert affective_url(lab) in page


def test_the_lab_day_lists_the_levels_skills_and_one_row_per_student(client, lab):
    client.force_login(lab.instructor)
    page = client.get(lab_url(lab)).content.decode()
    assert "BVM Ventilation of an Apneic Adult Patient" in page
    assert "Dynamic Cardiology" not in page  # a Paramedic sheet
    assert "Save the lab day" not in page  # no skill chosen yet
    page = client.get(lab_url(lab, lab.bvm, lab.oxygen)).content.decode()
    for name in ("Avila", "Brooks", "Chen"):
        assert name in page
    assert "0 of 2 passed" in page
    assert FAIL_BVM in page


def test_a_lab_day_records_passes_and_fails(client, lab):
    a, b, c = lab.students
    client.force_login(lab.instructor)
    criterion = lab.bvm.criteria.index(FAIL_BVM)
    response = client.post(
        lab_url(lab, lab.bvm, lab.oxygen),
        {
            f"result_{a.pk}_{lab.bvm.pk}": "pass",
            f"result_{b.pk}_{lab.bvm.pk}": "fail",
            f"criterion_{b.pk}_{lab.bvm.pk}": str(criterion),
            f"result_{c.pk}_{lab.oxygen.pk}": "pass",
            f"criterion_{c.pk}_{lab.oxygen.pk}": "0",  # ignored on a pass
        },
    )
    assert response.status_code == 302
    assert response["Location"] == lab_url(lab, lab.bvm, lab.oxygen)
    assert Attempt.objects.count() == 3
    failed = Attempt.objects.get(enrollment=b)
    assert (failed.result, failed.failed_criteria, failed.evaluator) == ("fail", [FAIL_BVM], lab.instructor)
    assert Attempt.objects.get(enrollment=c).failed_criteria == []
    page = client.get(response["Location"]).content.decode()
    assert "3 results saved." in page
    assert "1 of 2 passed" in page


def test_a_fail_without_a_criterion_is_refused_with_a_message(client, lab):
    a = lab.students[0]
    client.force_login(lab.instructor)
    response = client.post(lab_url(lab, lab.bvm), {f"result_{a.pk}_{lab.bvm.pk}": "fail"})
    assert response.status_code == 400
    assert "choose the critical criterion failed" in response.content.decode()
    assert Attempt.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"result_X": "pass"},
        {},
        {"result_{a}_{s}": "maybe"},
        {"result_{a}_{s}": "fail", "criterion_{a}_{s}": "999"},
        {"result_{a}_{s}": "fail", "criterion_{a}_{s}": "abc"},
        {"result_{a}_{s}": "fail", "note_{a}_{s}": "x" * 501},
    ],
)
def test_bad_lab_day_input_is_a_message_not_a_500(client, lab, data):
    a = lab.students[0]
    client.force_login(lab.instructor)
    data = {key.format(a=a.pk, s=lab.bvm.pk): value for key, value in data.items()}
    response = client.post(lab_url(lab, lab.bvm), data)
    assert response.status_code == 400
    assert Attempt.objects.count() == 0


def test_hostile_skill_choices_are_ignored(client, lab):
    client.force_login(lab.instructor)
    paramedic = Skill.objects.get(code="PARAMEDIC-IV-BOLUS")
    for query in ("skill=abc", "skill=²", "skill=99999999999999999999", f"skill={paramedic.pk}"):
        response = client.get(lab_url(lab) + "?" + query)
        assert response.status_code == 200
        assert "Save the lab day" not in response.content.decode()


def test_an_affective_evaluation_is_recorded_and_flags_the_roster(client, lab):
    a = lab.students[0]
    client.force_login(lab.instructor)
    response = client.post(affective_url(lab), {"enrollment": a.pk, "rating": "remediation", "note": "Late."})
    assert response.status_code == 302
    assert AffectiveEvaluation.objects.get().rating == "remediation"
    page = client.get(affective_url(lab)).content.decode()
    assert "Needs remediation" in page
    roster = client.get(f"/instructor/cohorts/{lab.cohort.pk}/").content.decode()
    assert "Affective: needs remediation" in roster


def test_affective_refusals_are_messages(client, lab):
    a = lab.students[0]
    client.force_login(lab.instructor)
    response = client.post(affective_url(lab), {"enrollment": a.pk, "rating": "remediation", "note": ""})
    assert response.status_code == 400
    assert "needs to work on" in response.content.decode()
    outsider = client.post(affective_url(lab), {"enrollment": 999999, "rating": "meets"})
    assert outsider.status_code == 400
    garbage = client.post(affective_url(lab), {"enrollment": "abc", "rating": "nope"})
    assert garbage.status_code == 400
    assert AffectiveEvaluation.objects.count() == 0


def test_the_admin_shows_attempts_and_evaluations_read_only(client, lab):
    from skills import services

    attempt = services.record_attempt(
        enrollment=lab.students[0], skill=lab.bvm, result="pass", evaluator=lab.instructor
    )
    evaluation = services.record_affective(
        enrollment=lab.students[0], rating="meets", note="", evaluator=lab.instructor
    )
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-for-tests-123"))
    for model, obj in (("attempt", attempt), ("affectiveevaluation", evaluation)):
        listing = client.get(f"/admin/skills/{model}/")
        assert listing.status_code == 200
        assert f"/admin/skills/{model}/add/" not in listing.content.decode()
        assert client.get(f"/admin/skills/{model}/add/").status_code == 403
        page = client.get(f"/admin/skills/{model}/{obj.pk}/change/")
        assert page.status_code == 200
        assert "Save" not in page.content.decode()
        assert client.get(f"/admin/skills/{model}/{obj.pk}/delete/").status_code == 403
    assert client.get("/admin/skills/skill/").status_code == 200
    # A sheet with attempts is retired, not deleted.
    assert client.get(f"/admin/skills/skill/{lab.bvm.pk}/delete/").status_code == 403


def test_staff_group_keeps_the_sheets_and_sees_the_history(client, lab):
    from django.contrib.auth.models import Group

    staff = Group.objects.get(name="Staff")
    codes = set(staff.permissions.filter(content_type__app_label="skills").values_list("codename", flat=True))
    assert {"add_skill", "change_skill", "view_attempt", "view_affectiveevaluation"} <= codes
    assert not codes & {"change_attempt", "delete_attempt", "add_attempt", "change_affectiveevaluation"}


def test_a_correction_replaces_a_result_from_the_lab_day(client, lab):
    from skills import services

    a = lab.students[0]
    wrong = services.record_attempt(enrollment=a, skill=lab.bvm, result="pass", evaluator=lab.instructor)
    url = f"/instructor/skill-attempts/{wrong.pk}/correct/"
    assert client.get(url).status_code == 302  # anonymous: the login page
    client.force_login(lab.other_instructor)
    assert client.get(url).status_code == 404
    assert client.post(url, {"result": "fail", "note": "x"}).status_code == 404
    client.force_login(lab.staff)
    assert client.get(url).status_code == 200
    client.force_login(lab.instructor)
    page = client.get(lab_url(lab, lab.bvm)).content.decode()
    assert url in page
    assert client.post(url, {"result": "fail", "note": ""}).status_code == 400  # why the correction
    assert client.post(url, {"result": "fail", "criterion": "999", "note": "x"}).status_code == 400
    criterion = lab.bvm.criteria.index(FAIL_BVM)
    response = client.post(
        url, {"result": "fail", "criterion": str(criterion), "note": "Entered on the wrong student."}
    )
    assert response.status_code == 302
    assert response["Location"] == lab_url(lab, lab.bvm)
    correction = Attempt.objects.get(corrects=wrong)
    assert (correction.result, correction.failed_criteria, correction.evaluator) == ("fail", [FAIL_BVM], lab.instructor)
    page = client.get(lab_url(lab, lab.bvm)).content.decode()
    assert "0 of 2 passed" in page
    assert "corrected" in page
    again = client.post(url, {"result": "pass", "note": "Once more."})
    assert again.status_code == 400
    assert "corrected once" in again.content.decode()
    assert Attempt.objects.count() == 2
