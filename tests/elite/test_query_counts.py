"""Every page of the site, the portal and the back office, walked at two data sizes: no page may run more queries
because there is more data. (How fast the pages are lives in bench/, not here.)"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinical import services as clinical
from clinical.models import ClinicalMinimum, MinimumKind, Shift, Site, SiteKind
from courses.models import INSTRUCTORS_GROUP, CohortStatus, CourseDate, RequirementStage, SchoolProfile
from enrollment import services
from enrollment.models import AuditEvent, CredentialStatus, Enrollment, EnrollmentStatus
from enrollment.services import AttendanceEntry
from payments import services as payments
from payments.models import (
    CheckoutAttempt,
    Deposit,
    DepositRule,
    DueRule,
    Instalment,
    PaymentPlan,
    PlanStep,
    RefundPolicy,
    Sponsor,
    SponsorKind,
    SponsorShare,
    WebhookEvent,
    WebhookOutcome,
)
from skills import services as skills
from skills.models import Attempt, Skill
from tests.factories import (
    credential_details,
    make_cohort,
    make_course,
    make_credential,
    make_credential_type,
    make_refund_policy,
    make_requirement,
    make_session,
    make_skill_sheets,
    student_details,
)

pytestmark = pytest.mark.django_db
S = EnrollmentStatus


class School:
    """A school that can grow: more cohorts, more people in them, more sessions and attendance."""

    def __init__(self) -> None:
        make_refund_policy()  # the migration's rows, gone after a transactional test's flush
        self.cpr = make_credential_type()
        self.emt_license = make_credential_type("EMT", "EMT license")
        self.emt = make_course(slug="emt", title="Emergency Medical Technician")
        make_requirement(self.emt, self.cpr, valid_through=CourseDate.END)
        self.paramedic = make_course(slug="paramedic", title="Paramedic", nominal_hours=1100)
        make_requirement(self.paramedic, self.emt_license, valid_through=CourseDate.START, needs_verification=True)
        users = get_user_model().objects
        self.admin = users.create_superuser("root", password="pw-for-tests-123")
        self.instructor = users.create_user("teacher", password="pw-for-tests-123")
        today = timezone.localdate()
        self.running = make_cohort(
            course=self.emt,
            code="EMT-RUN",
            capacity=200,
            status=CohortStatus.RUNNING,
            starts_on=today - datetime.timedelta(days=30),
        )
        self.running.instructors.add(self.instructor)
        self.instructor.groups.add(Group.objects.get_or_create(name=INSTRUCTORS_GROUP)[0])
        self.open = make_cohort(course=self.emt, code="EMT-OPEN", capacity=2)
        self.pending_cohort = make_cohort(course=self.paramedic, code="PARA-OPEN", capacity=200)
        # Clinicals: the EMT course asks for a TB test before shifts and has minimums; shifts at one hospital.
        self.tb = make_credential_type("TB_TEST", "TB test")
        make_requirement(self.emt, self.tb, needed_for=RequirementStage.CLINICAL, needs_verification=True)
        ClinicalMinimum.objects.create(course=self.emt, kind=MinimumKind.ED_HOURS, amount=24)
        ClinicalMinimum.objects.create(course=self.emt, kind=MinimumKind.CONTACTS, amount=10)
        self.site = Site.objects.create(name="Lakeshore ED", kind=SiteKind.EMERGENCY_DEPARTMENT, address="Taylor St")
        self.shifts_made = 0
        self.sessions = []
        # Money: EMT seats pay in two instalments and a deposit keeps the seat (made overdue in grow()).
        self.plan = plan = PaymentPlan.objects.create(name="Two payments", course=self.emt)
        PlanStep.objects.create(plan=plan, percent=50, due=DueRule.AFTER_ENROLLING, days=0)
        PlanStep.objects.create(plan=plan, percent=50, due=DueRule.BEFORE_START, days=10)
        DepositRule.objects.create(course=self.emt, amount=100, days=3)
        # Money: a WIOA sponsor pays half of some running-cohort students' tuition (their clock hours, its invoices).
        self.wioa = Sponsor.objects.create(name="Workforce Partnership", kind=SponsorKind.WIOA, email="w@example.com")
        # Graduates: completed (by staff override, their hours not being on record), with certificates and attempts.
        self.done = make_cohort(course=self.emt, code="EMT-DONE", capacity=500)
        self.grow(people=3, cohorts=1, sessions=2)
        self.completed = self.done.enrollments.order_by("pk").first()
        self.certificate = self.completed.certificate
        self.revoked = self.done.enrollments.order_by("pk")[1].certificate
        services.revoke_certificate(certificate=self.revoked, actor=self.admin, reason="Issued in error.")
        self.status_enrollment = Enrollment.objects.filter(cohort=self.open).order_by("pk").first()
        # A waitlisted student's page also says what is still missing (the eligibility check).
        self.waiting_enrollment = (
            Enrollment.objects.filter(cohort=self.open, status=S.WAITLISTED).order_by("pk").first()
        )
        self.attendance = self.sessions[0].attendance.first()
        # A confirmed signup whose details differ from the record: staff decide in the review queue.
        differing = services.request_seat(
            cohort=self.pending_cohort,
            student=student_details(email=self.status_enrollment.student.email, first_name="Someone"),
            credentials=[credential_details(self.emt_license)],
        )
        services.confirm_signup(enrollment=differing)
        # The enrollment page of a pending signup: credentials to verify, a message to the student, a history.
        self.pending_enrollment = (
            Enrollment.objects.filter(cohort=self.pending_cohort, status=S.PENDING_REVIEW).order_by("pk").first()
        )
        services.send_student_message(enrollment=self.pending_enrollment, actor=self.admin, body="See you soon.")
        other = self.pending_enrollment.student.credentials.order_by("pk").first()
        services.reject_credential(credential=other, actor=self.admin, reason="Not in the registry.")
        self.credential_event = AuditEvent.objects.filter(action="credential.rejected").latest("pk")
        # A student's clinicals: a shift that ended an hour ago, to log contacts for, and its preceptor's open link.
        self.clinical_enrollment = self.running.enrollments.filter(status=S.ENROLLED).order_by("pk").first()
        just_ended = self.shift(days=0, places=3)
        just_ended.starts_at -= datetime.timedelta(hours=21)
        just_ended.ends_at -= datetime.timedelta(hours=21)
        just_ended.save()
        self.open_booking = clinical.book_shift(
            shift=just_ended, enrollment=self.clinical_enrollment, now=just_ended.starts_at - datetime.timedelta(days=2)
        )
        self.preceptor_link = clinical.issue_preceptor_link(shift=just_ended)
        # The status page's other states: an open offer (and its "decline" step), a withdrawal (other cohorts to
        # sign up for) and a staff move (the old link points to the new enrollment).
        offer_cohort = make_cohort(course=self.emt, code="EMT-OFFER", capacity=1)
        left = self.sign_up(offer_cohort, self.cpr)
        self.offered = self.sign_up(offer_cohort, self.cpr)
        services.withdraw(enrollment=left)
        self.withdrawn = left
        # Its refund, proposed by the policy at the withdrawal (the staff's queue, confirm and adjust pages).
        self.refund = left.refund_proposals.get()
        moving = self.sign_up(offer_cohort, self.cpr)
        services.move(enrollment=moving, to_cohort=self.open, actor=self.admin)
        self.moved = moving

    def sign_up(self, cohort, course_credential) -> Enrollment:
        return services.request_seat(
            cohort=cohort,
            student=student_details(),
            credentials=[credential_details(course_credential)],
            actor=self.admin,
            enforce_window=False,
        )

    def grow(self, *, people: int, cohorts: int, sessions: int) -> None:
        for _ in range(cohorts):
            extra = make_cohort(course=self.emt, capacity=2)
            for _ in range(3):
                self.sign_up(extra, self.cpr)
            make_session(extra)
            # A withdrawal from it: one more refund in the staff's queue.
            services.withdraw(enrollment=extra.enrollments.filter(status=S.ENROLLED).order_by("pk").first())
        for k in range(sessions):
            self.sessions.append(make_session(self.running, days_from_now=-(len(self.sessions) + k + 1)))
            make_session(self.open, days_from_now=40 + len(self.sessions) + k)
        instructors = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)[0]
        for _ in range(people):
            # More instructors to choose from, more logins locked out.
            n = get_user_model().objects.count()
            get_user_model().objects.create_user(f"teacher{n}", password="pw-for-tests-123").groups.add(instructors)
            AccessAttempt.objects.create(
                username=f"teacher{n}",
                ip_address=f"10.0.{n // 250}.{n % 250}",
                user_agent="tests",
                failures_since_start=5,
                get_data="",
                post_data="",
                http_accept="",
                path_info="/accounts/login/",
            )
            self.sign_up(self.running, self.cpr)
            # The audit trail grows with credential decisions too, each naming its credential.
            student = self.sign_up(self.open, self.cpr).student
            services.reject_credential(
                credential=student.credentials.order_by("pk").first(), actor=self.admin, reason="Expired."
            )
            self.sign_up(self.open, self.cpr)  # beyond 3 seats: the waitlist grows
            self.sign_up(self.pending_cohort, self.emt_license)  # pending review, with credentials to check
            graduate = self.sign_up(self.done, self.cpr)
            services.complete(enrollment=graduate, actor=self.admin, override=True, override_reason="Hours on paper.")
            services.record_exam_attempt(
                enrollment=graduate, taken_on=timezone.localdate(), result="fail", actor=self.admin
            )
        seated = list(self.running.enrollments.filter(status=S.ENROLLED))
        for session in self.sessions:
            services.record_attendance(
                session=session,
                entries=[AttendanceEntry(enrollment=e, status="present", minutes=session.minutes) for e in seated],
                actor=self.instructor,
            )
        self.grow_clinicals(seated, shifts=sessions)
        self.grow_skills(seated)
        # Everyone in the running cohort is behind: the roster, the seat board and the overdue report list them all.
        Instalment.objects.filter(enrollment__cohort=self.running).update(due_on=F("due_on") - datetime.timedelta(60))
        Deposit.objects.filter(enrollment__cohort=self.running).update(due_on=F("due_on") - datetime.timedelta(60))
        self.grow_money(seated)

    def grow_money(self, seated: list[Enrollment]) -> None:
        """Every other seated student half paid for by the WIOA sponsor, who pays part; the others pay something."""
        for n, enrollment in enumerate(seated):
            if n % 2:
                payments.record_payment(enrollment=enrollment, amount=Decimal("25.00"), method="cash", actor=None)
                continue
            SponsorShare.objects.get_or_create(enrollment=enrollment, sponsor=self.wioa, defaults={"percent": 50})
            payments.record_payment(
                enrollment=enrollment, amount=Decimal("100.00"), method="check", payer=self.wioa, actor=None
            )
        invoice = payments.issue_invoice(sponsor=self.wioa, actor=None)  # the sponsor's list of invoices grows too
        self.invoice = getattr(self, "invoice", invoice)  # the PDF walked is the first one
        self.grow_online_payments(seated)

    def shift(self, *, days: int, places: int) -> Shift:
        """An 8-hour shift starting half a day after this time of day, `days` from now (never during a session)."""
        start = timezone.now() + datetime.timedelta(days=days, hours=12)
        return Shift.objects.create(
            site=self.site,
            cohort=self.running,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=8),
            capacity=places,
            preceptor_email="preceptor@example.com",
        )

    def grow_clinicals(self, seated: list[Enrollment], *, shifts: int) -> None:
        """Every seated student cleared; per round a past shift everyone booked, logged and had signed, and a future
        shift two of them booked."""
        cleared = set(self.tb.credentials.values_list("student_id", flat=True))
        for enrollment in seated:
            if enrollment.student_id not in cleared:
                make_credential(enrollment.student, self.tb, status=CredentialStatus.VERIFIED)
        day = datetime.timedelta(days=1)
        for _ in range(shifts):
            self.shifts_made += 1
            past = self.shift(days=-(self.shifts_made + 2), places=len(seated))
            for enrollment in seated:
                booking = clinical.book_shift(shift=past, enrollment=enrollment, now=past.starts_at - day * 2)
                clinical.log_contact(
                    booking=booking,
                    details=clinical.ContactDetails(age_group="adult", complaint="cardiac"),
                    now=past.ends_at + day / 24,
                )
            link = clinical.issue_preceptor_link(shift=past, now=past.ends_at)
            entries = {
                b.pk: clinical.SignedBooking(
                    attended=True, minutes=400, contacts={c.pk: True for c in b.contacts.all()}
                )
                for b in past.bookings.prefetch_related("contacts")
            }
            clinical.sign_off(token=link.token, entries=entries, name="Pat", credential_number="RN-1", now=past.ends_at)
            future = self.shift(days=self.shifts_made + 3, places=5)
            for enrollment in seated[:2]:
                clinical.book_shift(shift=future, enrollment=enrollment)

    def grow_online_payments(self, seated: list[Enrollment]) -> None:
        """Per round, a "Pay now" checkout for each seated student (rows as the webhook leaves them: Stripe is not
        called here), with the webhook's events about it: one posted, one a session this site did not make."""
        now = timezone.now()
        for enrollment in seated:
            n = CheckoutAttempt.objects.count()
            attempt = CheckoutAttempt.objects.create(
                enrollment=enrollment,
                session_id=f"cs_test_{n}",
                url=f"https://checkout.stripe.com/c/pay/cs_test_{n}",
                nonce=f"nonce-{n}",
                amount=Decimal("25.00"),
                description="Tuition",
                expires_at=now + datetime.timedelta(hours=1),
            )
            for outcome, session in (
                (WebhookOutcome.POSTED, attempt.session_id),
                (WebhookOutcome.UNKNOWN_SESSION, "x"),
            ):
                WebhookEvent.objects.create(
                    event_id=f"evt_{n}_{outcome}",
                    type="checkout.session.completed",
                    outcome=outcome,
                    session_id=session,
                    amount=Decimal("25.00"),
                    attempt=attempt if session == attempt.session_id else None,
                    payload={"id": f"evt_{n}_{outcome}"},
                )
        self.checkout = CheckoutAttempt.objects.order_by("pk").first()
        self.webhook_event = WebhookEvent.objects.order_by("pk").first()

    def grow_skills(self, seated: list[Enrollment]) -> None:
        """Per round, every seated student passes BVM and fails oxygen once, and is evaluated (every other one needs
        remediation)."""
        make_skill_sheets()  # the data migration's sheets (a transactional test run earlier flushes them)
        bvm, oxygen = Skill.objects.get(code="EMT-BVM"), Skill.objects.get(code="EMT-O2-NRB")
        entries = []
        for n, enrollment in enumerate(seated):
            entries.append(skills.AttemptEntry(enrollment, bvm, "pass"))
            entries.append(skills.AttemptEntry(enrollment, oxygen, "fail", (oxygen.criteria[0],)))
            rating = "remediation" if n % 2 else "meets"
            skills.record_affective(enrollment=enrollment, rating=rating, note="Late.", evaluator=self.instructor)
        skills.record_lab_day(cohort=self.running, entries=entries, evaluator=self.instructor)
        self.skills_chosen = f"skill={bvm.pk}&skill={oxygen.pk}"
        self.first_attempt = Attempt.objects.order_by("pk").first()

    def pages(self) -> list[tuple[str, str]]:
        """(who, url) for every page; who is "anonymous", "instructor" or "admin"."""
        token = self.status_enrollment.token
        session = self.sessions[0]
        enrollment = self.status_enrollment
        student = enrollment.student
        public = [
            "/",
            "/courses/",
            "/courses/emt/",
            f"/cohorts/{self.open.pk}/",
            f"/cohorts/{self.open.pk}/signup/",
            f"/cohorts/{self.open.pk}/calendar.ics",
            f"/my/{token}/",
            f"/my/{self.waiting_enrollment.token}/",
            f"/my/{token}/withdraw/",
            "/my/",
            "/accounts/login/",
            "/privacy/",
            "/refunds/",
            f"/my/{self.offered.token}/",
            f"/my/{self.offered.token}/decline/",
            f"/my/{self.withdrawn.token}/",
            f"/my/{self.moved.token}/",
            f"/my/{self.clinical_enrollment.token}/",
            f"/my/{self.completed.token}/",
            f"/my/{self.completed.token}/certificate.pdf",
            f"/verify/{self.certificate.code}/",
            f"/verify/{self.revoked.code}/",
        ]
        clinicals = [
            f"/my/{self.clinical_enrollment.token}/payments/",
            f"/my/{self.checkout.enrollment.token}/payments/paid/",
            f"/my/{self.checkout.enrollment.token}/payments/cancelled/",
            f"/my/{self.clinical_enrollment.token}/clinicals/",
            f"/my/{self.clinical_enrollment.token}/clinicals/bookings/{self.open_booking.pk}/contacts/",
            f"/preceptor/{self.preceptor_link.token}/",
        ]
        portal = [
            "/instructor/",
            f"/instructor/cohorts/{self.running.pk}/",
            f"/instructor/cohorts/{self.running.pk}/roster.csv",
            f"/instructor/sessions/{session.pk}/attendance/",
            f"/instructor/sessions/{session.pk}/sign-in/",
            f"/instructor/cohorts/{self.running.pk}/lab/",
            f"/instructor/cohorts/{self.running.pk}/lab/?{self.skills_chosen}",
            f"/instructor/cohorts/{self.running.pk}/affective/",
            f"/instructor/skill-attempts/{self.first_attempt.pk}/correct/",
        ]
        admin = [
            "/admin/",
            "/admin/courses/course/",
            "/admin/courses/cohort/",
            f"/admin/courses/cohort/{self.running.pk}/change/",
            f"/admin/courses/cohort/{self.running.pk}/schedule/",
            f"/admin/courses/cohort/{self.running.pk}/roster.csv",
            "/admin/courses/classsession/",
            f"/admin/courses/classsession/?cohort={self.running.pk}&o=2",
            f"/admin/courses/classsession/{session.pk}/change/",
            "/admin/courses/credentialtype/",
            "/admin/courses/requirement/",
            "/admin/enrollment/student/",
            f"/admin/enrollment/student/{student.pk}/change/",
            "/admin/enrollment/credential/",
            "/admin/enrollment/enrollment/",
            "/admin/enrollment/enrollment/review/",
            f"/admin/enrollment/enrollment/{enrollment.pk}/change/",
            f"/admin/enrollment/enrollment/{self.pending_enrollment.pk}/change/",
            f"/admin/enrollment/enrollment/{self.pending_enrollment.pk}/reject/",
            f"/admin/enrollment/enrollment/{self.pending_enrollment.pk}/withdraw/",
            f"/admin/enrollment/enrollment/{self.pending_enrollment.pk}/move/",
            f"/admin/enrollment/enrollment/{self.pending_enrollment.pk}/message/",
            f"/admin/enrollment/auditevent/{self.credential_event.pk}/change/",
            "/admin/enrollment/enrollment/add/",
            "/admin/enrollment/attendance/",
            "/admin/enrollment/attendance/add/",
            f"/admin/enrollment/attendance/{self.attendance.pk}/change/",
            f"/admin/enrollment/attendance/{self.attendance.pk}/correct/",
            "/admin/enrollment/auditevent/",
            "/admin/enrollment/outgoingemail/",
            "/admin/auth/user/",
            "/admin/auth/user/add/",
            f"/admin/auth/user/{self.instructor.pk}/change/",
            "/admin/axes/accessattempt/locked-out/",
            "/admin/payments/ledgerentry/",
            f"/admin/payments/ledgerentry/pay/{self.clinical_enrollment.pk}/",
            "/admin/payments/sponsor/",
            "/admin/payments/fee/",
            "/admin/payments/instalment/",
            "/admin/payments/instalment/overdue/",
            "/admin/payments/instalment/overdue.csv",
            f"/admin/payments/instalment/plan/{self.clinical_enrollment.pk}/",
            "/admin/payments/paymentplan/",
            f"/admin/payments/paymentplan/{self.plan.pk}/change/",
            "/admin/payments/depositrule/",
            "/admin/payments/deposit/",
            "/admin/payments/ledgerentry/reports/",
            "/admin/payments/ledgerentry/reports/balances/",
            "/admin/payments/ledgerentry/reports/balances.csv",
            f"/admin/payments/ledgerentry/reports/balances/{self.running.pk}/",
            "/admin/payments/ledgerentry/reports/payments-by-month/",
            "/admin/payments/ledgerentry/reports/payments-by-month.csv",
            f"/admin/payments/ledgerentry/reports/clock-hours/{self.running.pk}/",
            f"/admin/payments/ledgerentry/reports/clock-hours/{self.running.pk}.csv",
            f"/admin/payments/sponsor/{self.wioa.pk}/change/",
            f"/admin/payments/sponsor/{self.wioa.pk}/invoices/",
            f"/admin/payments/sponsor/{self.wioa.pk}/invoices/{self.invoice.pk}.pdf",
            f"/admin/payments/sponsor/{self.wioa.pk}/clock-hours/",
            f"/admin/payments/sponsor/{self.wioa.pk}/clock-hours.csv",
            "/admin/payments/webhookevent/",
            "/admin/payments/webhookevent/?needs_staff=yes",
            f"/admin/payments/webhookevent/{self.webhook_event.pk}/change/",
            "/admin/payments/checkoutattempt/",
            f"/admin/payments/checkoutattempt/{self.checkout.pk}/change/",
            "/admin/payments/refundproposal/",
            "/admin/payments/refundproposal/?status__exact=proposed",
            f"/admin/payments/refundproposal/{self.refund.pk}/change/",
            f"/admin/payments/refundproposal/{self.refund.pk}/confirm/",
            f"/admin/payments/refundproposal/{self.refund.pk}/adjust/",
            "/admin/payments/refundpolicy/",
            f"/admin/payments/refundpolicy/{RefundPolicy.objects.get(course=None).pk}/change/",
            "/admin/clinical/shift/",
            f"/admin/clinical/shift/{self.preceptor_link.shift_id}/change/",
            "/admin/clinical/site/",
            "/admin/clinical/clinicalminimum/",
            "/admin/clinical/patientcontact/",
            "/admin/clinical/shift/clearance/",
            f"/admin/clinical/shift/clearance/{self.running.pk}/",
            f"/admin/clinical/shift/clearance/{self.running.pk}.csv",
            "/admin/skills/skill/",
            "/admin/skills/attempt/",
            f"/admin/skills/attempt/{self.first_attempt.pk}/change/",
            "/admin/skills/affectiveevaluation/",
            "/admin/autocomplete/?app_label=courses&model_name=cohort&field_name=instructors&term=t",
            f"/admin/courses/cohort/{self.done.pk}/change/",
            f"/admin/enrollment/enrollment/{self.completed.pk}/change/",
            f"/admin/enrollment/enrollment/{self.completed.pk}/certificate.pdf",
            f"/admin/enrollment/enrollment/{self.clinical_enrollment.pk}/change/",
            f"/admin/enrollment/enrollment/{self.clinical_enrollment.pk}/complete/",
            f"/admin/enrollment/enrollment/registry-export/{self.done.pk}/",
            "/admin/enrollment/certificate/",
            f"/admin/enrollment/certificate/{self.certificate.pk}/change/",
            f"/admin/enrollment/certificate/{self.certificate.pk}/revoke/",
            "/admin/enrollment/examattempt/",
            f"/admin/enrollment/examattempt/add/?enrollment={self.completed.pk}",
        ]
        signed_up = [f"/cohorts/{self.open.pk}/signup/sent/"]
        return (
            [("anonymous", url) for url in public + clinicals]
            + [("signed_up", url) for url in signed_up]
            + [("instructor", url) for url in portal]
            + [("admin", url) for url in admin]
        )


def measure(school: School) -> dict[str, int]:
    clients = {"anonymous": Client(), "signed_up": Client(), "instructor": Client(), "admin": Client()}
    clients["instructor"].force_login(school.instructor)
    clients["admin"].force_login(school.admin)
    # Someone who has just signed up, with the page that says so (its outcome travels in a signed cookie).
    signup = clients["signed_up"].post(
        f"/cohorts/{school.open.pk}/signup/",
        {
            "first_name": "Ana",
            "last_name": "Lopez",
            "email": f"ana{Enrollment.objects.count()}@example.com",
            "phone": "(312) 555-0101",
            "date_of_birth": "1998-04-02",
            "privacy_consent": "on",
            f"cred_{school.cpr.pk}_number": "BLS-1",
            f"cred_{school.cpr.pk}_expires": (school.open.ends_on + datetime.timedelta(days=90)).isoformat(),
        },
    )
    assert signup.status_code == 302, signup.content
    counts = {}
    for who, url in school.pages():
        client = clients[who]
        client.get(url)  # the first visit may create a session or a CSRF cookie
        # The school's profile stays in memory for a minute (SchoolProfile.current): renewed here, so the minute never
        # ends during a measured visit, which would then count one more query whatever the data's size.
        SchoolProfile.remember(SchoolProfile.current())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        counts[url] = len(queries)
    return counts


def test_no_page_runs_more_queries_when_the_school_grows():
    school = School()
    small = measure(school)
    school.grow(people=25, cohorts=12, sessions=6)
    large = measure(school)
    grew = {url: (small[url], large[url]) for url in small if large[url] > small[url]}
    assert grew == {}, f"query counts grew with the data (small, large): {grew}"
