"""The skills services: every rule and code, append-only attempts and evaluations, readiness and the roster."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Level
from enrollment import services as enrollment_services
from enrollment.models import AuditEvent, Enrollment
from enrollment.portal import build_roster
from enrollment.readiness import readiness, readiness_of
from enrollment.services import EnrollmentError
from skills import services
from skills.models import AffectiveEvaluation, AffectiveRating, Attempt, Skill
from tests.factories import make_cohort, make_course, student_details

FAIL_BVM = "Failure to ventilate the patient at a rate of 10-12 per minute (1 ventilation every 5-6 seconds)"


def code_of(call) -> str:
    with pytest.raises(EnrollmentError) as error:
        call()
    return error.value.code


# --- the sheets ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_data_migration_loads_the_emr_emt_and_paramedic_sheets():
    emt = set(Skill.objects.of_level(Level.EMT).values_list("code", flat=True))
    assert {
        "EMT-PA-TRAUMA",
        "EMT-PA-MEDICAL",
        "EMT-BVM",
        "EMT-O2-NRB",
        "EMT-SPINAL-SEATED",
        "EMT-SPINAL-SUPINE",
        "EMT-LONG-BONE",
        "EMT-JOINT",
        "EMT-BLEEDING",
        "EMT-CARDIAC-ARREST",
        "EMT-EPI",
        "EMT-NALOXONE",
    } <= emt
    assert Skill.objects.of_level(Level.EMR).exists()
    assert Skill.objects.of_level(Level.PARAMEDIC).count() >= 5
    bvm = Skill.objects.get(code="EMT-BVM")
    assert FAIL_BVM in bvm.criteria
    assert bvm.attempts_required == 2
    assert all(skill.criteria for skill in Skill.objects.all())


# --- recording attempts ---------------------------------------------------------------------------------------------


def test_record_attempt_writes_the_attempt_and_its_audit_row(lab):
    student = lab.students[0]
    attempt = services.record_attempt(
        enrollment=student, skill=lab.bvm, result="fail", failed_criteria=[FAIL_BVM], evaluator=lab.instructor
    )
    assert attempt.failed_criteria == [FAIL_BVM]
    assert attempt.evaluator == lab.instructor
    event = AuditEvent.objects.get(action="skills.attempt_recorded")
    assert event.enrollment == student
    assert event.actor == lab.instructor
    assert event.data["skill"] == "EMT-BVM"
    assert event.data["result"] == "fail"
    assert event.describe() == "Skill attempt recorded"


def test_staff_may_evaluate_in_any_cohort(lab):
    services.record_attempt(enrollment=lab.students[0], skill=lab.bvm, result="pass", evaluator=lab.staff)
    assert Attempt.objects.count() == 1


def test_an_instructor_of_another_cohort_is_refused(lab):
    call = lambda: services.record_attempt(  # noqa: E731
        enrollment=lab.students[0], skill=lab.bvm, result="pass", evaluator=lab.other_instructor
    )
    assert code_of(call) == "not_your_cohort"
    assert not AuditEvent.objects.filter(action="skills.attempt_recorded").exists()


def test_a_student_not_seated_is_refused(lab):
    student = lab.students[0]
    enrollment_services.withdraw(enrollment=student)
    student.refresh_from_db()
    call = lambda: services.record_attempt(enrollment=student, skill=lab.bvm, result="pass", evaluator=lab.instructor)  # noqa: E731
    assert code_of(call) == "not_seated_for_skills"


def test_a_skill_of_another_level_is_refused(lab):
    paramedic = Skill.objects.get(code="PARAMEDIC-IV-BOLUS")
    call = lambda: services.record_attempt(  # noqa: E731
        enrollment=lab.students[0], skill=paramedic, result="pass", evaluator=lab.instructor
    )
    assert code_of(call) == "wrong_level"


def test_a_retired_skill_takes_no_new_attempt(lab):
    Skill.objects.filter(pk=lab.bvm.pk).update(is_active=False)
    call = lambda: services.record_attempt(  # noqa: E731
        enrollment=lab.students[0], skill=lab.bvm, result="pass", evaluator=lab.instructor
    )
    assert code_of(call) == "skill_inactive"


def test_an_unknown_result_is_refused(lab):
    call = lambda: services.record_attempt(  # noqa: E731
        enrollment=lab.students[0], skill=lab.bvm, result="maybe", evaluator=lab.instructor
    )
    assert code_of(call) == "invalid_result"


def test_a_fail_needs_a_failed_criterion_or_a_note(lab):
    student = lab.students[0]
    call = lambda: services.record_attempt(enrollment=student, skill=lab.bvm, result="fail", evaluator=lab.instructor)  # noqa: E731
    assert code_of(call) == "fail_needs_reason"
    blank = lambda: services.record_attempt(  # noqa: E731
        enrollment=student, skill=lab.bvm, result="fail", note="   ", evaluator=lab.instructor
    )
    assert code_of(blank) == "fail_needs_reason"
    attempt = services.record_attempt(
        enrollment=student, skill=lab.bvm, result="fail", note="Lost the mask seal twice.", evaluator=lab.instructor
    )
    assert attempt.failed_criteria == []


def test_a_criterion_not_on_the_sheet_is_refused(lab):
    call = lambda: services.record_attempt(  # noqa: E731
        enrollment=lab.students[0],
        skill=lab.bvm,
        result="fail",
        failed_criteria=["Forgot to smile"],
        evaluator=lab.instructor,
    )
    assert code_of(call) == "unknown_criterion"


def test_a_pass_names_no_failed_criterion(lab):
    call = lambda: services.record_attempt(  # noqa: E731
        enrollment=lab.students[0], skill=lab.bvm, result="pass", failed_criteria=[FAIL_BVM], evaluator=lab.instructor
    )
    assert code_of(call) == "criteria_on_pass"


def test_a_lab_day_is_all_or_nothing(lab):
    a, b, _ = lab.students
    entries = [
        services.AttemptEntry(a, lab.bvm, "pass"),
        services.AttemptEntry(b, lab.bvm, "fail"),  # no criterion, no note
    ]
    call = lambda: services.record_lab_day(cohort=lab.cohort, entries=entries, evaluator=lab.instructor)  # noqa: E731
    assert code_of(call) == "fail_needs_reason"
    assert Attempt.objects.count() == 0


def test_a_lab_day_lists_a_student_once_per_skill(lab):
    a = lab.students[0]
    entries = [services.AttemptEntry(a, lab.bvm, "pass"), services.AttemptEntry(a, lab.bvm, "pass")]
    call = lambda: services.record_lab_day(cohort=lab.cohort, entries=entries, evaluator=lab.instructor)  # noqa: E731
    assert code_of(call) == "duplicate_entry"


def test_an_empty_lab_day_is_refused(lab):
    call = lambda: services.record_lab_day(cohort=lab.cohort, entries=[], evaluator=lab.instructor)  # noqa: E731
    assert code_of(call) == "nothing_to_record"


def test_a_lab_day_student_of_another_cohort_is_refused(lab):
    outsider = enrollment_services.request_seat(cohort=lab.other_cohort, student=student_details(), confirmed=True)
    entries = [services.AttemptEntry(outsider, lab.bvm, "pass")]
    call = lambda: services.record_lab_day(cohort=lab.cohort, entries=entries, evaluator=lab.instructor)  # noqa: E731
    assert code_of(call) == "not_seated_for_skills"


# --- append-only and corrections ------------------------------------------------------------------------------------


def test_attempts_are_append_only(lab):
    attempt = services.record_attempt(
        enrollment=lab.students[0], skill=lab.bvm, result="pass", evaluator=lab.instructor
    )
    with pytest.raises(TypeError):
        Attempt.objects.filter(pk=attempt.pk).update(result="fail")
    with pytest.raises(TypeError):
        Attempt.objects.all().delete()
    with pytest.raises(TypeError):
        attempt.delete()
    attempt.result = "fail"
    with pytest.raises(TypeError):
        attempt.save()
    attempt.refresh_from_db()
    assert attempt.result == "pass"


def test_affective_evaluations_are_append_only(lab):
    evaluation = services.record_affective(
        enrollment=lab.students[0], rating="meets", note="", evaluator=lab.instructor
    )
    with pytest.raises(TypeError):
        AffectiveEvaluation.objects.update(rating="remediation")
    with pytest.raises(TypeError):
        AffectiveEvaluation.objects.all().delete()
    with pytest.raises(TypeError):
        evaluation.delete()
    with pytest.raises(TypeError):
        evaluation.save()


def test_a_correction_replaces_the_attempt_it_corrects(lab):
    student = lab.students[0]
    wrong = services.record_attempt(enrollment=student, skill=lab.bvm, result="pass", evaluator=lab.instructor)
    services.record_attempt(enrollment=student, skill=lab.bvm, result="pass", evaluator=lab.instructor)
    assert services.passes_of([student.pk])[(student.pk, lab.bvm.pk)] == 2
    services.record_attempt(
        enrollment=student,
        skill=lab.bvm,
        result="fail",
        note="Entered on the wrong student; it was a fail.",
        corrects=wrong,
        evaluator=lab.instructor,
    )
    assert services.passes_of([student.pk])[(student.pk, lab.bvm.pk)] == 1
    assert Attempt.objects.count() == 3  # nothing edited, nothing deleted
    assert AuditEvent.objects.filter(action="skills.attempt_recorded").latest("pk").data["corrects"] == wrong.pk


def test_a_correction_is_of_the_same_student_and_skill_and_only_once(lab):
    a, b, _ = lab.students
    first = services.record_attempt(enrollment=a, skill=lab.bvm, result="pass", evaluator=lab.instructor)
    other_student = lambda: services.record_attempt(  # noqa: E731
        enrollment=b, skill=lab.bvm, result="pass", corrects=first, evaluator=lab.instructor
    )
    assert code_of(other_student) == "bad_correction"
    other_skill = lambda: services.record_attempt(  # noqa: E731
        enrollment=a, skill=lab.oxygen, result="pass", corrects=first, evaluator=lab.instructor
    )
    assert code_of(other_skill) == "bad_correction"
    services.record_attempt(enrollment=a, skill=lab.bvm, result="fail", note="x", corrects=first, evaluator=lab.staff)
    twice = lambda: services.record_attempt(  # noqa: E731
        enrollment=a, skill=lab.bvm, result="pass", corrects=first, evaluator=lab.instructor
    )
    assert code_of(twice) == "bad_correction"


# --- affective ------------------------------------------------------------------------------------------------------


def test_needs_remediation_needs_a_note(lab):
    call = lambda: services.record_affective(  # noqa: E731
        enrollment=lab.students[0], rating="remediation", note=" ", evaluator=lab.instructor
    )
    assert code_of(call) == "note_required"


def test_affective_rules(lab):
    student = lab.students[0]
    assert (
        code_of(
            lambda: services.record_affective(enrollment=student, rating="great", note="", evaluator=lab.instructor)
        )
        == "invalid_result"
    )
    assert (
        code_of(
            lambda: services.record_affective(
                enrollment=student, rating="meets", note="", evaluator=lab.other_instructor
            )
        )
        == "not_your_cohort"
    )
    services.record_affective(enrollment=student, rating="meets", note="", evaluator=lab.instructor)
    event = AuditEvent.objects.get(action="skills.affective_recorded")
    assert (event.enrollment, event.actor, event.data["rating"]) == (student, lab.instructor, "meets")


# --- readiness and the roster -------------------------------------------------------------------------------------


def test_readiness_has_an_item_per_skill_and_the_affective_evaluation(lab):
    student = lab.students[0]
    services.record_attempt(enrollment=student, skill=lab.bvm, result="pass", evaluator=lab.instructor)
    items = {item.key: item for item in readiness(student).items}
    emt_skills = Skill.objects.active().of_level(Level.EMT)
    assert {f"skill:{s.code}" for s in emt_skills} <= set(items)
    bvm = items["skill:EMT-BVM"]
    assert not bvm.met
    assert bvm.sentence == "BVM ventilation: 1 of 2 passed."
    assert not items["affective"].met
    assert items["affective"].sentence == "Affective evaluation: not yet evaluated."
    services.record_attempt(enrollment=student, skill=lab.bvm, result="pass", evaluator=lab.instructor)
    services.record_affective(enrollment=student, rating="meets", note="", evaluator=lab.instructor)
    items = {item.key: item for item in readiness(student).items}
    assert items["skill:EMT-BVM"].met
    assert items["skill:EMT-BVM"].sentence == "BVM ventilation: 2 of 2 passed."
    assert items["affective"].met


def test_the_latest_affective_evaluation_counts(lab):
    student = lab.students[0]
    services.record_affective(enrollment=student, rating="meets", note="", evaluator=lab.instructor)
    services.record_affective(
        enrollment=student, rating=AffectiveRating.NEEDS_REMEDIATION, note="Late twice.", evaluator=lab.instructor
    )
    item = next(i for i in readiness(student).items if i.key == "affective")
    assert not item.met
    assert "Late twice." in item.sentence


def test_a_retired_skill_is_not_required(lab):
    Skill.objects.filter(pk=lab.bvm.pk).update(is_active=False)
    keys = {item.key for item in readiness(lab.students[0]).items}
    assert "skill:EMT-BVM" not in keys


def test_a_level_without_skills_asks_for_neither_skills_nor_affective(db):
    course = make_course(level=Level.AEMT)
    enrollment = enrollment_services.request_seat(
        cohort=make_cohort(course=course), student=student_details(), confirmed=True
    )
    keys = {item.key for item in readiness(enrollment).items}
    assert not any(key.startswith("skill:") for key in keys)
    assert "affective" not in keys


def test_readiness_runs_fixed_queries_whatever_the_number_of_enrollments(lab):
    def count(enrollments) -> int:
        # Fresh from the database each time: readiness_of() loads their cohorts and courses itself.
        fresh = list(Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]))
        with CaptureQueriesContext(connection) as queries:
            readiness_of(fresh)
        return len(queries)

    small = count(lab.students[:1])
    for _ in range(6):
        lab.students.append(
            enrollment_services.request_seat(cohort=lab.cohort, student=student_details(), confirmed=True)
        )
    for student in lab.students:
        services.record_attempt(enrollment=student, skill=lab.bvm, result="pass", evaluator=lab.instructor)
        services.record_affective(enrollment=student, rating="meets", note="", evaluator=lab.instructor)
    assert count(lab.students) == small


def test_the_roster_flags_a_student_needing_remediation(lab):
    a, b, _ = lab.students
    services.record_affective(
        enrollment=a, rating="remediation", note="Disrespectful to a patient.", evaluator=lab.instructor
    )
    services.record_affective(enrollment=b, rating="meets", note="", evaluator=lab.instructor)
    services.record_attempt(enrollment=b, skill=lab.oxygen, result="pass", evaluator=lab.instructor)
    rows = {row.enrollment.pk: row for row in build_roster(lab.cohort).rows}
    assert rows[a.pk].at_risk
    assert "Affective: needs remediation" in [note.text for note in rows[a.pk].notes]
    assert not rows[b.pk].at_risk
    total = Skill.objects.active().of_level(Level.EMT).count()
    assert f"Skills: 1 of {total} complete" in [note.text for note in rows[b.pk].notes]


def test_teaches(lab):
    assert services.teaches(lab.instructor, lab.cohort)
    assert services.teaches(lab.staff, lab.cohort)
    assert not services.teaches(lab.other_instructor, lab.cohort)
    assert not services.teaches(AnonymousUser(), lab.cohort)


def test_make_skills_ready_meets_every_skills_item(lab):
    from tests.factories import make_skills_ready

    student = lab.students[0]
    make_skills_ready(student)
    items = [i for i in readiness(student).items if i.key.startswith("skill:") or i.key == "affective"]
    assert items
    assert all(item.met for item in items)
