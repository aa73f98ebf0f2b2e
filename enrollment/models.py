"""Students, their credentials, enrollments in cohorts, attendance and the audit trail."""

from __future__ import annotations

import datetime
import re
import secrets
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connections, models
from django.db.models import Case, Count, DurationField, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import ClassSession, Cohort, CredentialType
from enrollment.evidence import sniff_file_kind


def normalise_email(raw: str) -> str:
    """The one form of an e-mail address we compare and store: Unicode-normalised (NFKC), trimmed, lower-cased.

    Look-alike letters (a long s, a dotless i, a Cyrillic a) would make a second, same-looking person, and a school's
    mail system would not deliver to them: an address that is not plain ASCII after normalising is refused.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text.isascii():
        raise ValidationError(
            _(
                "Type your e-mail address with plain letters and digits (a-z, 0-9): we cannot send e-mail to "
                "addresses with accented or look-alike letters."
            ),
            code="email_not_ascii",
        )
    text = text.lower()
    EmailValidator(message=_("Enter a valid e-mail address, e.g. maria@example.com."))(text)
    return text


# A period followed by two or more letters (".com", "evil.example"): a web address, not a name ("J.R." and "St. John"
# pass).
_DOMAIN_LIKE = re.compile(r"\.[^\W\d_]{2,}")
_NAME_MARKS = frozenset(" '’-.")


def validate_person_name(value: str) -> None:
    """A person's name as our e-mails greet them: letters of any alphabet, spaces, apostrophes, hyphens and
    periods; no line breaks, control characters, digits or web addresses (nobody can make the school's e-mails
    carry their message by typing it as a name)."""
    if any(not (ch.isalpha() or unicodedata.category(ch).startswith("M") or ch in _NAME_MARKS) for ch in value) or (
        _DOMAIN_LIKE.search(value)
    ):
        raise ValidationError(
            _("Use only letters, spaces, apostrophes, hyphens and periods in a name."), code="invalid_name"
        )


class StudentQuerySet(models.QuerySet):
    def with_email(self, email: str) -> StudentQuerySet:
        """Students with this address, compared in its normal form; uses the lower(email) unique index."""
        try:
            normal = normalise_email(email)
        except ValidationError:
            return self.none()
        return self.alias(email_lower=Lower("email")).filter(email_lower=normal)


class Student(models.Model):
    first_name = models.CharField(max_length=80, validators=[validate_person_name])
    last_name = models.CharField(max_length=80, validators=[validate_person_name])
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=32, blank=True)
    date_of_birth = models.DateField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # When the person first proved the address (opened our e-mail), or staff vouched for them. Until then the
    # record holds only what an unconfirmed signup typed, and the first confirmed signup's details replace it.
    email_confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = StudentQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="student_email_unique_ci"),
        ]
        indexes = [models.Index(fields=["last_name", "first_name"], name="student_name_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: datetime.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class CredentialStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Not yet verified")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


def evidence_path(credential: Credential, filename: str) -> str:
    # The stored name is the server's: a random name, and the extension of the kind the file's first bytes show.
    # The uploader's name is not trusted (an .html or .svg would be served as one) and may say too much. A file not
    # freshly attached to the credential (saved through FieldFile.save) cannot be read here: it is stored as .bin.
    evidence = credential.evidence
    kind = sniff_file_kind(evidence.file) if evidence and not evidence._committed else None
    return f"evidence/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{kind or 'bin'}"


class CredentialQuerySet(models.QuerySet):
    def on_file(self, *, enrollment: Enrollment | None = None) -> CredentialQuerySet:
        """Credentials that count: not typed by a signup that is still unconfirmed (other than `enrollment`).

        NOT EXISTS over the few unconfirmed enrollments (a partial index), not a join to every enrollment: with the
        join, PostgreSQL merge-joined the whole enrollment table (0.8 s at 500,000) for the newest signups."""
        unconfirmed = Enrollment.objects.filter(pk=models.OuterRef("submitted_with_id"), confirmed_at__isnull=True)
        if enrollment is not None:
            unconfirmed = unconfirmed.exclude(pk=enrollment.pk)
        return self.exclude(models.Exists(unconfirmed))

    def expiring_within(self, days: int, *, today: datetime.date | None = None) -> CredentialQuerySet:
        """Credentials that expire from today through `days` days from now."""
        today = today or timezone.localdate()
        return self.filter(expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=days))

    def expiring_before_cohort_ends(self, *, today: datetime.date | None = None) -> CredentialQuerySet:
        """Credentials a course requires that expire before the cohort ends, for students with a live enrollment in
        a cohort that has not ended; annotated with enrollment_id, cohort_code and cohort_ends_on (one row per
        credential and enrollment)."""
        today = today or timezone.localdate()
        # One filter() call, so every condition is about the same enrollment; the annotations reuse its join.
        return (
            self.exclude(status=CredentialStatus.REJECTED)
            .filter(
                student__enrollments__status__in=sorted(LIVE_STATUSES),
                student__enrollments__cohort__ends_on__gte=today,
                expires_on__lt=F("student__enrollments__cohort__ends_on"),
                credential_type__requirements__course=F("student__enrollments__cohort__course"),
            )
            .annotate(
                enrollment_id=F("student__enrollments__pk"),
                cohort_code=F("student__enrollments__cohort__code"),
                cohort_ends_on=F("student__enrollments__cohort__ends_on"),
            )
        )


class Credential(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="credentials")
    credential_type = models.ForeignKey(CredentialType, on_delete=models.PROTECT, related_name="credentials")
    number = models.CharField(max_length=64, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    evidence = models.FileField(upload_to=evidence_path, blank=True)
    status = models.CharField(max_length=16, choices=CredentialStatus.choices, default=CredentialStatus.UNVERIFIED)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The signup that typed it: until that signup is confirmed the credential counts for nothing else, and it goes
    # when the signup lapses unconfirmed.
    submitted_with = models.ForeignKey(
        "Enrollment", null=True, blank=True, on_delete=models.SET_NULL, related_name="submitted_credentials"
    )

    objects = CredentialQuerySet.as_manager()

    class Meta:
        ordering = ["credential_type__name", "-expires_on"]
        indexes = [models.Index(fields=["expires_on"], name="credential_expires_idx")]

    def __str__(self) -> str:
        number = f" {self.number}" if self.number else ""
        return f"{self.credential_type}{number} ({self.student})"

    def is_valid_on(self, day: datetime.date) -> bool:
        """True when the credential is not rejected and has not expired by `day`."""
        if self.status == CredentialStatus.REJECTED:
            return False
        return self.expires_on is None or self.expires_on >= day


class EnrollmentStatus(models.TextChoices):
    PENDING_REVIEW = "PENDING_REVIEW", _("Pending review")
    ENROLLED = "ENROLLED", _("Enrolled")
    WAITLISTED = "WAITLISTED", _("Waitlisted")
    OFFERED = "OFFERED", _("Seat offered")
    WITHDRAWN = "WITHDRAWN", _("Withdrawn")
    REJECTED = "REJECTED", _("Rejected")
    LAPSED = "LAPSED", _("Lapsed")
    COMPLETED = "COMPLETED", _("Completed")
    DID_NOT_COMPLETE = "DID_NOT_COMPLETE", _("Did not complete")


S = EnrollmentStatus

# The status of an enrollment that is not written yet: a signup's transitions start from it.
NEW = ""


@dataclass(frozen=True)
class Transition:
    """One action on an enrollment: the statuses it may start from, the status it ends in, its audit code and the
    sentence that refuses it (%(state)s: the enrollment's status in words, lower case)."""

    sources: frozenset[str]
    target: str
    audit: str
    refusal: str

    def allows(self, status: str) -> bool:
        return status in self.sources


LIVE_STATUSES = frozenset({S.PENDING_REVIEW, S.ENROLLED, S.WAITLISTED, S.OFFERED})

# Every change of an enrollment's status, keyed by action and written down once: the services refuse anything else.
TRANSITIONS: dict[str, Transition] = {
    # A signup (or staff adding someone, or the new half of a move) writes the enrollment in one of three statuses.
    "enroll": Transition(
        frozenset({NEW}), S.ENROLLED, "enrollment.enrolled", _("An enrollment that is %(state)s cannot be enrolled.")
    ),
    "hold_for_review": Transition(
        frozenset({NEW}),
        S.PENDING_REVIEW,
        "enrollment.pending_review",
        _("An enrollment that is %(state)s cannot be held for review."),
    ),
    "join_waitlist": Transition(
        frozenset({NEW}),
        S.WAITLISTED,
        "enrollment.waitlisted",
        _("An enrollment that is %(state)s cannot be waitlisted."),
    ),
    # The waitlist.
    "offer": Transition(
        frozenset({S.WAITLISTED}),
        S.OFFERED,
        "enrollment.offered",
        _("An enrollment that is %(state)s cannot be offered a seat."),
    ),
    "accept_offer": Transition(
        frozenset({S.OFFERED}),
        S.ENROLLED,
        "enrollment.offer_accepted",
        _("An enrollment that is %(state)s cannot be accepted."),
    ),
    "accept_offer_for_review": Transition(
        frozenset({S.OFFERED}),
        S.PENDING_REVIEW,
        "enrollment.offer_accepted",
        _("An enrollment that is %(state)s cannot be accepted."),
    ),
    "lapse_offer": Transition(
        frozenset({S.OFFERED}), S.LAPSED, "enrollment.lapsed", _("An enrollment that is %(state)s cannot be lapsed.")
    ),
    # The student says no to an offered seat: it passes on to the next person waiting (transition settles).
    "decline_offer": Transition(
        frozenset({S.OFFERED}),
        S.WITHDRAWN,
        "enrollment.offer_declined",
        _("An enrollment that is %(state)s cannot be declined."),
    ),
    "lapse_unconfirmed": Transition(
        LIVE_STATUSES, S.LAPSED, "enrollment.lapsed_unconfirmed", _("An enrollment that is %(state)s cannot be lapsed.")
    ),
    # A capability app's deadline (the payments app's deposit) not met: the seat passes on (transition settles).
    "lapse_unpaid": Transition(
        frozenset({S.ENROLLED}),
        S.LAPSED,
        "enrollment.lapsed_unpaid",
        _("An enrollment that is %(state)s cannot be lapsed."),
    ),
    # Staff decisions and leaving.
    "approve": Transition(
        frozenset({S.PENDING_REVIEW}),
        S.ENROLLED,
        "enrollment.approved",
        _("An enrollment that is %(state)s cannot be approved."),
    ),
    "reject": Transition(
        frozenset({S.PENDING_REVIEW, S.WAITLISTED}),
        S.REJECTED,
        "enrollment.rejected",
        _("An enrollment that is %(state)s cannot be rejected."),
    ),
    "withdraw": Transition(
        LIVE_STATUSES, S.WITHDRAWN, "enrollment.withdrawn", _("An enrollment that is %(state)s cannot be withdrawn.")
    ),
    "move_out": Transition(
        LIVE_STATUSES, S.WITHDRAWN, "enrollment.moved", _("An enrollment that is %(state)s cannot be moved.")
    ),
    "complete": Transition(
        frozenset({S.ENROLLED}),
        S.COMPLETED,
        "enrollment.completed",
        _("An enrollment that is %(state)s cannot be completed."),
    ),
    "did_not_complete": Transition(
        frozenset({S.ENROLLED}),
        S.DID_NOT_COMPLETE,
        "enrollment.did_not_complete",
        _("An enrollment that is %(state)s cannot be marked as did not complete."),
    ),
}

# Always holding a seat; an OFFERED enrollment holds one too, until its deadline (holds_seat_q, holds_seat).
SEAT_HOLDING_STATUSES = frozenset({S.ENROLLED, S.PENDING_REVIEW})
# On a cohort's roster, with attendance and hours: seated now, or once seated in a finished cohort.
ROSTER_STATUSES = frozenset({S.ENROLLED, S.COMPLETED, S.DID_NOT_COMPLETE})

# An enrollment in one of these has ended without a seat; a new one for the same cohort may be made.
ENDED_STATUSES = frozenset({S.WITHDRAWN, S.REJECTED, S.LAPSED})


# The waitlist's order: first come, first served (the pk breaks a tie of two signups in the same microsecond).
# with_waitlist_position() counts the places ahead in exactly this order.
WAITLIST_ORDER = ("waitlisted_at", "pk")


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


# seat_summary()'s compiled SQL per database alias, and the placeholder values it is compiled with (no real cohort
# has a negative id, and nothing happened in 1901).
SUMMARY_FIELDS = ("seats_taken", "waiting", "expired_offers", "unconfirmed_overdue")
_SUMMARY_SQL: dict[str, tuple[str, tuple]] = {}
_AT_PLACEHOLDER = datetime.datetime(1901, 1, 1, tzinfo=datetime.UTC)
_CUTOFF_PLACEHOLDER = datetime.datetime(1902, 1, 1, tzinfo=datetime.UTC)
_COHORT_PLACEHOLDER = -190101


def confirm_window() -> datetime.timedelta:
    """How long a signup holds its seat or place before its e-mail address is confirmed (ELITE_CONFIRM_MINUTES)."""
    return datetime.timedelta(minutes=settings.CONFIRM_MINUTES)


class EnrollmentQuerySet(models.QuerySet):
    @staticmethod
    def holds_seat_q(at: datetime.datetime | None = None) -> Q:
        """The one definition of who holds a seat: enrolled, pending review, or an offer that has not expired."""
        at = at or timezone.now()
        return Q(status__in=sorted(SEAT_HOLDING_STATUSES)) | Q(status=S.OFFERED, offer_expires_at__gt=at)

    def seat_holding(self, at: datetime.datetime | None = None) -> EnrollmentQuerySet:
        return self.filter(self.holds_seat_q(at))

    def seat_summary(self, cohort_id: int, at: datetime.datetime | None = None) -> dict[str, int]:
        """Seats held, people waiting and offers past their deadline in one cohort, in one query.

        Every signup runs this under the cohort's lock, and building the query costs Django five times what
        PostgreSQL takes to run it; so its SQL is built from holds_seat_q() once per process, with placeholder values
        that are swapped for the real ones on each call. Other databases take the ordinary path.
        """
        at = at or timezone.now()
        connection = connections[self.db]
        if connection.vendor != "postgresql" or self.query.where:
            return self.filter(cohort_id=cohort_id)._summary(at)
        sql, params = _SUMMARY_SQL.get(self.db) or _SUMMARY_SQL.setdefault(self.db, self._summary_template())
        swap = {_AT_PLACEHOLDER: at, _CUTOFF_PLACEHOLDER: at - confirm_window(), _COHORT_PLACEHOLDER: cohort_id}
        values = [swap.get(p, p) if isinstance(p, datetime.datetime | int) else p for p in params]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            row = cursor.fetchone()
        return dict(zip(SUMMARY_FIELDS, row or (0,) * len(SUMMARY_FIELDS), strict=True))

    @staticmethod
    def unconfirmed_overdue_q(cutoff: datetime.datetime) -> Q:
        """Live signups made before `cutoff` whose e-mail address was never confirmed: they lapse."""
        return Q(confirmed_at__isnull=True, status__in=sorted(LIVE_STATUSES), created_at__lte=cutoff)

    def unconfirmed_overdue(self, at: datetime.datetime | None = None) -> EnrollmentQuerySet:
        return self.filter(self.unconfirmed_overdue_q((at or timezone.now()) - confirm_window()))

    def _summary_counts(self, at: datetime.datetime, cutoff: datetime.datetime) -> dict[str, Count]:
        return {
            "seats_taken": Count("pk", filter=self.holds_seat_q(at)),
            "waiting": Count("pk", filter=Q(status=S.WAITLISTED)),
            "expired_offers": Count("pk", filter=Q(status=S.OFFERED, offer_expires_at__lte=at)),
            "unconfirmed_overdue": Count("pk", filter=self.unconfirmed_overdue_q(cutoff)),
        }

    def _summary(self, at: datetime.datetime) -> dict[str, int]:
        return self.order_by().aggregate(**self._summary_counts(at, at - confirm_window()))

    def _summary_template(self) -> tuple[str, tuple]:
        grouped = (
            self.filter(cohort_id=_COHORT_PLACEHOLDER)
            .order_by()
            .values("cohort_id")
            .annotate(**self._summary_counts(_AT_PLACEHOLDER, _CUTOFF_PLACEHOLDER))
            .values_list(*SUMMARY_FIELDS)
        )
        sql, params = grouped.query.sql_with_params()
        assert {_AT_PLACEHOLDER, _CUTOFF_PLACEHOLDER, _COHORT_PLACEHOLDER} <= set(params), "placeholders must survive"
        return sql, params

    def live(self) -> EnrollmentQuerySet:
        return self.exclude(status__in=ENDED_STATUSES)

    def offers_expiring_within(self, hours: int) -> EnrollmentQuerySet:
        """Open offers whose deadline falls in the next `hours` hours, soonest first."""
        now = timezone.now()
        return self.filter(
            status=S.OFFERED, offer_expires_at__gt=now, offer_expires_at__lte=now + datetime.timedelta(hours=hours)
        ).order_by("offer_expires_at", "pk")

    def waitlist(self) -> EnrollmentQuerySet:
        """Waitlisted enrollments in the order they will be offered a seat (first come, first served)."""
        return self.filter(status=S.WAITLISTED).order_by(*WAITLIST_ORDER)

    def with_waitlist_position(self) -> EnrollmentQuerySet:
        """Annotate waitlist_position: the 1-based place in the cohort's waitlist, None when not waitlisted.

        The one definition of a place in the queue: the waitlisted enrollments of the same cohort that come before
        this one in WAITLIST_ORDER, plus one. Counted against the whole waitlist of each cohort, not against the rows
        selected, in the same query.
        """
        ahead = (
            Enrollment.objects.filter(cohort=OuterRef("cohort"), status=S.WAITLISTED)
            .filter(
                Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
                | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lt=OuterRef("pk"))
            )
            .order_by()
            .values("cohort")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            waitlist_position=Case(
                When(status=S.WAITLISTED, then=Coalesce(Subquery(ahead), 0) + Value(1)),
                default=None,
                output_field=IntegerField(),
            )
        )

    def with_hours(self) -> EnrollmentQuerySet:
        """Annotate attended_minutes and excused_minutes (the Hours rule's per-student figures), in the same query."""
        session_length = F("attendance__session__ends_at") - F("attendance__session__starts_at")
        return self.annotate(
            attended_minutes=Coalesce(Sum("attendance__minutes"), 0),
            excused_duration=Sum(session_length, filter=Q(attendance__status=AttendanceStatus.EXCUSED)),
        )

    def for_roster(self) -> EnrollmentQuerySet:
        return (
            self.filter(status__in=sorted(ROSTER_STATUSES))
            .select_related("student")
            .order_by("student__last_name", "student__first_name", "pk")
        )


def _count_per_cohort(enrollments: models.QuerySet) -> Coalesce:
    """A correlated count of `enrollments` per cohort row, 0 when there are none (for the cohort annotations)."""
    counts = enrollments.filter(cohort=OuterRef("pk")).order_by().values("cohort").annotate(n=Count("pk"))
    return Coalesce(Subquery(counts.values("n")), 0)


def with_seat_counts(cohorts: models.QuerySet[Cohort]) -> models.QuerySet[Cohort]:
    """Annotate seats_taken and waitlisted on each cohort, in the same query: seats are derived from the
    enrollments (holds_seat_q), never stored, and the catalogue's models know nothing of enrollments."""
    return cohorts.annotate(
        seats_taken=_count_per_cohort(Enrollment.objects.seat_holding()),
        waitlisted=_count_per_cohort(Enrollment.objects.filter(status=S.WAITLISTED)),
    )


def with_status_counts(cohorts: models.QuerySet[Cohort]) -> models.QuerySet[Cohort]:
    """with_seat_counts() plus the seat holders split by status (seated, pending, offered), in the same query.

    `offered` counts only offers that have not expired, so seated + pending + offered == seats_taken.
    """
    holding = Enrollment.objects.seat_holding()
    return with_seat_counts(cohorts).annotate(
        seated=_count_per_cohort(holding.filter(status=S.ENROLLED)),
        pending=_count_per_cohort(holding.filter(status=S.PENDING_REVIEW)),
        offered=_count_per_cohort(holding.filter(status=S.OFFERED)),
    )


def load_seat_counts(cohort: Cohort, *, at: datetime.datetime | None = None) -> Cohort:
    """Set one cohort's seats_taken and waitlisted from seat_summary() (one query), as with_seat_counts() would."""
    summary = Enrollment.objects.seat_summary(cohort.pk, at=at)
    cohort.seats_taken = summary["seats_taken"]
    cohort.waitlisted = summary["waiting"]
    return cohort


def with_progress(cohorts: models.QuerySet[Cohort], *, now: datetime.datetime) -> models.QuerySet[Cohort]:
    """Annotate the portal's cohort figures in one query: seat counts, the next class (ClassSession.from_today), the
    minutes scheduled so far, the seated students and their attended and excused totals (for Hours)."""
    seated_statuses = sorted(ROSTER_STATUSES)
    started = ClassSession.objects.filter(cohort=OuterRef("pk"), starts_at__lte=now).order_by().values("cohort")
    seated_attendance = (
        Attendance.objects.filter(enrollment__cohort=OuterRef("pk"), enrollment__status__in=seated_statuses)
        .order_by()
        .values("enrollment__cohort")
    )
    seated = (
        Enrollment.objects.filter(cohort=OuterRef("pk"), status__in=seated_statuses)
        .order_by()
        .values("cohort")
        .annotate(n=Count("pk"))
    )
    next_class = ClassSession.objects.filter(cohort=OuterRef("pk")).from_today(now)
    return with_seat_counts(cohorts).annotate(
        # The next class (today's, or the first after today): its time and its pk, for the portal's shortcuts.
        next_session_at=Subquery(next_class.values("starts_at")[:1]),
        next_session_pk=Subquery(next_class.values("pk")[:1]),
        scheduled_so_far=Subquery(
            started.annotate(total=Sum(F("ends_at") - F("starts_at"))).values("total"), output_field=DurationField()
        ),
        seated_count=Coalesce(Subquery(seated.values("n")), 0),
        attended_minutes=Coalesce(Subquery(seated_attendance.annotate(total=Sum("minutes")).values("total")), 0),
        excused_duration=Subquery(
            seated_attendance.filter(status=AttendanceStatus.EXCUSED)
            .annotate(total=Sum(F("session__ends_at") - F("session__starts_at")))
            .values("total"),
            output_field=DurationField(),
        ),
    )


def cohort_hours(cohort: Cohort) -> Hours:
    """The Hours of a cohort annotated by with_progress(): every seated student's minutes added up."""
    scheduled = _minutes(cohort.scheduled_so_far)
    return Hours(
        attended_minutes=cohort.attended_minutes,
        scheduled_minutes=cohort.seated_count * scheduled,
        excused_minutes=_minutes(cohort.excused_duration),
    )


def enrollment_hours(enrollment: Enrollment, *, scheduled_minutes: int) -> Hours:
    """The Hours of an enrollment annotated by EnrollmentQuerySet.with_hours()."""
    return Hours(
        attended_minutes=enrollment.attended_minutes,
        scheduled_minutes=scheduled_minutes,
        excused_minutes=_minutes(enrollment.excused_duration),
    )


class Enrollment(models.Model):
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrollments")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=20, choices=EnrollmentStatus.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    status_changed_at = models.DateTimeField(default=timezone.now)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # When the student opened the e-mailed link (or staff vouched for them); until then the signup holds its seat or
    # place for confirm_window() only, and then lapses.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # What this signup typed about the person (first_name, last_name, phone, date_of_birth), kept apart from the
    # Student record: nothing typed by someone who has not proven the address changes what is on file.
    details = models.JSONField(default=dict, blank=True)
    # The confirmed signup's details differ from the record on file: staff decide which is right (review queue).
    details_differ = models.BooleanField(default=False)
    # The enrollment a staff move replaced (the old one says "moved to" and links here: Enrollment.moved_to).
    moved_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="moved_to", editable=False
    )
    # When the person ticked "I have read the privacy notice" on the signup form (empty for staff signups).
    privacy_consent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A parent or guardian, for an applicant under 18 on the course's first day (the signup form asks for them).
    guardian_name = models.CharField(max_length=160, blank=True)
    guardian_phone = models.CharField(max_length=32, blank=True)
    guardian_email = models.EmailField(max_length=254, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "cohort"],
                condition=~Q(status__in=sorted(ENDED_STATUSES)),
                name="enrollment_one_live_per_student_cohort",
            ),
            models.CheckConstraint(
                condition=~Q(status=S.OFFERED) | Q(offer_expires_at__isnull=False),
                name="enrollment_offer_has_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["cohort", "status"], name="enrollment_cohort_status_idx"),
            models.Index(fields=["status", "waitlisted_at"], name="enrollment_status_waitlist_idx"),
            models.Index(fields=["status", "offer_expires_at"], name="enrollment_status_offer_idx"),
            # The back office: newest enrollments first, and the review queue (pending, oldest first).
            models.Index(fields=["-created_at"], name="enrollment_created_idx"),
            models.Index(fields=["status", "status_changed_at"], name="enrollment_status_changed_idx"),
            # The minute job's unconfirmed signups, and the review queue's differing details: both a small part.
            models.Index(
                fields=["created_at"], condition=Q(confirmed_at__isnull=True), name="enrollment_unconfirmed_idx"
            ),
            models.Index(fields=["status_changed_at"], condition=Q(details_differ=True), name="enrollment_differ_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.cohort} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("enrollment:status", kwargs={"token": self.token})

    def can(self, action: str) -> bool:
        """Whether the action (a key of TRANSITIONS) may be taken from the enrollment's current status."""
        return TRANSITIONS[action].allows(self.status)

    def get_waitlist_position(self) -> int | None:
        """1-based place in the cohort's waitlist (one query), None when not waitlisted: with_waitlist_position()."""
        if self.status != S.WAITLISTED:
            return None
        annotated = Enrollment.objects.filter(pk=self.pk).with_waitlist_position()
        return annotated.values_list("waitlist_position", flat=True).get()

    @property
    def holds_seat(self) -> bool:
        if self.status == S.OFFERED:
            return self.offer_expires_at is not None and self.offer_expires_at > timezone.now()
        return self.status in SEAT_HOLDING_STATUSES


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


# Statuses that record no time in class, whatever minutes were typed next to them.
NO_TIME_STATUSES = frozenset({AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED})


def _minutes(duration: datetime.timedelta | None) -> int:
    return int(duration.total_seconds() // 60) if duration else 0


@dataclass(frozen=True)
class Hours:
    """Time in class, decided once (the portal's roster and cohort cards, exports, readiness later):

    - *attended* is the sum of the minutes recorded: present and late count the minutes given (a late arrival
      records fewer), absent and excused count 0;
    - *scheduled* is the full length of every session that has started;
    - *expected* is scheduled minus the sessions the student was excused from: an excused absence earns no hours
      toward the course, but it does not count against the attendance rate either;
    - a student is at risk when attended / expected < the course's attendance threshold (%).

    For a whole cohort the same rule holds with every seated student's minutes added up.
    """

    attended_minutes: int
    scheduled_minutes: int
    excused_minutes: int = 0

    @property
    def expected_minutes(self) -> int:
        return self.scheduled_minutes - self.excused_minutes

    @property
    def percent(self) -> int | None:
        expected = self.expected_minutes
        return None if expected <= 0 else self.attended_minutes * 100 // expected

    def at_risk(self, threshold: int) -> bool:
        expected = self.expected_minutes
        return expected > 0 and self.attended_minutes * 100 < threshold * expected

    @staticmethod
    def text(minutes: int) -> str:
        """Minutes as hours for people: 5160 -> "86", 5190 -> "86.5"."""
        hours = (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{hours.normalize():f}"


class Attendance(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attendance")
    # A session with attendance cannot be removed: the hours on record depend on it (correct it instead).
    session = models.ForeignKey(ClassSession, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(max_length=16, choices=AttendanceStatus.choices)
    minutes = models.PositiveIntegerField(help_text=_("Minutes attended."))
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["session__starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "session"], name="attendance_one_per_session"),
        ]
        verbose_name_plural = _("attendance")

    def __str__(self) -> str:
        return f"{self.enrollment.student} at {self.session}: {self.get_status_display()}"


class AuditEventQuerySet(models.QuerySet):
    # Append-only: the bulk paths that could rewrite history are closed too.
    def update(self, **kwargs):
        raise TypeError("Audit events are append-only; they cannot be updated.")

    def delete(self):
        raise TypeError("Audit events are append-only; they cannot be deleted.")


ACTION_WORDS = {
    "enrollment.enrolled": _("Signed up and enrolled"),
    "enrollment.pending_review": _("Signed up; seat held pending review"),
    "enrollment.waitlisted": _("Joined the waitlist"),
    "enrollment.offered": _("Offered a seat"),
    "enrollment.offer_accepted": _("Accepted the offered seat"),
    "enrollment.offer_declined": _("Declined the offered seat"),
    "enrollment.lapsed": _("Offer lapsed"),
    "enrollment.withdrawn": _("Withdrew"),
    "enrollment.rejected": _("Not accepted"),
    "enrollment.approved": _("Credentials verified; seat confirmed"),
    "attendance.recorded": _("Attendance recorded"),
    "enrollment.completed": _("Completed the course"),
    "enrollment.did_not_complete": _("Did not complete the course"),
    "credential.granted": _("Credential granted on completion"),
    "enrollment.moved": _("Moved to another cohort"),
    "enrollment.confirmed": _("Confirmed from the e-mailed link"),
    "enrollment.lapsed_unconfirmed": _("Not confirmed in time"),
    "enrollment.lapsed_unpaid": _("Seat lapsed: deposit not paid in time"),
    "student.details_resolved": _("Details checked by staff"),
    "credential.added": _("Credential added"),
    "credential.verified": _("Credential verified"),
    "credential.rejected": _("Credential rejected"),
    "cohort.capacity_changed": _("Cohort capacity changed"),
    "enrollment.message_sent": _("Message from the school"),
    "clinical.booked": _("Booked a clinical shift"),
    "clinical.dropped": _("Dropped a clinical shift"),
    "clinical.contact_logged": _("Logged a patient contact"),
    "clinical.signed": _("Clinical shift signed off by the preceptor"),
    "clinical.shifts_published": _("Clinical shifts published"),
    "ledger.charge": _("Charge posted"),
    "ledger.payment": _("Payment recorded"),
    "ledger.refund": _("Refund recorded"),
    "ledger.adjustment": _("Balance adjusted"),
    "ledger.reversed": _("Ledger entry reversed"),
    "payments.plan_applied": _("Put on a payment plan"),
    "refund.proposed": _("Refund proposed by the policy"),
    "refund.confirmed": _("Refund confirmed"),
    "refund.adjusted": _("Refund adjusted and confirmed"),
    "enrollment.completed_not_ready": _("Completed the course by staff override, not every requirement met"),
    "certificate.issued": _("Certificate of completion issued"),
    "certificate.revoked": _("Certificate of completion revoked"),
    "exam.attempt_recorded": _("Registry exam attempt recorded"),
    "exam.registered": _("Registered for the Registry exam"),
    "exam.reminder_queued": _("Reminded to register for the Registry exam"),
    "skills.attempt_recorded": _("Skill attempt recorded"),
    "skills.affective_recorded": _("Affective evaluation recorded"),
}


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True, help_text=_("Dotted code, e.g. enrollment.waitlisted."))
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        # In the school's time (Chicago), as every time staff read; `at` itself is stored in UTC.
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.describe()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError("Audit events are append-only; they cannot be changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only; they cannot be deleted.")

    def describe(self) -> str:
        """The event in words a student understands."""
        return str(ACTION_WORDS.get(self.action, self.action.split(".")[-1].replace("_", " ").capitalize()))

    def status_label(self, value: str) -> str:
        """A from/to status in words: a credential's for credential events, an enrollment's otherwise."""
        if not value:
            return ""
        choices = CredentialStatus if self.action.startswith("credential.") else EnrollmentStatus
        try:
            return str(choices(value).label)
        except ValueError:
            return value

    @property
    def status_change(self) -> str:
        """ "Pending review → Enrolled", "→ Waitlisted" for a new enrollment, "" when no status changed."""
        before, after = self.status_label(self.from_status), self.status_label(self.to_status)
        if before == after:
            return after
        return f"{before} → {after}".strip()

    @property
    def credential_id(self) -> int | None:
        """The credential a credential decision is about (kept in `data`), or None."""
        value = self.data.get("credential") if isinstance(self.data, dict) else None
        return value if isinstance(value, int) else None


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed: gave up")
    # Its sender found, when its turn came, that it had nothing left to say (a reminder of an instalment paid since).
    NOT_NEEDED = "not_needed", _("Not sent: no longer needed")


# How long a failing e-mail is retried before it is left for staff: over a day, so a mail server down overnight or
# over a long weekend morning loses nothing.
EMAIL_RETRY_FOR = datetime.timedelta(hours=25)


def retry_deadline() -> datetime.datetime:
    return timezone.now() + EMAIL_RETRY_FOR


class OutgoingEmailQuerySet(models.QuerySet):
    def due(self, at: datetime.datetime | None = None) -> OutgoingEmailQuerySet:
        """Pending e-mails whose next attempt is due, oldest first."""
        at = at or timezone.now()
        return self.filter(status=EmailStatus.PENDING, next_attempt_at__lte=at).order_by("next_attempt_at", "pk")


class OutgoingEmail(models.Model):
    """The outbox: every e-mail to a student, written in the same transaction as the change it reports.

    A rolled-back change leaves no row, so sends nothing. The job runner sends each row off the request path and
    retries a failure with exponential backoff for a day (enrollment.notifications.deliver); staff see every row, its
    attempts and last error in the back office, and can send one again.
    """

    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.CASCADE, related_name="outgoing_emails"
    )
    # Whom to write to when the e-mail is about the person rather than one enrollment (their lost links).
    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.CASCADE, related_name="outgoing_emails"
    )
    # E-mails to people who are not students (a shift's preceptor): the address, and the row the e-mail is about
    # (its kind's sender, registered with enrollment.notifications.register_sender, knows which table).
    to_address = models.EmailField(blank=True)
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Failures are retried until then (a day and an hour after it was written, or after staff sent it again).
    retry_until = models.DateTimeField(default=retry_deadline)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing e-mail")
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outgoing_email_due_idx"),
            models.Index(fields=["-created_at"], name="outgoing_email_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(enrollment__isnull=False) | Q(student__isnull=False) | ~Q(to_address=""),
                name="outgoing_email_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}"

    @property
    def recipient_email(self) -> str:
        if self.to_address:
            return self.to_address
        return (self.student if self.student_id else self.enrollment.student).email

    @property
    def recipient(self) -> Student | str:
        if self.to_address:
            return self.to_address
        return self.student if self.student_id else self.enrollment.student


class RateCounter(models.Model):
    """An attempt counter of one rate-limit window (enrollment.throttling), when there is no Redis."""

    key = models.CharField(max_length=128, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class StudentMessage(models.Model):
    """A message staff write *to the student* about an enrollment: e-mailed through the outbox and shown on the
    student's status page. Internal notes (a decision's reason, the audit trail) are never shown this way."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="messages")
    body = models.TextField(_("message"), max_length=4000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now, editable=False)
    # The outbox row that carries it, so the e-mail sends this message even when another has been written since.
    email = models.OneToOneField(
        OutgoingEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="student_message"
    )

    class Meta:
        ordering = ["-written_at", "-pk"]
        verbose_name = _("message to the student")
        verbose_name_plural = _("messages to students")
        indexes = [models.Index(fields=["enrollment", "-written_at"], name="student_message_enrollment_idx")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.written_at):%Y-%m-%d %H:%M} to {self.enrollment.student}"


# A certificate's verification code is read aloud over the phone and typed from paper: no 0/O or 1/I to confuse.
CERTIFICATE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 5 bits each
CERTIFICATE_GROUPS = 4  # of 4 symbols: 16 symbols, 80 random bits
CERTIFICATE_CODE = re.compile(
    r"EL(?:-[" + CERTIFICATE_ALPHABET + r"]{4}){" + str(CERTIFICATE_GROUPS) + r"}",
)


def new_certificate_code() -> str:
    """A fresh verification code, e.g. EL-7K3M-9QPA-X2D4-HN5R (80 random bits from the secrets module)."""
    groups = ("".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(4)) for _ in range(CERTIFICATE_GROUPS))
    return "EL-" + "-".join(groups)


def normalise_certificate_code(raw: str) -> str | None:
    """The code as typed (any case, spaces or dashes anywhere) in its one form, or None when it cannot be one."""
    if len(raw) > 64:
        return None
    symbols = "".join(ch for ch in raw.upper() if ch not in " -")
    if not symbols.startswith("EL"):
        return None
    body = symbols[2:]
    if len(body) != 4 * CERTIFICATE_GROUPS or any(ch not in CERTIFICATE_ALPHABET for ch in body):
        return None
    return "EL-" + "-".join(body[i : i + 4] for i in range(0, len(body), 4))


# The Illinois window to test after completing a course, and the day of it graduates who have not registered for
# the National Registry's cognitive exam are reminded; the Registry accepts a course completion for two years.
EXAM_WINDOW_DAYS = 90
EXAM_REMINDER_DAY = 60
REGISTRY_COMPLETION_YEARS = 2


class CertificateQuerySet(models.QuerySet):
    def valid(self) -> CertificateQuerySet:
        return self.filter(revoked_at__isnull=True)

    def due_exam_reminder(self, *, today: datetime.date | None = None) -> CertificateQuerySet:
        """Valid certificates whose graduate is on day EXAM_REMINDER_DAY (or later, within the Illinois window) after
        completion, has neither registered for the exam nor an attempt on record, and has not been reminded."""
        today = today or timezone.localdate()
        last_issued = timezone.make_aware(
            datetime.datetime.combine(today - datetime.timedelta(days=EXAM_REMINDER_DAY - 1), datetime.time.min)
        )
        first_issued = timezone.make_aware(
            datetime.datetime.combine(today - datetime.timedelta(days=EXAM_WINDOW_DAYS - 1), datetime.time.min)
        )
        return (
            self.valid()
            .filter(
                issued_at__lt=last_issued,
                issued_at__gte=first_issued,
                exam_registered_on__isnull=True,
                exam_reminder_sent_at__isnull=True,
                enrollment__status=S.COMPLETED,
            )
            .exclude(enrollment__exam_attempts__isnull=False)
        )


class Certificate(models.Model):
    """The certificate of completion of one enrollment, issued by the `complete` service in the same transaction.

    Anyone can check it at /verify/<code>/; staff revoke it with a reason (it then reads "revoked" there)."""

    enrollment = models.OneToOneField(Enrollment, on_delete=models.PROTECT, related_name="certificate")
    code = models.CharField(max_length=32, unique=True, default=new_certificate_code, editable=False)
    issued_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoke_reason = models.TextField(blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # The day the graduate registered for the National Registry's cognitive exam (staff set it); the day-60 reminder
    # goes only to graduates who have not registered and have no attempt on record, and only once.
    exam_registered_on = models.DateField(
        _("registered for the Registry exam on"), null=True, blank=True, help_text=_("Stops the day-60 reminder.")
    )
    exam_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("certificate of completion")
        verbose_name_plural = _("certificates of completion")
        indexes = [
            # The back office's list, newest first: a page read from the index, not every certificate sorted.
            models.Index(fields=["issued_at", "id"], name="certificate_issued_idx"),
            models.Index(
                fields=["issued_at"],
                condition=Q(
                    revoked_at__isnull=True, exam_registered_on__isnull=True, exam_reminder_sent_at__isnull=True
                ),
                name="certificate_reminder_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""), name="certificate_revoked_with_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("enrollment:verify", kwargs={"code": self.code})

    @property
    def verify_url(self) -> str:
        return settings.SITE_URL + self.get_absolute_url()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def completed_on(self) -> datetime.date:
        return timezone.localdate(self.issued_at)

    @property
    def registry_window_ends_on(self) -> datetime.date:
        """The National Registry accepts the course completion for two years (Feb 29 -> Feb 28)."""
        day = self.completed_on
        try:
            return day.replace(year=day.year + REGISTRY_COMPLETION_YEARS)
        except ValueError:
            return day.replace(year=day.year + REGISTRY_COMPLETION_YEARS, day=28)

    @property
    def exam_window_ends_on(self) -> datetime.date:
        return self.completed_on + datetime.timedelta(days=EXAM_WINDOW_DAYS)


class ExamResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class ExamAttempt(models.Model):
    """A graduate's attempt at the National Registry cognitive exam, as staff record it (append-only)."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="exam_attempts")
    taken_on = models.DateField(_("date of the attempt"))
    number = models.PositiveSmallIntegerField(_("attempt number"))
    result = models.CharField(_("result"), max_length=8, choices=ExamResult.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["enrollment", "number"]
        verbose_name = _("Registry exam attempt")
        verbose_name_plural = _("Registry exam attempts")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "number"], name="exam_attempt_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="exam_attempt_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment.student}: attempt {self.number} ({self.get_result_display()})"
