"""Courses, the credentials they require and grant, their cohorts and class sessions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import caches
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from courses import policies

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


# The group whose members may be chosen as a cohort's instructors (made by a data migration in enrollment).
INSTRUCTORS_GROUP = "Instructors"


class Level(models.TextChoices):
    EMR = "EMR", _("Emergency Medical Responder (EMR)")
    EMT = "EMT", _("Emergency Medical Technician (EMT)")
    AEMT = "AEMT", _("Advanced EMT (AEMT)")
    PARAMEDIC = "PARAMEDIC", _("Paramedic")


class CourseDate(models.TextChoices):
    """A day of a cohort that a rule is checked against."""

    START = "start", _("the first day of the course")
    END = "end", _("the last day of the course")


class CourseQuerySet(models.QuerySet):
    def published(self) -> CourseQuerySet:
        return self.filter(is_published=True)


class Course(models.Model):
    level = models.CharField(max_length=16, choices=Level.choices)
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=120)
    summary = models.CharField(max_length=300, help_text=_("One or two sentences for listings."))
    description = models.TextField()
    scope = models.TextField(help_text=_("What a graduate may do."))
    audience = models.TextField(blank=True, help_text=_("Who the course suits."))
    nominal_hours = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal(1))])
    min_age = models.PositiveSmallIntegerField(default=18)
    age_checked_on = models.CharField(
        max_length=8,
        choices=CourseDate.choices,
        default=CourseDate.START,
        help_text=_("The day on which a student must have reached the minimum age."),
    )
    tuition = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal(0))])
    attendance_threshold = models.PositiveSmallIntegerField(
        default=90,
        validators=[MaxValueValidator(100)],
        help_text=_("Percentage of scheduled hours below which a student is flagged as at risk."),
    )
    display_order = models.PositiveSmallIntegerField(default=0)
    is_published = models.BooleanField(default=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(tuition__gte=0), name="course_tuition_not_negative"),
            models.CheckConstraint(condition=Q(nominal_hours__gt=0), name="course_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:course_detail", kwargs={"slug": self.slug})

    @property
    def level_short(self) -> str:
        """The level as people abbreviate it, from its label: "EMT" for "Emergency Medical Technician (EMT)",
        "Paramedic" for "Paramedic" (never the code, "PARAMEDIC")."""
        label = str(self.get_level_display())
        if label.endswith(")") and "(" in label:
            return label[label.rindex("(") + 1 : -1]
        return label

    @property
    def hours_display(self) -> str:
        return f"{self.nominal_hours.normalize():f}"

    def entry_requirements(self) -> list[str]:
        """The entry rules in plain words, from the course's data (prefetch `requirements__credential_type`)."""
        rules = [
            gettext("Aged %(age)s or older by %(day)s")
            % {"age": self.min_age, "day": CourseDate(self.age_checked_on).label}
        ]
        requirements = list(self.requirements.all())
        for requirement in requirements:
            if requirement.needed_for != RequirementStage.SIGNUP:
                continue
            words = {"name": requirement.credential_type.name, "day": CourseDate(requirement.valid_through).label}
            if requirement.needs_verification:
                rule = gettext(
                    "A current %(name)s, valid through %(day)s (our staff verify it before your seat is confirmed)"
                )
            else:
                rule = gettext("A current %(name)s, valid through %(day)s")
            rules.append(rule % words)
        if not any(r.credential_type.granted_by_id for r in requirements):
            rules.append(gettext("No earlier EMS certification needed"))
        clearance = [r.credential_type.name for r in requirements if r.needed_for == RequirementStage.CLINICAL]
        if clearance:
            rules.append(
                gettext("Before your first clinical shift, verified by our staff: %(documents)s")
                % {"documents": ", ".join(sorted(clearance))}
            )
        return rules


class CredentialType(models.Model):
    code = models.SlugField(max_length=32, unique=True, help_text=_("e.g. EMR, EMT, AEMT, PARAMEDIC, CPR_BLS."))
    name = models.CharField(max_length=80, help_text=_('As a student would say it, e.g. "EMT license".'))
    granted_by = models.ForeignKey(
        Course,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grants",
        help_text=_("The course whose completion grants this credential."),
    )
    validity_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("How long a credential granted on completion stays valid; empty means it does not expire."),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RequirementStage(models.TextChoices):
    """When a required credential must be on file: to sign up, or only before the student's clinical shifts
    (the clearance documents hospitals and agencies ask for: immunizations, a TB test, a background check...)."""

    SIGNUP = "signup", _("To sign up")
    CLINICAL = "clinical", _("Before clinical shifts")


class RequirementQuerySet(models.QuerySet):
    def for_signup(self) -> RequirementQuerySet:
        return self.filter(needed_for=RequirementStage.SIGNUP)

    def for_clinicals(self) -> RequirementQuerySet:
        return self.filter(needed_for=RequirementStage.CLINICAL)


class Requirement(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="requirements")
    credential_type = models.ForeignKey(CredentialType, on_delete=models.PROTECT, related_name="requirements")
    valid_through = models.CharField(
        max_length=8,
        choices=CourseDate.choices,
        default=CourseDate.START,
        help_text=_("The credential must not expire before this day of the cohort."),
    )
    needs_verification = models.BooleanField(
        default=False, help_text=_("Staff must verify the credential before the seat is confirmed.")
    )
    needed_for = models.CharField(
        max_length=8,
        choices=RequirementStage.choices,
        default=RequirementStage.SIGNUP,
        help_text=_(
            "To sign up: checked at signup, valid through the day above. Before clinical shifts: a clearance document, "
            "verified by staff and valid on the day of each shift the student books."
        ),
    )

    objects = RequirementQuerySet.as_manager()

    class Meta:
        ordering = ["course", "credential_type__name"]
        constraints = [
            models.UniqueConstraint(fields=["course", "credential_type"], name="requirement_unique_per_course"),
        ]

    def __str__(self) -> str:
        return f"{self.course}: {self.credential_type} valid through {self.get_valid_through_display()}"

    def date_for(self, cohort: Cohort) -> datetime.date:
        """The day of `cohort` this requirement's credential must still be valid on."""
        return cohort.date_for(self.valid_through)


@dataclass(frozen=True)
class SeatWording:
    """What the public pages say about a cohort's seats, decided once (Cohort.seat_wording): the badge (empty for
    none), its tone (a Bootstrap colour) and the call to action (empty when the cohort takes no signups)."""

    badge: str
    tone: str
    action: str
    note: str  # said instead of a badge and a button when the cohort takes no signups


class SeatCountsNotLoaded(RuntimeError):
    """A cohort's seat counts were read before the enrollment app annotated them."""


class CohortStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for enrollment")
    CLOSED = "closed", _("Enrollment closed")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# A cohort in one of these is over: nobody signs up, attends or is seated any more.
COHORT_ENDED_STATUSES = frozenset({CohortStatus.COMPLETED, CohortStatus.CANCELLED})


class CohortQuerySet(models.QuerySet):
    def public(self) -> CohortQuerySet:
        """Cohorts a prospective student may see: published courses, not drafts or cancelled."""
        return self.filter(course__is_published=True).exclude(status__in=[CohortStatus.DRAFT, CohortStatus.CANCELLED])

    def current(self) -> CohortQuerySet:
        """Cohorts that are not over: neither completed nor cancelled."""
        return self.exclude(status__in=sorted(COHORT_ENDED_STATUSES))

    def ended(self) -> CohortQuerySet:
        """Cohorts that are over (completed or cancelled): the complement of current()."""
        return self.filter(status__in=sorted(COHORT_ENDED_STATUSES))

    def visible_to(self, user: AbstractBaseUser) -> CohortQuerySet:
        """The portal's one visibility rule: every cohort for staff, the cohorts they teach for instructors."""
        return self if user.is_staff else self.filter(instructors=user)

    def upcoming(self) -> CohortQuerySet:
        return self.filter(starts_on__gte=timezone.localdate())

    def open(self) -> CohortQuerySet:
        """Cohorts taking signups right now: status open and inside the enrollment window."""
        now = timezone.now()
        return self.filter(status=CohortStatus.OPEN, course__is_published=True).filter(
            Q(enrollment_opens_at__isnull=True) | Q(enrollment_opens_at__lte=now),
            Q(enrollment_closes_at__isnull=True) | Q(enrollment_closes_at__gt=now),
        )

    def with_scheduled_hours(self) -> CohortQuerySet:
        sessions = (
            ClassSession.objects.filter(cohort=OuterRef("pk"))
            .order_by()
            .values("cohort")
            .annotate(total=Sum(F("ends_at") - F("starts_at")))
        )
        return self.annotate(scheduled_duration=Subquery(sessions.values("total")))


class Cohort(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="cohorts")
    code = models.SlugField(max_length=40, unique=True, help_text=_("Readable and unique, e.g. EMT-2027-SPR-EVE."))
    starts_on = models.DateField()
    ends_on = models.DateField()
    schedule = models.CharField(max_length=120, help_text=_('e.g. "Tue/Thu 6-10 pm".'))
    location = models.CharField(max_length=200)
    capacity = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=CohortStatus.choices, default=CohortStatus.DRAFT)
    enrollment_opens_at = models.DateTimeField(null=True, blank=True)
    enrollment_closes_at = models.DateTimeField(null=True, blank=True)
    offer_hours = models.PositiveSmallIntegerField(
        default=48, validators=[MinValueValidator(1)], help_text=_("How long a waitlist offer holds a seat.")
    )
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="taught_cohorts",
        limit_choices_to={"groups__name": INSTRUCTORS_GROUP},
        help_text=_("Members of the Instructors group."),
    )

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=0), name="cohort_capacity_not_negative"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="cohort_ends_after_start"),
            models.CheckConstraint(
                condition=Q(enrollment_opens_at__isnull=True)
                | Q(enrollment_closes_at__isnull=True)
                | Q(enrollment_closes_at__gt=F("enrollment_opens_at")),
                name="cohort_enrollment_window_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_on"], name="cohort_status_start_idx"),
            # The seat board's order (the model's): a page of 50 read from the index, not ten years of cohorts sorted.
            models.Index(fields=["starts_on", "code"], name="cohort_start_code_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("courses:cohort_detail", kwargs={"pk": self.pk})

    def date_for(self, which: str) -> datetime.date:
        return self.starts_on if which == CourseDate.START else self.ends_on

    def is_taking_signups(self, at: datetime.datetime | None = None) -> bool:
        at = at or timezone.now()
        return (
            self.status == CohortStatus.OPEN
            and (self.enrollment_opens_at is None or self.enrollment_opens_at <= at)
            and (self.enrollment_closes_at is None or at < self.enrollment_closes_at)
        )

    # Seat counts are derived from the enrollments, which the catalogue does not know about: the enrollment app
    # annotates them (enrollment.models.with_seat_counts, load_seat_counts). Reading them before that is a bug,
    # and says so, rather than an empty cell in a template.
    @property
    def seats_taken(self) -> int:
        return self._seat_count("seats_taken")

    @seats_taken.setter
    def seats_taken(self, value: int) -> None:
        self.__dict__["seats_taken"] = value

    @property
    def waitlist_count(self) -> int:
        return self._seat_count("waitlisted")

    def _seat_count(self, name: str) -> int:
        if name not in self.__dict__:
            raise SeatCountsNotLoaded(
                f"{self.code}: {name} is not loaded; fetch the cohort through enrollment.models.with_seat_counts()."
            )
        return self.__dict__[name]

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    def newcomer_waits(self, *, seats_taken: int, waiting: int) -> bool:
        """The no-queue-jumping rule, the one place it is written: a newcomer joins the waitlist when no seat is
        free, and also while anyone is already waiting for one."""
        return seats_taken >= self.capacity or waiting > 0

    @property
    def signups_join_waitlist(self) -> bool:
        return self.newcomer_waits(seats_taken=self.seats_taken, waiting=self.waitlist_count)

    @property
    def seat_wording(self) -> SeatWording:
        """The one place the public pages' seat words are chosen: a cohort taking signups shows seats left (or
        "Full" and a waitlist button when newcomers wait); a running, closed or not-yet-open one shows neither a
        badge nor a button, only its status. Needs the seat counts annotated."""
        if not self.is_taking_signups():
            if (
                self.status == CohortStatus.OPEN
                and self.enrollment_opens_at
                and self.enrollment_opens_at > timezone.now()
            ):
                note = gettext("Signups open %(day)s.") % {
                    "day": date_format(timezone.localtime(self.enrollment_opens_at), "F j, Y")
                }
            else:
                note = gettext("%(status)s: not taking signups.") % {"status": self.get_status_display()}
            return SeatWording(badge="", tone="", action="", note=note)
        if self.signups_join_waitlist:
            waiting = self.waitlist_count
            badge = (
                ngettext("Full: %(n)s person waiting", "Full: %(n)s people waiting", waiting) % {"n": waiting}
                if waiting
                else gettext("Full")
            )
            return SeatWording(badge=badge, tone="warning", action=gettext("Join the waitlist"), note="")
        left = self.seats_left
        badge = ngettext("%(n)s seat left", "%(n)s seats left", left) % {"n": left}
        return SeatWording(badge=badge, tone="danger" if left <= 3 else "success", action=gettext("Sign up"), note="")

    @property
    def fill_percent(self) -> int:
        """Seats taken as a percentage, rounded down to a multiple of 10 (for the CSS width classes)."""
        if self.capacity == 0:
            return 100
        return min(100, self.seats_taken * 100 // self.capacity // 10 * 10)


class SchoolProfile(models.Model):
    """The school's own details, one row that staff edit in the back office: contact details for every page and
    e-mail, and the texts of the privacy notice and the refund policy. Read through `SchoolProfile.current()`,
    which keeps it in the process's memory so that pages and e-mails cost no query for it."""

    name = models.CharField(
        max_length=120,
        blank=True,
        help_text=_("The school's name on the site and in e-mails; empty: the SCHOOL_NAME setting."),
    )
    phone = models.CharField(max_length=32, default="(312) 555-0100", help_text=_("The office phone number."))
    email = models.EmailField(default="office@elite-ems.example", help_text=_("The office e-mail address."))
    street_address = models.TextField(
        default="1200 W Harrison St, Suite 200\nChicago, IL 60607", help_text=_("One line per line of the address.")
    )
    office_hours = models.CharField(max_length=200, default="Monday to Friday, 9 am to 5 pm")
    privacy_notice = models.TextField(
        default=policies.DEFAULT_PRIVACY_NOTICE, help_text=_("Shown at /privacy/; a blank line starts a new paragraph.")
    )
    refund_policy = models.TextField(
        default=policies.DEFAULT_REFUND_POLICY, help_text=_("Shown at /refunds/; a blank line starts a new paragraph.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    CACHE_KEY = "school-profile"
    # Another process sees an edit within this time; the process that saved it, at once.
    CACHE_SECONDS = 60

    class Meta:
        verbose_name = _("school profile")
        verbose_name_plural = _("school profile")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="school_profile_singleton")]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        self.pk = 1  # the one row
        super().save(*args, **kwargs)
        caches["pages"].delete(self.CACHE_KEY)

    @classmethod
    def current(cls) -> SchoolProfile:
        """The school's details, from memory when read in the last CACHE_SECONDS; the defaults (unsaved) when the
        row does not exist yet."""
        profile = caches["pages"].get(cls.CACHE_KEY)
        if profile is None:
            profile = cls.objects.filter(pk=1).first() or cls(pk=1)
            cls.remember(profile)
        return profile

    @classmethod
    def remember(cls, profile: SchoolProfile) -> None:
        caches["pages"].set(cls.CACHE_KEY, profile, cls.CACHE_SECONDS)

    @classmethod
    def forget(cls) -> None:
        caches["pages"].delete(cls.CACHE_KEY)

    @property
    def display_name(self) -> str:
        return self.name or settings.SCHOOL_NAME

    @property
    def phone_href(self) -> str:
        """The phone number as a tel: link's target: "+13125550100"."""
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        if self.phone.strip().startswith("+"):
            return f"tel:+{digits}"
        return f"tel:+1{digits[-10:]}" if len(digits) >= 10 else f"tel:{digits}"

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.street_address.splitlines() if line.strip()]

    def contact_text(self) -> str:
        """The contact details as plain text lines, for the e-mails."""
        return "\n".join([self.display_name, *self.address_lines, f"{self.phone} · {self.email}", self.office_hours])


class SessionKind(models.TextChoices):
    LECTURE = "lecture", _("Lecture")
    LAB = "lab", _("Skills lab")
    CLINICAL = "clinical", _("Clinical rotation")
    EXAM = "exam", _("Exam")


class ClassSessionQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser) -> ClassSessionQuerySet:
        """Sessions of the cohorts the user may see in the portal (Cohort.objects.visible_to)."""
        return self.filter(cohort__in=Cohort.objects.visible_to(user).values("pk"))

    def started(self, at: datetime.datetime) -> ClassSessionQuerySet:
        return self.filter(starts_at__lte=at)

    def from_today(self, now: datetime.datetime) -> ClassSessionQuerySet:
        """Today's classes (in the school's time zone, even once they have ended) and every later one, in order.

        The portal's "next class" is the first of them: the instructor who takes attendance after tonight's class
        still finds it at the top, and tomorrow it gives way to the next one.
        """
        start_of_today = timezone.make_aware(
            datetime.datetime.combine(timezone.localdate(now), datetime.time.min), timezone.get_current_timezone()
        )
        return self.filter(ends_at__gt=start_of_today).order_by("starts_at", "pk")

    def total_minutes(self) -> int:
        """The full length of the selected sessions, in minutes (one aggregate query)."""
        total = self.order_by().aggregate(total=Sum(F("ends_at") - F("starts_at")))["total"]
        return int(total.total_seconds() // 60) if total else 0


class ClassSession(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=SessionKind.choices, default=SessionKind.LECTURE)
    topic = models.CharField(max_length=200)
    location = models.CharField(max_length=200, blank=True, help_text=_("Leave empty to use the cohort's location."))

    objects = ClassSessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["cohort", "starts_at"], name="session_cohort_start_idx"),
            models.Index(fields=["-starts_at"], name="session_start_idx"),  # the back office's list, newest first
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.cohort.code} {local:%Y-%m-%d %H:%M} {self.topic}"

    @property
    def duration(self) -> datetime.timedelta:
        return self.ends_at - self.starts_at

    @property
    def minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.1"))
