"""`manage.py load_catalogue`: the courses, credential types and entry requirements of courses/catalogue.py."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from courses.catalogue import CLEARANCE, COURSES, CREDENTIAL_TYPES
from courses.models import Course, CourseDate, CredentialType, Requirement
from tests.factories import make_course, make_credential_type, make_requirement

pytestmark = pytest.mark.django_db


def load() -> str:
    out = StringIO()
    call_command("load_catalogue", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple]]:
    return {
        "courses": list(Course.objects.order_by("slug").values_list()),
        "credential_types": list(CredentialType.objects.order_by("code").values_list()),
        "requirements": list(Requirement.objects.order_by("pk").values_list()),
    }


def rules() -> dict[tuple[str, str], tuple[str, bool]]:
    """The entry requirements (to sign up); clearance documents for clinical shifts are checked on their own."""
    return {
        (r.course.slug, r.credential_type.code): (r.valid_through, r.needs_verification)
        for r in Requirement.objects.for_signup().select_related("course", "credential_type")
    }


def test_load_catalogue_creates_the_four_courses_and_their_rules():
    output = load()

    assert sorted(Course.objects.values_list("slug", flat=True)) == ["aemt", "emr", "emt", "paramedic"]
    assert set(CredentialType.objects.values_list("code", flat=True)) == set(CREDENTIAL_TYPES)
    assert rules() == {
        ("emt", "CPR_BLS"): (CourseDate.END, False),
        ("aemt", "EMT"): (CourseDate.START, True),
        ("aemt", "CPR_BLS"): (CourseDate.END, False),
        ("paramedic", "EMT"): (CourseDate.START, True),
        ("paramedic", "CPR_BLS"): (CourseDate.END, False),
    }
    clearance = Requirement.objects.for_clinicals().filter(needs_verification=True)
    assert sorted(clearance.filter(course__slug="emt").values_list("credential_type__code", flat=True)) == sorted(
        CLEARANCE
    )
    assert not Requirement.objects.for_clinicals().filter(course__slug="emr").exists()
    assert (
        "Catalogue loaded: 4 courses (emr, emt, aemt, paramedic), 9 credential types, 5 entry requirements, "
        "12 clearance documents" in output
    )


def test_the_catalogue_states_the_levels_as_the_school_does():
    courses = {course["slug"]: course for course in COURSES}
    assert (courses["emr"]["nominal_hours"], courses["emr"]["min_age"]) == (Decimal(60), 16)
    assert (courses["emt"]["nominal_hours"], courses["emt"]["min_age"]) == (Decimal(120), 18)
    assert "52 hours" in courses["emr"]["description"]
    assert "do not need an EMR certificate" in courses["emt"]["description"]
    assert "more than 500 hours" in courses["paramedic"]["description"]
    assert all(len(course["summary"]) <= Course._meta.get_field("summary").max_length for course in COURSES)


def test_load_catalogue_twice_changes_nothing():
    load()
    before = snapshot()
    load()
    assert snapshot() == before


def test_load_catalogue_again_puts_back_the_catalogues_wording_and_rules():
    load()
    Course.objects.filter(slug="emt").update(summary="Edited by hand.", tuition=Decimal("1.00"), min_age=21)
    CredentialType.objects.filter(code="EMT").update(name="Old name", validity_months=1)
    Requirement.objects.filter(course__slug="aemt", credential_type__code="EMT").update(needs_verification=False)
    Requirement.objects.filter(course__slug="emt", credential_type__code="CPR_BLS").delete()
    # A catalogue credential on a catalogue course that the catalogue does not list: the catalogue decides those.
    make_requirement(Course.objects.get(slug="emr"), CredentialType.objects.get(code="CPR_BLS"))

    load()

    emt = Course.objects.get(slug="emt")
    catalogued = next(course for course in COURSES if course["slug"] == "emt")
    assert (emt.summary, emt.tuition, emt.min_age) == (catalogued["summary"], catalogued["tuition"], 18)
    assert CredentialType.objects.filter(code="EMT", name="EMT license", validity_months=48).exists()
    assert rules()[("aemt", "EMT")] == (CourseDate.START, True)
    assert ("emt", "CPR_BLS") in rules()
    assert not Requirement.objects.filter(course__slug="emr").exists()


def test_load_catalogue_leaves_what_staff_added_alone():
    load()
    refresher = make_course(slug="cpr-refresher", title="CPR refresher", display_order=50)
    acls = make_credential_type(code="ACLS", name="ACLS card")
    make_requirement(refresher, acls)
    make_requirement(Course.objects.get(slug="paramedic"), acls)
    Course.objects.filter(slug="aemt").update(is_published=False)  # publishing is the staff's call

    load()

    assert Course.objects.filter(slug="cpr-refresher", title="CPR refresher").exists()
    assert CredentialType.objects.filter(code="ACLS", name="ACLS card").exists()
    assert ("cpr-refresher", "ACLS") in rules()
    assert ("paramedic", "ACLS") in rules()
    assert not Course.objects.get(slug="aemt").is_published
