"""A small clinical school: an EMT course with minimums (ED and ambulance hours, contacts), a TB test required before
clinical shifts, a seated student cleared with a verified TB test, and shifts at a hospital and on an ambulance."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from clinical.models import ClinicalMinimum, MinimumKind, Shift, Site, SiteKind
from courses.models import RequirementStage
from enrollment import services as enrollment_services
from enrollment.models import CredentialStatus, Enrollment
from tests.factories import (
    make_cohort,
    make_course,
    make_credential,
    make_credential_type,
    make_requirement,
    student_details,
)


@dataclass
class Clinic:
    cohort: object
    tb: object
    hospital: Site
    ambulance: Site

    def shift(self, *, days: float = 5, hours: int = 12, capacity: int = 3, site: Site | None = None, **extra) -> Shift:
        start = timezone.now() + datetime.timedelta(days=days)
        return Shift.objects.create(
            site=site or self.hospital,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=hours),
            capacity=capacity,
            preceptor_name="Pat Preceptor",
            preceptor_email="preceptor@hospital.example",
            **extra,
        )

    def student(self, *, cleared_until: datetime.date | None = None, tb_status=CredentialStatus.VERIFIED) -> Enrollment:
        enrollment = enrollment_services.request_seat(cohort=self.cohort, student=student_details(), confirmed=True)
        make_credential(
            enrollment.student,
            self.tb,
            status=tb_status,
            expires_on=cleared_until or timezone.localdate() + datetime.timedelta(days=365),
        )
        return enrollment


@pytest.fixture
def clinic(db) -> Clinic:
    course = make_course()
    ClinicalMinimum.objects.create(course=course, kind=MinimumKind.ED_HOURS, amount=Decimal(24))
    ClinicalMinimum.objects.create(course=course, kind=MinimumKind.AMBULANCE_HOURS, amount=Decimal(24))
    ClinicalMinimum.objects.create(course=course, kind=MinimumKind.CONTACTS, amount=Decimal(10))
    tb = make_credential_type("TB_TEST", "TB test")
    make_requirement(course, tb, needed_for=RequirementStage.CLINICAL, needs_verification=True)
    cohort = make_cohort(course=course, capacity=40)
    hospital = Site.objects.create(
        name="Stroger Hospital ED", kind=SiteKind.EMERGENCY_DEPARTMENT, address="1969 W Ogden Ave"
    )
    ambulance = Site.objects.create(name="CFD Ambulance 14", kind=SiteKind.AMBULANCE, address="Station 14")
    return Clinic(cohort=cohort, tb=tb, hospital=hospital, ambulance=ambulance)
