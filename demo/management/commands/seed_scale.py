"""Build a large school for the benchmarks: 100,000 students, 5,000 cohorts over 10 years, 500,000 enrollments in
every status and 1,000,000 attendance rows; and, for the cohorts of courses with clinical minimums, shifts, bookings
and patient contacts in the demo school's proportions (about two shifts a student, two contacts a shift, every
finished shift signed); a certificate for every completed enrollment, and Registry exam attempts for a third; and
skills attempts (every sheet of the level passed as often as it asks, one attempt in five a fail before it) and an
affective evaluation for the seated students of cohorts that have begun, up to `--attempts`; and the books of every
seated enrollment (its course's tuition and fees charged, completed ones paid in full, current ones in part, one in
eight with a sponsor paying a share); and the money's papers: a third of the seated students on a two-payment plan
(some behind), deposits for some seats of open cohorts, a third of the withdrawn students' books settled by a refund
(recent ones still waiting in the staff's queue), an invoice per sponsor per cohort it pays for, and the Stripe
checkouts behind the online payments.

Bulk inserts only: this is test data for measuring pages, not history made through the services (it has no audit
trail). Run `seed_demo` first (the courses and users come from it). It is built once; a second run sees the data
and stops, so `make bench SCALE=1` reuses it (adding only a part a newer version of this command builds, such as the
books or the money's papers, to a data set built before it).
"""

from __future__ import annotations

import datetime
import itertools
import random
import secrets
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from clinical.models import AgeGroup, Booking, ClinicalMinimum, Complaint, PatientContact, Shift, Site, SiteKind
from courses.models import ClassSession, Cohort, CohortStatus, Course, SessionKind
from enrollment.models import (
    Attendance,
    AttendanceStatus,
    Certificate,
    Enrollment,
    EnrollmentStatus,
    ExamAttempt,
    ExamResult,
    Student,
    new_certificate_code,
)
from payments.models import (
    CheckoutAttempt,
    CheckoutStatus,
    Deposit,
    EntryKind,
    Fee,
    FeeKind,
    Instalment,
    LedgerEntry,
    PaymentMethod,
    PaymentPlan,
    RefundLine,
    RefundProposal,
    RefundStatus,
    Sponsor,
    SponsorInvoice,
    SponsorKind,
    SponsorShare,
)
from skills.models import AffectiveEvaluation, AffectiveRating, Attempt, AttemptResult, Skill

S = EnrollmentStatus
EMAIL_DOMAIN = "@scale.example.org"
CAPACITY = 24
SESSIONS_PER_COHORT = 30
BATCH = 10_000
LOCATIONS = [
    "West Loop campus, 1250 W. Randolph St., Chicago",
    "North Side campus, 4820 N. Western Ave., Chicago",
    "South Side campus, 3550 S. Martin Luther King Dr., Chicago",
]
FIRST = ["Ana", "Ben", "Chloe", "Darnell", "Elena", "Farah", "Gabe", "Hana", "Ivan", "Jada", "Kofi", "Lena"]
LAST = ["Nguyen", "Okafor", "Patel", "Quinn", "Rivera", "Schmidt", "Tanaka", "Usman", "Vargas", "Walsh", "Young"]

# Per cohort, by where it stands in time: how many enrollments of each status (100 in all, at most 24 seat holders).
PAST_MIX = [(S.COMPLETED, 20), (S.DID_NOT_COMPLETE, 3), (S.WITHDRAWN, 37), (S.REJECTED, 20), (S.LAPSED, 20)]
RUNNING_MIX = [(S.ENROLLED, 23), (S.WITHDRAWN, 37), (S.REJECTED, 20), (S.LAPSED, 20)]
OPEN_MIX = [
    (S.ENROLLED, 20),
    (S.PENDING_REVIEW, 2),
    (S.OFFERED, 1),
    (S.WAITLISTED, 30),
    (S.WITHDRAWN, 27),
    (S.REJECTED, 10),
    (S.LAPSED, 10),
]


class Command(BaseCommand):
    help = "Build the large benchmark data set (100k students, 5k cohorts, 500k enrollments, 1M attendance rows)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=100_000)
        parser.add_argument("--cohorts", type=int, default=5_000)
        parser.add_argument("--attendance", type=int, default=1_000_000)
        parser.add_argument("--attempts", type=int, default=1_000_000)

    def handle(self, *args, **options) -> None:
        self.started = time.monotonic()
        if Student.objects.filter(email__endswith=EMAIL_DOMAIN).exists():
            has_books = LedgerEntry.objects.filter(enrollment__student__email__endswith=EMAIL_DOMAIN).exists()
            has_papers = Instalment.objects.filter(enrollment__student__email__endswith=EMAIL_DOMAIN).exists()
            if has_books and has_papers:
                self.stdout.write("The scale data set is already built; reusing it.")
                return
            # Built before the books (or the money's papers) were part of it: add them to the enrollments there.
            with transaction.atomic():
                if not has_books:
                    seated = list(
                        Enrollment.objects.filter(
                            student__email__endswith=EMAIL_DOMAIN,
                            status__in=[S.COMPLETED, S.DID_NOT_COMPLETE, S.ENROLLED],
                        ).select_related("cohort")
                    )
                    self.make_payments(seated, random.Random(7))
                self.make_money_papers()
            self.analyze()
            self.say("done")
            return
        courses = list(Course.objects.order_by("display_order"))
        if not courses:
            raise CommandError("No courses: run `python manage.py seed_demo` first.")
        rng = random.Random(7)
        with transaction.atomic():
            students = self.make_students(options["students"], rng)
            cohorts = self.make_cohorts(options["cohorts"], courses)
            sessions = self.make_sessions(cohorts)
            seated = self.make_enrollments(cohorts, students)
            self.make_attendance(seated, sessions, options["attendance"], rng)
            self.make_clinicals(cohorts, seated, rng)
            self.make_certificates(seated)
            self.make_skills(cohorts, seated, options["attempts"], rng)
            self.make_payments(seated, rng)
            self.make_money_papers()
        self.analyze()
        self.say("done")

    def analyze(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def say(self, what: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.started:6.1f} s] {what}")
        self.stdout.flush()

    def insert(self, model, rows: list, label: str) -> list:
        made = []
        for start in range(0, len(rows), BATCH):
            made.extend(model.objects.bulk_create(rows[start : start + BATCH], batch_size=BATCH))
            if (start // BATCH) % 10 == 9 or start + BATCH >= len(rows):
                self.say(f"{label}: {min(start + BATCH, len(rows)):,} of {len(rows):,}")
        return made

    def make_students(self, n: int, rng: random.Random) -> list[Student]:
        now = timezone.now()
        rows = [
            Student(
                first_name=rng.choice(FIRST),
                last_name=f"{rng.choice(LAST)}{i}",
                email=f"student{i}{EMAIL_DOMAIN}",
                phone=f"(312) 555-{i % 10000:04d}",
                date_of_birth=datetime.date(1960 + i % 45, 1 + i % 12, 1 + i % 28),
                created_at=now,
                email_confirmed_at=now,
            )
            for i in range(n)
        ]
        return self.insert(Student, rows, "students")

    def make_cohorts(self, n: int, courses: list[Course]) -> list[Cohort]:
        today = timezone.localdate()
        first_day = today - datetime.timedelta(days=9 * 365)
        span = 10 * 365
        now = timezone.now()
        rows = []
        for i in range(n):
            starts = first_day + datetime.timedelta(days=i * span // n)
            ends = starts + datetime.timedelta(days=90)
            if ends < today:
                status = CohortStatus.COMPLETED
            elif starts <= today:
                status = CohortStatus.RUNNING
            else:
                status = CohortStatus.OPEN
            rows.append(
                Cohort(
                    course=courses[i % len(courses)],
                    code=f"SCALE-{courses[i % len(courses)].level}-{i:05d}",
                    starts_on=starts,
                    ends_on=ends,
                    schedule="Tue/Thu 6-10 pm",
                    location=LOCATIONS[i % len(LOCATIONS)],
                    capacity=CAPACITY,
                    status=status,
                    enrollment_opens_at=now - datetime.timedelta(days=30) if status == CohortStatus.OPEN else None,
                    enrollment_closes_at=(
                        timezone.make_aware(datetime.datetime.combine(starts, datetime.time(0)))
                        if status == CohortStatus.OPEN
                        else None
                    ),
                )
            )
        return self.insert(Cohort, rows, "cohorts")

    def make_sessions(self, cohorts: list[Cohort]) -> dict[int, list[ClassSession]]:
        rows = []
        for cohort in cohorts:
            day = cohort.starts_on
            for k in range(SESSIONS_PER_COHORT):
                start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(18)))
                rows.append(
                    ClassSession(
                        cohort=cohort,
                        starts_at=start,
                        ends_at=start + datetime.timedelta(hours=4),
                        kind=SessionKind.LAB if k % 3 == 2 else SessionKind.LECTURE,
                        topic=f"Module {k + 1}",
                    )
                )
                day += datetime.timedelta(days=3 if k % 2 == 0 else 4)
        made = self.insert(ClassSession, rows, "class sessions")
        by_cohort: dict[int, list[ClassSession]] = {}
        for session in made:
            by_cohort.setdefault(session.cohort_id, []).append(session)
        return by_cohort

    def make_enrollments(self, cohorts: list[Cohort], students: list[Student]) -> list[Enrollment]:
        now = timezone.now()
        rows = []
        for c, cohort in enumerate(cohorts):
            mix = {
                CohortStatus.COMPLETED: PAST_MIX,
                CohortStatus.RUNNING: RUNNING_MIX,
            }.get(cohort.status, OPEN_MIX)
            statuses = list(itertools.chain.from_iterable([status] * count for status, count in mix))
            created = timezone.make_aware(datetime.datetime.combine(cohort.starts_on, datetime.time(9))) - (
                datetime.timedelta(days=60)
            )
            for j, status in enumerate(statuses):
                at = created + datetime.timedelta(minutes=j)
                rows.append(
                    Enrollment(
                        student=students[(c * len(statuses) + j) % len(students)],
                        cohort=cohort,
                        status=status,
                        created_at=at,
                        confirmed_at=at,
                        status_changed_at=at,
                        waitlisted_at=at if status in {S.WAITLISTED, S.LAPSED} else None,
                        offer_expires_at=now + datetime.timedelta(hours=24) if status == S.OFFERED else None,
                        token=secrets.token_urlsafe(32),
                    )
                )
        made = self.insert(Enrollment, rows, "enrollments")
        return [e for e in made if e.status in {S.COMPLETED, S.DID_NOT_COMPLETE, S.ENROLLED}]

    def make_certificates(self, seated: list[Enrollment]) -> None:
        """A certificate for every completed enrollment, issued on its cohort's last day; a third of the graduates
        with a Registry exam attempt a month later (a pass, or a fail then a pass), a fifth with only a registration."""
        certificates, attempts = [], []
        completed = [e for e in seated if e.status == S.COMPLETED]
        for k, enrollment in enumerate(completed):
            ends_on = enrollment.cohort.ends_on
            issued = timezone.make_aware(datetime.datetime.combine(ends_on, datetime.time(18)))
            registered = ends_on + datetime.timedelta(days=10) if k % 5 == 0 else None
            certificates.append(
                Certificate(
                    enrollment=enrollment, code=new_certificate_code(), issued_at=issued, exam_registered_on=registered
                )
            )
            if k % 3 == 0:
                taken = ends_on + datetime.timedelta(days=30)
                if k % 6 == 0:
                    attempts.append(
                        ExamAttempt(enrollment=enrollment, taken_on=taken, number=1, result=ExamResult.FAIL)
                    )
                    taken += datetime.timedelta(days=20)
                number = 2 if k % 6 == 0 else 1
                attempts.append(
                    ExamAttempt(enrollment=enrollment, taken_on=taken, number=number, result=ExamResult.PASS)
                )
        self.insert(Certificate, certificates, "certificates")
        self.insert(ExamAttempt, attempts, "Registry exam attempts")

    def make_attendance(
        self, seated: list[Enrollment], sessions: dict[int, list[ClassSession]], n: int, rng: random.Random
    ) -> None:
        now = timezone.now()
        by_cohort: dict[int, list[Enrollment]] = {}
        for enrollment in seated:
            by_cohort.setdefault(enrollment.cohort_id, []).append(enrollment)
        rows: list[Attendance] = []
        statuses = [AttendanceStatus.PRESENT] * 8 + [AttendanceStatus.LATE, AttendanceStatus.ABSENT]
        # Fill the most recent past sessions first, a cohort at a time, until n rows.
        for cohort_id in sorted(by_cohort, reverse=True):
            past = [s for s in sessions[cohort_id] if s.ends_at <= now]
            for session in past:
                for enrollment in by_cohort[cohort_id]:
                    status = rng.choice(statuses)
                    minutes = {AttendanceStatus.PRESENT: 240, AttendanceStatus.LATE: 200}.get(status, 0)
                    rows.append(
                        Attendance(
                            enrollment=enrollment, session=session, status=status, minutes=minutes, recorded_at=now
                        )
                    )
                if len(rows) >= n:
                    break
            if len(rows) >= n:
                break
        self.insert(Attendance, rows[:n], "attendance rows")

    def make_clinicals(self, cohorts: list[Cohort], seated: list[Enrollment], rng: random.Random) -> None:
        with_minimums = set(ClinicalMinimum.objects.values_list("course_id", flat=True))
        if not with_minimums:
            return
        sites = [
            Site.objects.get_or_create(
                name=f"Scale site {n}",
                defaults={"kind": SiteKind.EMERGENCY_DEPARTMENT if n % 2 else SiteKind.AMBULANCE, "address": "Chicago"},
            )[0]
            for n in range(10)
        ]
        by_cohort: dict[int, list[Enrollment]] = {}
        for enrollment in seated:
            by_cohort.setdefault(enrollment.cohort_id, []).append(enrollment)
        zone = timezone.get_default_timezone()
        now = timezone.now()
        shifts: list[Shift] = []
        for c, cohort in enumerate(cohorts):
            students = by_cohort.get(cohort.pk, [])
            if cohort.course_id not in with_minimums or not students:
                continue
            # Two shifts a student over the cohort's weeks, three places each: Saturdays 7 am-7 pm.
            for k in range(max(1, len(students) * 2 // 3)):
                day = cohort.starts_on + datetime.timedelta(days=5 + 7 * (k % 12) + (k // 12))
                start = datetime.datetime.combine(day, datetime.time(7), tzinfo=zone)
                shifts.append(
                    Shift(
                        site=sites[(c + k) % len(sites)],
                        cohort=cohort,
                        starts_at=start,
                        ends_at=start + datetime.timedelta(hours=12),
                        capacity=3,
                        preceptor_name="Scale preceptor",
                        preceptor_email="preceptor@scale.example.org",
                    )
                )
        shifts = self.insert(Shift, shifts, "clinical shifts")
        bookings: list[Booking] = []
        cursor_by_cohort: dict[int, int] = {}
        for shift in shifts:
            students = by_cohort[shift.cohort_id]
            first = cursor_by_cohort.get(shift.cohort_id, 0)
            cursor_by_cohort[shift.cohort_id] = first + 3
            done = shift.ends_at <= now
            for j in range(3):
                bookings.append(
                    Booking(
                        shift=shift,
                        enrollment=students[(first + j) % len(students)],
                        booked_at=shift.starts_at - datetime.timedelta(days=7),
                        attended=True if done else None,
                        signed_minutes=720 if done else None,
                        signed_at=shift.ends_at + datetime.timedelta(days=1) if done else None,
                        signed_by_name="Scale preceptor" if done else "",
                    )
                )
        bookings = self.insert(Booking, bookings, "clinical bookings")
        contacts = [
            PatientContact(
                booking=booking,
                age_group=rng.choice(AgeGroup.values),
                complaint=rng.choice(Complaint.values),
                skills="Vital signs",
                logged_at=booking.booked_at,
                confirmed=True if booking.signed_at else None,
            )
            for booking in bookings
            if booking.attended
            for _ in range(2)
        ]
        self.insert(PatientContact, contacts, "patient contacts")

    def make_skills(self, cohorts: list[Cohort], seated: list[Enrollment], n: int, rng: random.Random) -> None:
        evaluator = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        sheets: dict[str, list[Skill]] = {}
        for skill in Skill.objects.active():
            sheets.setdefault(skill.level, []).append(skill)
        if evaluator is None or not sheets:
            return
        zone = timezone.get_default_timezone()
        today = timezone.localdate()
        by_pk = {cohort.pk: cohort for cohort in cohorts}
        attempts: list[Attempt] = []
        evaluations: list[AffectiveEvaluation] = []
        for enrollment in seated:
            cohort = by_pk[enrollment.cohort_id]
            level_sheets = sheets.get(cohort.course.level, [])
            if cohort.starts_on > today or not level_sheets or len(attempts) >= n:
                continue
            at = datetime.datetime.combine(min(cohort.ends_on, today), datetime.time(19), tzinfo=zone)
            for skill in level_sheets:
                if rng.random() < 0.2:
                    failed = [rng.choice(skill.criteria)] if skill.criteria else []
                    attempts.append(
                        Attempt(
                            enrollment=enrollment,
                            skill=skill,
                            result=AttemptResult.FAIL,
                            failed_criteria=failed,
                            note="" if failed else "Scale fail",
                            evaluator=evaluator,
                            at=at,
                        )
                    )
                for _ in range(skill.attempts_required):
                    attempts.append(
                        Attempt(
                            enrollment=enrollment, skill=skill, result=AttemptResult.PASS, evaluator=evaluator, at=at
                        )
                    )
            remediation = rng.random() < 0.05
            evaluations.append(
                AffectiveEvaluation(
                    enrollment=enrollment,
                    rating=AffectiveRating.NEEDS_REMEDIATION if remediation else AffectiveRating.MEETS,
                    note="Scale remediation" if remediation else "",
                    evaluator=evaluator,
                    at=at,
                )
            )
        self.insert(Attempt, attempts[:n], "skills attempts")
        self.insert(AffectiveEvaluation, evaluations, "affective evaluations")

    def charges_by_course(self) -> dict[int, list[tuple[str, Decimal]]]:
        """What a seat of each course is charged: its tuition and its other fees (those above $0)."""
        items_by_course: dict[int, list[tuple[str, Decimal]]] = {}
        for course in Course.objects.all():
            fees = Fee.objects.filter(course=course, cohort__isnull=True, kind=FeeKind.OTHER).order_by("name")
            items = [(f"Tuition: {course.title}", course.tuition), *((fee.name, fee.amount) for fee in fees)]
            items_by_course[course.pk] = [(name, amount) for name, amount in items if amount > 0]
        return items_by_course

    def make_payments(self, seated: list[Enrollment], rng: random.Random) -> None:
        """Every seated enrollment's charges (its course's tuition and fees), its payments (a graduate's in full, in
        one or two; a current student's in part, or none yet), and for one in eight a sponsor's share and payment."""
        sponsors = [
            Sponsor.objects.get_or_create(
                name=f"Scale sponsor {n}",
                defaults={
                    "kind": SponsorKind.values[n % len(SponsorKind.values)],
                    "email": f"sponsor{n}{EMAIL_DOMAIN}" if n % 2 else "",
                },
            )[0]
            for n in range(20)
        ]
        items_by_course = self.charges_by_course()
        cohort_course = dict(Cohort.objects.values_list("pk", "course_id"))
        entries: list[LedgerEntry] = []
        shares: list[SponsorShare] = []
        methods = [PaymentMethod.CARD_TERMINAL, PaymentMethod.CHECK, PaymentMethod.CASH, PaymentMethod.ONLINE]
        for k, enrollment in enumerate(seated):
            items = items_by_course.get(cohort_course[enrollment.cohort_id], [])
            if not items:
                continue
            at = enrollment.created_at
            for name, amount in items:
                entries.append(
                    LedgerEntry(enrollment=enrollment, kind=EntryKind.CHARGE, amount=amount, description=name, at=at)
                )
            charged = sum((amount for _name, amount in items), Decimal(0))
            student_part = charged
            if k % 8 == 0:
                sponsor = sponsors[k % len(sponsors)]
                part = (charged / 2).quantize(Decimal("0.01"))
                shares.append(SponsorShare(enrollment=enrollment, sponsor=sponsor, percent=Decimal(50)))
                student_part -= part
                if enrollment.status != S.ENROLLED or k % 16 == 0:
                    entries.append(
                        LedgerEntry(
                            enrollment=enrollment,
                            kind=EntryKind.PAYMENT,
                            amount=-part,
                            description=f"Payment from {sponsor.name}",
                            payer=sponsor,
                            method=PaymentMethod.SPONSOR,
                            reference=f"PO-{k}",
                            at=at + datetime.timedelta(days=14),
                        )
                    )
            if enrollment.status == S.ENROLLED:
                paid = [(student_part / 2).quantize(Decimal("0.01"))] if rng.random() < 0.7 else []
            elif k % 2:
                first = (student_part / 2).quantize(Decimal("0.01"))
                paid = [first, student_part - first]
            else:
                paid = [student_part]
            for n, amount in enumerate(paid):
                if amount <= 0:
                    continue
                entries.append(
                    LedgerEntry(
                        enrollment=enrollment,
                        kind=EntryKind.PAYMENT,
                        amount=-amount,
                        description="Payment from the student",
                        method=methods[(k + n) % len(methods)],
                        reference=f"R-{k}-{n}",
                        at=at + datetime.timedelta(days=1 + 30 * n),
                    )
                )
        self.insert(SponsorShare, shares, "sponsors' shares")
        self.insert(LedgerEntry, entries, "ledger entries")

    def make_money_papers(self) -> None:
        """Built from the books already in the database (so it can be added to an older data set): plans, deposits,
        refunds of withdrawn seats, sponsors' invoices and the online payments' checkouts."""
        # The rows just inserted in this transaction are unknown to PostgreSQL's planner until analysed; without it,
        # the joins below pick nested loops over the whole enrollment table (minutes instead of seconds).
        self.analyze()
        today = timezone.localdate()
        scale = Enrollment.objects.filter(student__email__endswith=EMAIL_DOMAIN)
        cohorts = {
            pk: (course_id, starts_on, status)
            for pk, course_id, starts_on, status in Cohort.objects.values_list("pk", "course_id", "starts_on", "status")
        }
        charged: dict[int, Decimal] = {}
        paid: dict[int, Decimal] = {}
        sponsor_paid: dict[int, Decimal] = {}
        for enrollment_id, kind, amount, payer_id in LedgerEntry.objects.filter(
            enrollment__student__email__endswith=EMAIL_DOMAIN
        ).values_list("enrollment_id", "kind", "amount", "payer_id"):
            if kind == EntryKind.CHARGE:
                charged[enrollment_id] = charged.get(enrollment_id, Decimal(0)) + amount
            elif kind == EntryKind.PAYMENT and payer_id is None:
                paid[enrollment_id] = paid.get(enrollment_id, Decimal(0)) - amount
            elif kind == EntryKind.PAYMENT:
                sponsor_paid[enrollment_id] = sponsor_paid.get(enrollment_id, Decimal(0)) - amount
        shared = dict(
            SponsorShare.objects.filter(enrollment__student__email__endswith=EMAIL_DOMAIN).values_list(
                "enrollment_id", "sponsor_id"
            )
        )
        cent = Decimal("0.01")
        self.make_plans_and_deposits(scale, cohorts, charged, paid, shared, today)
        self.make_refunds(scale, cohorts, today)
        # An invoice per sponsor per cohort that has begun: its shares as they stood a week after the first day.
        lines: dict[tuple[int, int], list[dict[str, str | int]]] = {}
        for pk, cohort_id, first, last, code, title in scale.filter(pk__in=list(shared)).values_list(
            "pk", "cohort_id", "student__first_name", "student__last_name", "cohort__code", "cohort__course__title"
        ):
            if cohorts[cohort_id][1] > today - datetime.timedelta(days=7):
                continue
            share = (charged.get(pk, Decimal(0)) / 2).quantize(cent)
            done = sponsor_paid.get(pk, Decimal(0))
            lines.setdefault((shared[pk], cohort_id), []).append(
                {
                    "enrollment": pk,
                    "student": f"{first} {last}",
                    "cohort": code,
                    "course": title,
                    "share": str(share),
                    "paid": str(done),
                    "due": str(share - done),
                }
            )
        invoices = [
            SponsorInvoice(
                sponsor_id=sponsor_id,
                cohort_id=cohort_id,
                lines=rows,
                total_due=sum((Decimal(row["due"]) for row in rows), Decimal(0)),
                issued_at=timezone.make_aware(
                    datetime.datetime.combine(cohorts[cohort_id][1] + datetime.timedelta(days=7), datetime.time(10))
                ),
            )
            for (sponsor_id, cohort_id), rows in sorted(lines.items(), key=lambda item: cohorts[item[0][1]][1])
        ]
        self.insert(SponsorInvoice, invoices, "sponsors' invoices")
        # The online payments came through Stripe Checkout: each has its paid checkout.
        checkouts = [
            CheckoutAttempt(
                enrollment_id=enrollment_id,
                session_id=f"cs_scale_{pk}",
                url=f"https://checkout.stripe.com/c/pay/cs_scale_{pk}",
                nonce=f"scale-{pk}",
                amount=-amount,
                description="Tuition",
                status=CheckoutStatus.PAID,
                entry_id=pk,
                created_at=at - datetime.timedelta(minutes=5),
                expires_at=at + datetime.timedelta(hours=23, minutes=55),
            )
            for pk, enrollment_id, amount, at in LedgerEntry.objects.filter(
                enrollment__student__email__endswith=EMAIL_DOMAIN, method=PaymentMethod.ONLINE
            ).values_list("pk", "enrollment_id", "amount", "at")
        ]
        self.insert(CheckoutAttempt, checkouts, "online checkouts")

    def make_plans_and_deposits(self, scale, cohorts, charged, paid, shared, today) -> None:
        """A third of the seated students pay their share in two: half ten days before the first day, the rest a
        month after it (so some current students are behind); one seat in four of the open cohorts that has paid
        something owes a $100 deposit (paid: a deposit job run on this data lapses nobody)."""
        plans = {
            course.pk: PaymentPlan.objects.get_or_create(
                name="Two payments", course=course, defaults={"applies_automatically": False}
            )[0].pk
            for course in Course.objects.all()
        }
        cent = Decimal("0.01")
        instalments: list[Instalment] = []
        deposits: list[Deposit] = []
        seated = scale.filter(status__in=[S.COMPLETED, S.DID_NOT_COMPLETE, S.ENROLLED])
        for pk, cohort_id, status, created_at in seated.values_list("pk", "cohort_id", "status", "created_at"):
            course_id, starts_on, cohort_status = cohorts[cohort_id]
            due = charged.get(pk, Decimal(0))
            if pk in shared:
                due -= (due / 2).quantize(cent)
            if due <= 0:
                continue
            if pk % 3 == 0:
                first = (due / 2).quantize(cent)
                plan = plans[course_id]
                instalments.append(
                    Instalment(
                        enrollment_id=pk, due_on=starts_on - datetime.timedelta(days=10), amount=first, plan_id=plan
                    )
                )
                instalments.append(
                    Instalment(
                        enrollment_id=pk,
                        due_on=starts_on + datetime.timedelta(days=30),
                        amount=due - first,
                        plan_id=plan,
                    )
                )
            if status == S.ENROLLED and cohort_status == CohortStatus.OPEN and pk % 4 == 1 and paid.get(pk, 0) >= 100:
                deposits.append(
                    Deposit(
                        enrollment_id=pk,
                        amount=Decimal(100),
                        due_on=timezone.localtime(created_at).date() + datetime.timedelta(days=3),
                    )
                )
        self.insert(Instalment, instalments, "instalments")
        self.insert(Deposit, deposits, "deposits")

    def make_refunds(self, scale, cohorts, today) -> None:
        """A third of the withdrawals from cohorts that have begun had books: charged, paid in full or in half, and
        settled by the default policy's figures ($50 kept, then 90/75/50% by the hours attended); those of running
        cohorts, one in five, still wait in the staff's queue."""
        items_by_course = self.charges_by_course()
        fee = Decimal("50.00")
        cent = Decimal("0.01")
        entries: list[LedgerEntry] = []
        proposals: list[RefundProposal] = []
        figures: list[tuple[Decimal, Decimal, Decimal, Decimal, Decimal, bool]] = []
        left = scale.filter(status=S.WITHDRAWN, cohort__starts_on__lte=today)
        for pk, cohort_id, changed_at in left.values_list("pk", "cohort_id", "status_changed_at"):
            course_id, starts_on, cohort_status = cohorts[cohort_id]
            items = items_by_course.get(course_id, [])
            if pk % 3 or not items:
                continue
            at = timezone.make_aware(datetime.datetime.combine(starts_on, datetime.time(9))) - datetime.timedelta(
                days=30
            )
            for name, amount in items:
                entries.append(
                    LedgerEntry(enrollment_id=pk, kind=EntryKind.CHARGE, amount=amount, description=name, at=at)
                )
            total = sum((amount for _name, amount in items), Decimal(0))
            payment = total if pk % 2 else (total / 2).quantize(cent)
            entries.append(
                LedgerEntry(
                    enrollment_id=pk,
                    kind=EntryKind.PAYMENT,
                    amount=-payment,
                    description="Payment from the student",
                    method=PaymentMethod.CARD_TERMINAL,
                    reference=f"W-{pk}",
                    at=at + datetime.timedelta(days=1),
                )
            )
            percent = Decimal((90, 75, 50)[(pk // 3) % 3])
            kept = fee + ((total - fee) * (100 - percent) / 100).quantize(cent)
            proposed, still_due = max(payment - kept, Decimal(0)), max(kept - payment, Decimal(0))
            waiting = cohort_status == CohortStatus.RUNNING and pk % 5 == 0
            left_at = max(at + datetime.timedelta(days=31), changed_at)
            proposals.append(
                RefundProposal(
                    enrollment_id=pk,
                    event="withdraw",
                    rule=f"Left having attended part of the course: {percent}% refunded after the ${fee} fee.",
                    refund_percent=percent,
                    registration_fee=fee,
                    charged=total,
                    retained=kept,
                    status=RefundStatus.PROPOSED if waiting else RefundStatus.CONFIRMED,
                    proposed_at=left_at,
                    settled_at=None if waiting else left_at + datetime.timedelta(days=3),
                )
            )
            figures.append((total, payment, kept, proposed, still_due, waiting))
            if not waiting:
                settled = left_at + datetime.timedelta(days=3)
                if proposed:
                    entries.append(
                        LedgerEntry(
                            enrollment_id=pk,
                            kind=EntryKind.REFUND,
                            amount=proposed,
                            description="Refund to the student",
                            method=PaymentMethod.CHECK,
                            reason="By the refund policy.",
                            at=settled,
                        )
                    )
                write_off = still_due - (total - payment) - proposed
                if write_off:
                    entries.append(
                        LedgerEntry(
                            enrollment_id=pk,
                            kind=EntryKind.ADJUSTMENT,
                            amount=write_off,
                            description="Settled by the refund policy",
                            reason="By the refund policy.",
                            at=settled,
                        )
                    )
        self.insert(LedgerEntry, entries, "withdrawn seats' books")
        made = self.insert(RefundProposal, proposals, "refund proposals")
        lines = [
            RefundLine(
                proposal_id=proposal.pk,
                payer=None,
                share=total,
                paid=payment,
                retained=kept,
                proposed=proposed,
                still_due=still_due,
                refund=None if waiting else proposed,
            )
            for proposal, (total, payment, kept, proposed, still_due, waiting) in zip(made, figures, strict=True)
        ]
        self.insert(RefundLine, lines, "refund lines")
