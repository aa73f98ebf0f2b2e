"""Load the demo school: the school's catalogue, then cohorts with class sessions, students and enrollments.

`python manage.py seed_demo` first loads the real catalogue (`manage.py load_catalogue`: the four courses, their
credential types and requirements, from courses/catalogue.py), then builds the demo once; running it again only
refreshes the catalogue, the groups and the demo users' passwords. `--reset` deletes the demo cohorts, students and
enrollments and builds them again around today's date. Every enrollment is made through enrollment.services, as a
student or staff member would make it, so the audit trail and the seat counts are the real thing.
"""

from __future__ import annotations

import calendar
import datetime
import os
import random
import time
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from courses.models import ClassSession, Cohort, CohortStatus, Course, SchoolProfile, SessionKind
from courses.schedule import federal_holidays
from demo import clinical as demo_clinicals
from demo import payments as demo_payments
from demo import skills as demo_skills
from enrollment import services
from enrollment.models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
    Certificate,
    Credential,
    Enrollment,
    EnrollmentStatus,
    ExamAttempt,
    Student,
    with_seat_counts,
)
from enrollment.services import CredentialDetails, StudentDetails

DEFAULT_PASSWORD = "elite-demo-2026"
DEMO_EMAIL_DOMAIN = "@example.com"
# Fixed, so that every rebuild gives the same people, credentials and attendance (only the dates move with today).
RANDOM_SEED = 2026
NO_MAIL = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}

Kind = SessionKind


# --- what the courses cover (their texts and rules are the catalogue's: courses/catalogue.py) --------------------

# What each course covers, in order; the sessions of a cohort walk through it. A number repeats a module so it gets
# that many shares of the hours. The last sessions of every cohort are the exams (EXAMS below).
CURRICULA: dict[str, list[tuple[str, str] | tuple[str, str, int]]] = {
    "emr": [
        (Kind.LECTURE, "EMS systems, the responder's role and scene safety"),
        (Kind.LECTURE, "Legal and ethical duties; documentation"),
        (Kind.LAB, "Patient assessment: primary and secondary survey"),
        (Kind.LAB, "Airway care, rescue breathing and oxygen"),
        (Kind.LAB, "Adult, child and infant CPR with an AED"),
        (Kind.LECTURE, "Heart attack, stroke, diabetes and seizures"),
        (Kind.LAB, "Bleeding control, tourniquets and shock"),
        (Kind.LAB, "Injuries: splinting, head and spine"),
        (Kind.LECTURE, "Heat, cold, poisoning and overdose"),
        (Kind.LAB, "Emergency childbirth and the newborn"),
        (Kind.LAB, "Crash scenes, triage and many patients at once"),
    ],
    "emt": [
        (Kind.LECTURE, "EMS systems, safety and wellness of the EMT"),
        (Kind.LECTURE, "Medical, legal and ethical issues; communication"),
        (Kind.LECTURE, "Anatomy, physiology and medical terminology"),
        (Kind.LAB, "Lifting, moving and packaging patients"),
        (Kind.LAB, "Patient assessment and vital signs", 2),
        (Kind.LAB, "Airway management, oxygen and ventilation", 2),
        (Kind.LECTURE, "Pharmacology: the medications an EMT gives"),
        (Kind.LAB, "CPR, defibrillation and cardiac arrest care", 2),
        (Kind.LECTURE, "Respiratory, cardiac and stroke emergencies"),
        (Kind.LECTURE, "Diabetic, allergic, toxicological and behavioral emergencies"),
        (Kind.LAB, "Bleeding control and shock", 2),
        (Kind.LAB, "Soft-tissue, musculoskeletal, head and spine injuries", 2),
        (Kind.LECTURE, "Obstetrics, pediatrics and geriatrics"),
        (Kind.LAB, "Ambulance operations and patient transport"),
        (Kind.CLINICAL, "Emergency department observation shift"),
        (Kind.CLINICAL, "Ambulance ride-along"),
        (Kind.LAB, "Scenario practice for the skills exam"),
    ],
    "aemt": [
        (Kind.LECTURE, "The AEMT's scope of practice and medical direction"),
        (Kind.LECTURE, "Pathophysiology and shock", 2),
        (Kind.LAB, "Advanced patient assessment", 2),
        (Kind.LAB, "IV access and fluid therapy", 3),
        (Kind.LAB, "Intraosseous access"),
        (Kind.LECTURE, "Pharmacology for the AEMT", 2),
        (Kind.LAB, "Medication administration", 2),
        (Kind.LAB, "Supraglottic airways and capnography", 2),
        (Kind.LECTURE, "Respiratory and cardiac emergencies", 2),
        (Kind.LECTURE, "Diabetic emergencies and altered mental status"),
        (Kind.LAB, "Trauma care and hemorrhage control", 2),
        (Kind.LECTURE, "Pediatric and obstetric emergencies"),
        (Kind.CLINICAL, "Emergency department clinical shift", 2),
        (Kind.CLINICAL, "Ambulance field shift", 2),
    ],
    "paramedic": [
        (Kind.LECTURE, "The paramedic's role, well-being and medical-legal issues", 2),
        (Kind.LECTURE, "Anatomy and physiology", 5),
        (Kind.LECTURE, "Pathophysiology", 3),
        (Kind.LECTURE, "Pharmacology", 4),
        (Kind.LAB, "Medication administration, IV and IO", 3),
        (Kind.LAB, "Advanced airway management and intubation", 3),
        (Kind.LECTURE, "Cardiology: rhythms and 12-lead ECG", 5),
        (Kind.LAB, "Cardiac arrest management (megacode)", 2),
        (Kind.LECTURE, "Respiratory emergencies", 2),
        (Kind.LECTURE, "Neurology, endocrine and toxicology", 3),
        (Kind.LECTURE, "Trauma systems and trauma management", 3),
        (Kind.LAB, "Trauma skills and scenarios", 2),
        (Kind.LECTURE, "Obstetrics and neonatal care", 2),
        (Kind.LECTURE, "Pediatric emergencies", 2),
        (Kind.LECTURE, "Geriatrics and special populations"),
        (Kind.LECTURE, "Operations: incident command, MCI and hazmat awareness"),
        (Kind.CLINICAL, "Hospital rotation: emergency department", 8),
        (Kind.CLINICAL, "Hospital rotation: ICU, OR airway, labor and delivery", 6),
        (Kind.CLINICAL, "Field internship on an ALS ambulance", 12),
        (Kind.LAB, "Capstone scenarios and exam review", 2),
    ],
}
EXAMS = ["Skills exam", "Final written exam"]
CLINICAL_SITE = "Clinical site assigned by the clinical coordinator"


# --- timetables ------------------------------------------------------------------------------------------------------


def _t(hour: int, minute: int = 0) -> datetime.time:
    return datetime.time(hour, minute)


@dataclass(frozen=True)
class Timetable:
    """A weekly pattern of class slots, e.g. Tuesday and Thursday evenings."""

    code: str
    label: str
    slots: dict[int, tuple[tuple[datetime.time, datetime.time], ...]]  # weekday (Monday = 0) -> (start, end)

    def first_day_on_or_after(self, day: datetime.date) -> datetime.date:
        while day.weekday() not in self.slots or day in school_holidays(day.year):
            day += datetime.timedelta(days=1)
        return day


EVENINGS = Timetable("EVE", "Tue/Thu 6-10 pm", {1: ((_t(18), _t(22)),), 3: ((_t(18), _t(22)),)})
WEEKENDS = Timetable("WKD", "Sat/Sun 8 am-4 pm", {5: ((_t(8), _t(16)),), 6: ((_t(8), _t(16)),)})
_WEEKDAY = ((_t(8), _t(12)), (_t(13), _t(17)))  # an hour for lunch
ACCELERATED = Timetable("ACC", "Mon-Fri 8 am-5 pm", dict.fromkeys(range(5), _WEEKDAY))
FULL_TIME = Timetable("DAY", "Mon-Fri 8 am-5 pm", dict.fromkeys(range(5), _WEEKDAY))


def school_holidays(year: int) -> frozenset[datetime.date]:
    """Days the demo school is closed: the federal holidays the schedule generator skips (courses/schedule.py), and
    the day after Thanksgiving, Christmas Eve and New Year's Eve."""
    november = datetime.date(year, 11, 1)
    thanksgiving = november + datetime.timedelta(days=(3 - november.weekday()) % 7 + 21)  # the fourth Thursday
    return frozenset(
        {
            *federal_holidays(year),
            thanksgiving + datetime.timedelta(days=1),
            datetime.date(year, 12, 24),
            datetime.date(year, 12, 31),
        }
    )


def lay_out_sessions(
    *, hours: Decimal, starts_on: datetime.date, timetable: Timetable
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Class slots from `starts_on` on, skipping holidays, until they add up to exactly `hours` (the last is cut)."""
    tz = timezone.get_default_timezone()
    remaining = int(hours * 60)
    slots = []
    day = starts_on
    while remaining > 0:
        if day.weekday() in timetable.slots and day not in school_holidays(day.year):
            for start, end in timetable.slots[day.weekday()]:
                begins = datetime.datetime.combine(day, start, tzinfo=tz)
                length = min((end.hour - start.hour) * 60 + end.minute - start.minute, remaining)
                slots.append((begins, begins + datetime.timedelta(minutes=length)))
                remaining -= length
                if remaining == 0:
                    break
        day += datetime.timedelta(days=1)
    return slots


def topics_for(slug: str, count: int) -> list[tuple[str, str]]:
    """(kind, topic) for `count` sessions: the course's modules spread evenly, then the exams."""
    modules: list[tuple[str, str]] = []
    for kind, topic, *share in CURRICULA[slug]:
        modules.extend([(kind, topic)] * (share[0] if share else 1))
    exams = [(Kind.EXAM, name) for name in EXAMS[len(EXAMS) - min(len(EXAMS), count - 1) :]]
    teaching = count - len(exams)
    result = []
    for i in range(teaching):
        first = i * len(modules) // teaching
        last = max((i + 1) * len(modules) // teaching, first + 1)
        covered = list(dict.fromkeys(modules[first:last]))  # in order, without repeats
        result.append((covered[0][0], "; ".join(topic for _, topic in covered)))
    return result + exams


# --- the people --------------------------------------------------------------------------------------------------

STUDENT_NAMES = [
    ("María", "González"),
    ("Tomasz", "Nowak"),
    ("Aaliyah", "Washington"),
    ("Kevin", "O'Brien"),
    ("Priya", "Patel"),
    ("Jamal", "Robinson"),
    ("Ana", "Ramírez"),
    ("Michael", "Kowalski"),
    ("Keisha", "Johnson"),
    ("Daniel", "Kim"),
    ("Sofía", "Hernández"),
    ("Patrick", "Murphy"),
    ("Fatima", "Ali"),
    ("Luis", "Martínez"),
    ("Emily", "Schmidt"),
    ("DeShawn", "Carter"),
    ("Grace", "Nguyen"),
    ("Oleksandr", "Shevchenko"),
    ("Jasmine", "Brooks"),
    ("Carlos", "López"),
    ("Megan", "Sullivan"),
    ("Anthony", "Russo"),
    ("Mei", "Chen"),
    ("Marcus", "Thompson"),
    ("Isabel", "Torres"),
    ("Brian", "Walsh"),
    ("Nadia", "Haddad"),
    ("Andre", "Jackson"),
    ("Katarzyna", "Wiśniewska"),
    ("José", "Rodríguez"),
    ("Tiana", "Harris"),
    ("Samuel", "Okafor"),
    ("Hannah", "Lindgren"),
    ("Rahul", "Shah"),
    ("Erin", "Flanagan"),
    ("Dimitri", "Papadopoulos"),
    ("Verónica", "Castillo"),
    ("Tyrone", "Mitchell"),
    ("Joanna", "Kaczmarek"),
    ("Miguel", "Flores"),
    ("Ayesha", "Siddiqui"),
    ("Connor", "Doyle"),
    ("Latoya", "Williams"),
    ("Jun", "Park"),
    ("Gabriela", "Morales"),
    ("Nicholas", "Greco"),
    ("Imani", "Davis"),
    ("Ricardo", "Vargas"),
    ("Claire", "Novak"),
    ("Omar", "Hassan"),
    ("Brianna", "Coleman"),
    ("Mateo", "Reyes"),
    ("Lauren", "Fitzgerald"),
    ("Malik", "Turner"),
    ("Rosa", "Delgado"),
    ("Adam", "Zieliński"),
    ("Chanel", "Moore"),
    ("Vikram", "Reddy"),
    ("Kathleen", "Byrne"),
    ("Elijah", "Young"),
    ("Lucía", "Jiménez"),
    ("Ethan", "Larson"),
    ("Imani", "Okafor"),
    ("Tomasz", "Wójcik"),
    ("Grace", "Lindqvist"),
    ("Andre", "Baptiste"),
    ("Noor", "Haddad"),
    ("Sean", "Gallagher"),
    ("Paola", "Ruiz"),
    ("Derrick", "Hines"),
]
AREA_CODES = ["773", "312", "872"]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False
    group: str | None = None


DEMO_USERS = [
    DemoUser("admin", "Site", "Administrator", "superuser", is_staff=True, is_superuser=True),
    DemoUser("staff", "Renee", "Alvarez", "enrollment staff (admin site)", is_staff=True, group="Staff"),
    DemoUser("instructor1", "Dana", "Kowalczyk", "instructor, teaches the running EMT cohort", group="Instructors"),
    DemoUser("instructor2", "Marcus", "Bell", "instructor", group="Instructors"),
]
# Instructors get no admin access (not is_staff); these permissions are for the instructor pages to check.
INSTRUCTOR_PERMISSIONS = [
    "courses.view_course",
    "courses.view_cohort",
    "courses.view_classsession",
    "enrollment.view_student",
    "enrollment.view_enrollment",
    "enrollment.view_attendance",
    "enrollment.add_attendance",
    "enrollment.change_attendance",
]


# --- the cohorts ---------------------------------------------------------------------------------------------------

WEST_LOOP = "West Loop campus, 1250 W. Randolph St., Room 204, Chicago, IL 60607"
LINCOLN_SQUARE = "North Side campus, 4820 N. Western Ave., 2nd floor, Chicago, IL 60625"
BRONZEVILLE = "South Side campus, 3550 S. Martin Luther King Dr., Chicago, IL 60653"


@dataclass(frozen=True)
class CohortPlan:
    """One demo cohort and what happens to it: how many sign up, and what staff and students then do."""

    course: str
    timetable: Timetable
    starts_in_days: int  # from today; negative for a cohort already running
    capacity: int
    location: str
    instructors: tuple[str, ...]
    signups: int
    withdrawals: int = 0  # the first n seat-holders withdraw
    approvals: int = 0  # the first n pending reviews are approved by staff
    rejections: int = 0  # the next n are rejected
    running: bool = False
    finished: bool = False  # ended before today: attendance for every class, then completed through the services


PLANS = [
    # Running: started five weeks ago; attendance for the classes held so far; one student withdrew.
    CohortPlan(course="emt", timetable=EVENINGS, starts_in_days=-35, capacity=20, location=WEST_LOOP,
               instructors=("instructor1",), signups=14, withdrawals=1, running=True),
    # Nearly full: one seat left.
    CohortPlan(course="emr", timetable=WEEKENDS, starts_in_days=17, capacity=12, location=LINCOLN_SQUARE,
               instructors=("instructor2",), signups=11),
    # Full: a withdrawal passed its seat to the first on the waitlist (an open offer); four still wait.
    CohortPlan(course="emt", timetable=ACCELERATED, starts_in_days=31, capacity=10, location=WEST_LOOP,
               instructors=("instructor1",), signups=15, withdrawals=1),
    # EMT licenses to verify: three approved, one rejected, two still pending review.
    CohortPlan(course="aemt", timetable=WEEKENDS, starts_in_days=45, capacity=12, location=BRONZEVILLE,
               instructors=("instructor2",), signups=6, approvals=3, rejections=1),
    CohortPlan(course="paramedic", timetable=FULL_TIME, starts_in_days=59, capacity=16, location=WEST_LOOP,
               instructors=("instructor1", "instructor2"), signups=5, approvals=4),
    CohortPlan(course="emt", timetable=WEEKENDS, starts_in_days=80, capacity=20, location=BRONZEVILLE,
               instructors=("instructor2",), signups=5),
    CohortPlan(course="emr", timetable=EVENINGS, starts_in_days=115, capacity=20, location=LINCOLN_SQUARE,
               instructors=("instructor1",), signups=3),
    CohortPlan(course="emt", timetable=EVENINGS, starts_in_days=150, capacity=24, location=LINCOLN_SQUARE,
               instructors=("instructor2",), signups=2),
    # Finished two weeks ago: staff completed the ready students (certificates issued), one with a written override;
    # the student who fell behind did not complete, and the one who left in week one withdrew.
    CohortPlan(course="emr", timetable=WEEKENDS, starts_in_days=-45, capacity=12, location=BRONZEVILLE,
               instructors=("instructor2",), signups=8, withdrawals=1, finished=True),
]  # fmt: skip


def season_of(day: datetime.date) -> str:
    return {12: "WIN", 1: "WIN", 2: "WIN", 3: "SPR", 4: "SPR", 5: "SPR", 6: "SUM", 7: "SUM", 8: "SUM"}.get(
        day.month, "FAL"
    )


def end_of_month_after(day: datetime.date, months: int) -> datetime.date:
    """The last day of the month `months` after `day`'s: when CPR cards and licenses run out."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


# --- the command -------------------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Load the demo school (courses, cohorts, sessions, students, enrollments, demo logins). Safe to run "
        "again; --reset rebuilds the demo cohorts, students and enrollments around today's date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo cohorts, students, enrollments and their audit trail, then build them again.",
        )

    def handle(self, *args: object, reset: bool = False, **options: object) -> None:
        began = time.monotonic()
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        # The demo students have made-up addresses: whatever EMAIL_BACKEND says, the enrollment e-mails the services
        # queue for after the commit go nowhere.
        with override_settings(MAILERS=NO_MAIL), transaction.atomic():
            # The school's real catalogue first: the demo's cohorts are of its courses.
            call_command("load_catalogue", verbosity=0)
            # The school's contact details and policy texts (the defaults; staff edit them in the back office).
            SchoolProfile.objects.get_or_create(pk=1)
            call_command("load_clinical_catalogue", verbosity=0)
            courses = Course.objects.in_bulk({plan.course for plan in PLANS}, field_name="slug")
            users = self.load_users(password)
            if reset:
                self.delete_demo(courses)
            if Cohort.objects.filter(course__in=courses.values()).exists():
                built = False
            else:
                DemoSchool(courses=courses, users=users).build()
                built = True
        self.report(courses, password, built=built, seconds=time.monotonic() - began)

    # Users are refreshed on every run; get_or_create keeps them single.

    def load_users(self, password: str) -> dict[str, AbstractUser]:
        staff_group, _ = Group.objects.get_or_create(name="Staff")
        models_perms = Permission.objects.filter(content_type__app_label__in=["courses", "enrollment"])
        staff_group.permissions.add(
            *models_perms.exclude(content_type__model="auditevent"),
            *models_perms.filter(content_type__model="auditevent", codename="view_auditevent"),
        )
        instructors_group, _ = Group.objects.get_or_create(name="Instructors")
        for name in INSTRUCTOR_PERMISSIONS:
            app_label, codename = name.split(".")
            instructors_group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        groups = {"Staff": staff_group, "Instructors": instructors_group}

        User = get_user_model()
        users = {}
        for spec in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=spec.username)
            user.first_name = spec.first_name
            user.last_name = spec.last_name
            user.email = f"{spec.username}@example.com"
            user.is_active = True
            user.is_staff = spec.is_staff
            user.is_superuser = spec.is_superuser
            user.set_password(password)
            user.save()
            if spec.group:
                user.groups.add(groups[spec.group])
            users[spec.username] = user
        return users

    def delete_demo(self, courses: dict[str, Course]) -> None:
        """Remove the demo cohorts and everything hanging off them, and the demo students."""
        cohorts = Cohort.objects.filter(course__in=courses.values())
        enrollments = Enrollment.objects.filter(cohort__in=cohorts)
        outsiders = enrollments.exclude(student__email__iendswith=DEMO_EMAIL_DOMAIN)
        if outsiders.exists():
            raise CommandError(
                f"{outsiders.count()} enrollment(s) in these cohorts belong to people without an "
                f"{DEMO_EMAIL_DOMAIN} address: this does not look like a demo database, so nothing was deleted."
            )
        # Audit events are append-only and their queryset refuses delete(). Only this demo reset removes them: a raw
        # DELETE of the rows that belong to the demo enrollments about to go, run in the same transaction.
        AuditEvent.objects.filter(enrollment__in=enrollments.values("pk"))._raw_delete(AuditEvent.objects.db)
        # Staff decisions on the demo students' credentials are recorded against the credential, not an enrollment.
        demo_credentials = Credential.objects.filter(student__email__iendswith=DEMO_EMAIL_DOMAIN)
        AuditEvent.objects.filter(
            enrollment__isnull=True, data__credential__in=list(demo_credentials.values_list("pk", flat=True))
        )._raw_delete(AuditEvent.objects.db)
        demo_clinicals.delete(cohorts)
        ExamAttempt.objects.filter(enrollment__in=enrollments).delete()
        Certificate.objects.filter(enrollment__in=enrollments).delete()
        demo_payments.delete(enrollments)
        demo_skills.delete(enrollments)
        enrollments.delete()  # attendance goes with them
        Student.objects.filter(email__iendswith=DEMO_EMAIL_DOMAIN, enrollments__isnull=True).delete()
        cohorts.delete()  # class sessions go with them

    def report(self, courses: dict[str, Course], password: str, *, built: bool, seconds: float) -> None:
        write = self.stdout.write
        if built:
            write(self.style.SUCCESS(f"Demo school built in {seconds:.1f} s."))
        else:
            write(
                self.style.WARNING(
                    "Demo cohorts already exist, so they were left as they are; courses, requirements and the "
                    "demo logins were refreshed. Run with --reset to rebuild them around today's date."
                )
            )
        cohorts = list(with_seat_counts(Cohort.objects.filter(course__in=courses.values())).select_related("course"))
        students = Student.objects.filter(email__iendswith=DEMO_EMAIL_DOMAIN).count()
        write(f"Courses: {len(courses)}   Cohorts: {len(cohorts)}   Students: {students}")
        for cohort in cohorts:
            write(
                f"  {cohort.code:<26} {cohort.get_status_display():<20} {cohort.starts_on:%b %d} - "
                f"{cohort.ends_on:%b %d, %Y}  {cohort.seats_taken:>2}/{cohort.capacity} seats, "
                f"{cohort.waitlisted} waitlisted"
            )
        by_status = dict(
            Enrollment.objects.filter(cohort__in=cohorts).order_by().values_list("status").annotate(n=Count("pk"))
        )
        write(
            "Enrollments: "
            + ", ".join(f"{by_status[s]} {s.label.lower()}" for s in EnrollmentStatus if by_status.get(s))
        )
        write("")
        write(f"Log in at {settings.SITE_URL}{reverse('admin:index')}")
        for spec in DEMO_USERS:
            write(f"  {spec.username:<12} password {password:<20} {spec.role}")


class DemoSchool:
    """Builds the demo cohorts, sessions, students, enrollments and attendance, in that order."""

    def __init__(self, *, courses: dict[str, Course], users: dict[str, AbstractUser]) -> None:
        self.courses = courses
        self.users = users
        self.today = timezone.localdate()
        self.rng = random.Random(RANDOM_SEED)
        self.names = list(STUDENT_NAMES)
        self.codes: set[str] = set()

    def build(self) -> None:
        if sum(plan.signups for plan in PLANS) > len(self.names):
            raise CommandError("The demo plans sign up more students than there are demo names.")
        for plan in PLANS:
            cohort = self.add_cohort(plan)
            enrollments = [self.sign_up(cohort) for _ in range(plan.signups)]
            if plan.running or plan.finished:
                self.record_attendance(cohort, enrollments, dropout=enrollments[0])
                cohort.status = CohortStatus.RUNNING
                cohort.save(update_fields=["status"])
            self.act_on(plan, enrollments)
            if plan.finished:
                self.finish(cohort, enrollments, instructor=self.users[plan.instructors[0]])
            if plan.running:
                demo_clinicals.build(cohort, staff=self.users["staff"], rng=self.rng, today=self.today)
                demo_payments.build(cohort, staff=self.users["staff"], rng=self.rng)
                instructor = self.users[plan.instructors[0]]
                demo_skills.build(cohort, instructor=instructor, rng=self.rng, today=self.today)

    def add_cohort(self, plan: CohortPlan) -> Cohort:
        course = self.courses[plan.course]
        starts_on = plan.timetable.first_day_on_or_after(self.today + datetime.timedelta(days=plan.starts_in_days))
        slots = lay_out_sessions(hours=course.nominal_hours, starts_on=starts_on, timetable=plan.timetable)
        code = f"{course.level}-{starts_on.year}-{season_of(starts_on)}-{plan.timetable.code}"
        base, n = code, 1
        while code in self.codes:
            n += 1
            code = f"{base}-{n}"
        self.codes.add(code)

        tz = timezone.get_default_timezone()
        opens_on = min(starts_on - datetime.timedelta(days=120), self.today - datetime.timedelta(days=21))
        # Created open, with the window around today (or, for the running cohort, already closed); the running
        # cohort's students sign up as staff would add them, and only then does it switch to running.
        cohort = Cohort.objects.create(
            course=course,
            code=code,
            starts_on=slots[0][0].date(),
            ends_on=slots[-1][0].date(),
            schedule=plan.timetable.label,
            location=plan.location,
            capacity=plan.capacity,
            status=CohortStatus.OPEN,
            enrollment_opens_at=datetime.datetime.combine(opens_on, _t(9), tzinfo=tz),
            enrollment_closes_at=datetime.datetime.combine(
                starts_on - datetime.timedelta(days=3), _t(23, 59), tzinfo=tz
            ),
        )
        cohort.instructors.set([self.users[name] for name in plan.instructors])
        ClassSession.objects.bulk_create(
            ClassSession(
                cohort=cohort,
                starts_at=begins,
                ends_at=ends,
                kind=kind,
                topic=topic,
                location=CLINICAL_SITE if kind == Kind.CLINICAL else "",
            )
            for (begins, ends), (kind, topic) in zip(slots, topics_for(plan.course, len(slots)), strict=True)
        )
        return cohort

    def sign_up(self, cohort: Cohort) -> Enrollment:
        """The next demo person asks for a seat, with the credentials the course asks for."""
        first, last = self.names.pop(0)
        number = len(STUDENT_NAMES) - len(self.names) - 1
        handle = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode().lower()
        age = self.rng.randint(19, 46)
        details = StudentDetails(
            first_name=first,
            last_name=last,
            email=handle.replace("'", "") + DEMO_EMAIL_DOMAIN,
            phone=f"({AREA_CODES[number % len(AREA_CODES)]}) 555-{100 + number:04d}",
            date_of_birth=datetime.date(self.today.year - age, self.rng.randint(1, 12), self.rng.randint(1, 28)),
        )
        return services.request_seat(
            cohort=cohort,
            student=details,
            credentials=self.credentials_for(cohort),
            # The running cohort's window closed before it started: its students are added as staff would add them.
            enforce_window=cohort.is_taking_signups(),
            # Demo students opened their e-mailed links long ago (a fresh signup on the site is the one to confirm).
            confirmed=True,
        )

    def credentials_for(self, cohort: Cohort) -> list[CredentialDetails]:
        types = {r.credential_type.code: r.credential_type for r in cohort.course.requirements.all()}
        credentials = []
        if "EMT" in types:
            issued = self.today - datetime.timedelta(days=self.rng.randint(200, 1100))
            credentials.append(
                CredentialDetails(
                    credential_type=types["EMT"],
                    number=f"IL-EMT-{self.rng.randint(100000, 999999)}",
                    issued_on=issued,
                    expires_on=end_of_month_after(issued, 48),
                )
            )
        if "CPR_BLS" in types:
            issued = self.today - datetime.timedelta(days=self.rng.randint(10, 330))
            credentials.append(
                CredentialDetails(
                    credential_type=types["CPR_BLS"],
                    number=f"{self.rng.randint(10**11, 10**12 - 1)}",  # a 12-digit eCard code
                    issued_on=issued,
                    expires_on=end_of_month_after(issued, 24),
                )
            )
        return credentials

    def act_on(self, plan: CohortPlan, enrollments: list[Enrollment]) -> None:
        """What students and staff did after signing up, through the same services the site uses."""
        staff = self.users["staff"]
        seated = [e for e in enrollments if e.status in {EnrollmentStatus.ENROLLED, EnrollmentStatus.PENDING_REVIEW}]
        for enrollment in seated[: plan.withdrawals]:
            services.withdraw(
                enrollment=enrollment,
                reason="Took a full-time job with night shifts; hopes to join a later cohort.",
            )
        pending = [e for e in enrollments if e.status == EnrollmentStatus.PENDING_REVIEW]
        for enrollment in pending[: plan.approvals]:
            services.approve(enrollment=enrollment, actor=staff)
        for enrollment in pending[plan.approvals : plan.approvals + plan.rejections]:
            services.reject(
                enrollment=enrollment,
                actor=staff,
                reason=(
                    "We could not find this EMT license number in the state registry. Please e-mail a copy of "
                    "your license and sign up again."
                ),
            )

    def finish(self, cohort: Cohort, enrollments: list[Enrollment], *, instructor: AbstractUser) -> None:
        """Staff complete the cohort through the services: the ready students get their certificates; a student who
        is not ready is completed with a written override reason, except the one who fell behind (did not complete).
        One graduate has already registered for the Registry exam."""
        staff = self.users["staff"]
        struggling = enrollments[-1]
        graduates = []
        for enrollment in enrollments:
            enrollment.refresh_from_db(fields=["status"])  # the services worked on their own copies
        # Everyone still seated but the student who fell behind passed every skill sheet by the last day.
        demo_skills.pass_every_sheet(
            cohort,
            [e for e in enrollments if e.status == EnrollmentStatus.ENROLLED and e is not struggling],
            instructor=instructor,
            on=cohort.ends_on,
        )
        for enrollment in enrollments:
            if enrollment.status != EnrollmentStatus.ENROLLED:
                continue
            if enrollment is struggling:
                services.mark_did_not_complete(
                    enrollment=enrollment,
                    actor=staff,
                    reason="Below the attendance threshold; offered a place in the next EMR cohort to make up hours.",
                )
                continue
            try:
                services.complete(enrollment=enrollment, actor=staff)
            except services.EnrollmentError as error:
                if error.code != "not_ready":
                    raise
                services.complete(
                    enrollment=enrollment,
                    actor=staff,
                    override=True,
                    override_reason=(
                        "Made up the missed hours in the Saturday review sessions; sign-in sheets checked by the "
                        "program director."
                    ),
                )
            graduates.append(enrollment)
        cohort.status = CohortStatus.COMPLETED
        cohort.save(update_fields=["status"])
        if graduates:
            services.record_exam_registration(
                certificate=Certificate.objects.get(enrollment=graduates[0]), registered_on=self.today, actor=staff
            )

    def record_attendance(self, cohort: Cohort, enrollments: list[Enrollment], *, dropout: Enrollment) -> None:
        """Attendance for the sessions already held. Written directly: there is no attendance service yet."""
        now = timezone.now()
        held = list(cohort.sessions.filter(ends_at__lte=now).order_by("starts_at"))
        instructor = self.users["instructor1"]
        struggling = enrollments[-1]  # below the attendance threshold, for the at-risk flag
        statuses = [AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED]
        rows = []
        for enrollment in enrollments:
            weights = [55, 10, 30, 5] if enrollment is struggling else [86, 7, 3, 4]
            # The student who withdraws came to the first few classes only.
            sessions = held[:3] if enrollment is dropout else held
            for session in sessions:
                status = self.rng.choices(statuses, weights)[0]
                minutes = {
                    AttendanceStatus.PRESENT: session.minutes,
                    AttendanceStatus.LATE: session.minutes - self.rng.choice([10, 15, 20, 30, 45]),
                }.get(status, 0)
                rows.append(
                    Attendance(
                        enrollment=enrollment,
                        session=session,
                        status=status,
                        minutes=minutes,
                        recorded_at=session.ends_at + datetime.timedelta(minutes=self.rng.randint(5, 40)),
                        recorded_by=instructor,
                    )
                )
        Attendance.objects.bulk_create(rows)
