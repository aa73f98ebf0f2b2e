"""Clinical and field experience: where students go (sites), when (shifts), who is going (bookings), what they saw
(patient contacts) and what a course asks for (minimums). The rules live in clinical/services.py; a booking is written
only by `services.book_shift`, which locks the shift, counts, then writes, as seats are."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort, Course
from enrollment.models import Enrollment, EnrollmentStatus, new_token


class SiteKind(models.TextChoices):
    EMERGENCY_DEPARTMENT = "ed", _("Hospital emergency department")
    AMBULANCE = "ambulance", _("Ambulance / EMS agency")
    OTHER = "other", _("Other")


class Site(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=SiteKind.choices)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("takes students"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("clinical site")
        verbose_name_plural = _("clinical sites")

    def __str__(self) -> str:
        return self.name


class ShiftQuerySet(models.QuerySet):
    def upcoming(self, *, now: datetime.datetime | None = None) -> ShiftQuerySet:
        return self.filter(starts_at__gt=now or timezone.now())

    def with_booked(self) -> ShiftQuerySet:
        """Annotate `booked`: the live bookings, the count the capacity rule uses.

        A subquery per shift, not a join and GROUP BY: the database then counts only the shifts of the page (the
        admin's 100, the student's next few) instead of grouping every booking there is before sorting and cutting."""
        live = (
            Booking.objects.filter(
                shift=models.OuterRef("pk"), status=BookingStatus.BOOKED, enrollment__status=EnrollmentStatus.ENROLLED
            )
            .order_by()
            .values("shift")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(booked=Coalesce(models.Subquery(live), 0))


class Shift(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("site"))
    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clinical_shifts",
        verbose_name=_("cohort"),
        help_text=_("Leave empty to open the shift to every cohort with clinical requirements."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("places"), validators=[MinValueValidator(1)])
    preceptor_name = models.CharField(_("preceptor's name"), max_length=120, blank=True)
    preceptor_email = models.EmailField(_("preceptor's e-mail"), blank=True)
    notes = models.CharField(_("notes for students"), max_length=300, blank=True)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "site__name"]
        verbose_name = _("clinical shift")
        verbose_name_plural = _("clinical shifts")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="shift_capacity_positive"),
        ]
        indexes = [models.Index(fields=["starts_at"], name="shift_starts_idx")]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        return f"{self.site} · {start:%b %-d, %Y %-I:%M %p}"

    @property
    def hours(self) -> Decimal:
        return (Decimal((self.ends_at - self.starts_at).total_seconds()) / 3600).quantize(Decimal("0.1"))


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    DROPPED = "dropped", _("Dropped")


class BookingQuerySet(models.QuerySet):
    def live(self) -> BookingQuerySet:
        """Bookings that hold a place: booked, by a student still seated in the cohort (a withdrawal frees them)."""
        return self.filter(status=BookingStatus.BOOKED, enrollment__status=EnrollmentStatus.ENROLLED)


class Booking(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="bookings")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="clinical_bookings")
    status = models.CharField(max_length=16, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    booked_at = models.DateTimeField(default=timezone.now, editable=False)
    dropped_at = models.DateTimeField(null=True, blank=True)
    # Filled by the preceptor's sign-off (services.sign_off); only signed hours and contacts count.
    attended = models.BooleanField(null=True, blank=True)
    signed_minutes = models.PositiveIntegerField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by_name = models.CharField(max_length=120, blank=True)
    signed_by_credential = models.CharField(max_length=64, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["shift__starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "enrollment"],
                condition=Q(status="booked"),
                name="booking_one_live_per_shift_and_enrollment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment.student} · {self.shift}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class AgeGroup(models.TextChoices):
    NEONATE = "neonate", _("Newborn (under 1 month)")
    INFANT = "infant", _("Infant (1 month to 1 year)")
    CHILD = "child", _("Child (1 to 12)")
    ADOLESCENT = "adolescent", _("Adolescent (13 to 17)")
    ADULT = "adult", _("Adult (18 to 64)")
    GERIATRIC = "geriatric", _("Older adult (65 and over)")


class Complaint(models.TextChoices):
    CARDIAC = "cardiac", _("Chest pain / cardiac")
    RESPIRATORY = "respiratory", _("Respiratory")
    NEUROLOGICAL = "neuro", _("Altered mental status / neurological")
    TRAUMA = "trauma", _("Trauma")
    ABDOMINAL = "abdominal", _("Abdominal")
    OBSTETRIC = "obstetric", _("Obstetric")
    PSYCHIATRIC = "psych", _("Psychiatric / behavioural")
    MEDICAL_OTHER = "medical", _("Other medical")


class PatientContact(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="contacts")
    age_group = models.CharField(_("age group"), max_length=16, choices=AgeGroup.choices)
    complaint = models.CharField(_("chief complaint"), max_length=16, choices=Complaint.choices)
    skills = models.CharField(_("skills performed"), max_length=300, blank=True)
    team_lead = models.BooleanField(_("I was team lead"), default=False)
    note = models.CharField(_("short note (no names, dates or record numbers)"), max_length=300, blank=True)
    logged_at = models.DateTimeField(default=timezone.now, editable=False)
    # Set by the preceptor's sign-off: confirmed (True) or struck out (False); None until signed.
    confirmed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["logged_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_age_group_display()} · {self.get_complaint_display()}"


class MinimumKind(models.TextChoices):
    ED_HOURS = "ed_hours", _("Hours in a hospital emergency department")
    AMBULANCE_HOURS = "ambulance_hours", _("Hours on an ambulance")
    ANY_HOURS = "hours", _("Clinical hours anywhere")
    CONTACTS = "contacts", _("Patient contacts")
    TEAM_LEADS = "team_leads", _("Team leads")


class ClinicalMinimum(models.Model):
    """What a course asks for, e.g. EMT: 24 h ED + 24 h ambulance + 10 patient contacts. Only signed entries count."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="clinical_minimums")
    kind = models.CharField(_("what"), max_length=16, choices=MinimumKind.choices)
    amount = models.DecimalField(_("at least"), max_digits=6, decimal_places=1, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["course", "kind"]
        verbose_name = _("clinical minimum")
        verbose_name_plural = _("clinical minimums")
        constraints = [models.UniqueConstraint(fields=["course", "kind"], name="clinical_minimum_unique_per_course")]

    def __str__(self) -> str:
        return f"{self.course}: {self.amount} {self.get_kind_display()}"


class PreceptorLink(models.Model):
    """The one-time link a shift's preceptor signs with (`/preceptor/<token>/`); e-mailed when the shift ends."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="preceptor_links")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.shift} → {self.email}"

    def get_absolute_url(self) -> str:
        return reverse("clinical:preceptor", kwargs={"token": self.token})
