"""Money: what a course costs (fees), who else pays (sponsors and their shares) and the ledger of every charge, payment,
refund and adjustment. Amounts are Decimal, to the cent, never floats. The ledger is append-only: a mistake is
corrected by a reversing entry; balances are derived from it, never stored (payments/services/)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort, Course
from enrollment.models import Enrollment

CENT = Decimal("0.01")


class FeeKind(models.TextChoices):
    TUITION = "tuition", _("Tuition")
    OTHER = "other", _("Other fee")


class Fee(models.Model):
    """A fee of a course beyond its tuition (books, uniform, exam voucher), or, for one cohort, an override of the
    course's tuition or of one of its fees (same kind and name)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="fees", verbose_name=_("course"))
    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="fees",
        verbose_name=_("cohort"),
        help_text=_("Leave empty for every cohort of the course; set it to override the course's amount for one."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FeeKind.choices, default=FeeKind.OTHER)
    name = models.CharField(_("name"), max_length=80, help_text=_('As the student reads it, e.g. "Books and uniform".'))
    amount = models.DecimalField(_("amount"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["course", "kind", "name"]
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="fee_amount_not_negative"),
            models.UniqueConstraint(
                fields=["course", "kind", "name"], condition=Q(cohort__isnull=True), name="fee_unique_per_course"
            ),
            models.UniqueConstraint(fields=["cohort", "kind", "name"], name="fee_unique_per_cohort"),
        ]

    def __str__(self) -> str:
        where = self.cohort.code if self.cohort_id else self.course.title
        return f"{self.name} ({where}): ${self.amount}"


class SponsorKind(models.TextChoices):
    EMPLOYER = "employer", _("Employer or fire department")
    WIOA = "wioa", _("WIOA training account")
    GI_BILL = "gi_bill", _("GI Bill")
    OTHER = "other", _("Other")


class Sponsor(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=SponsorKind.choices)
    contact_name = models.CharField(_("contact"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sponsor")
        verbose_name_plural = _("sponsors")

    def __str__(self) -> str:
        return self.name


class SponsorShare(models.Model):
    """A sponsor pays part of an enrollment's charges: a fixed amount, or a percentage of them."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="sponsor_shares")
    sponsor = models.ForeignKey(Sponsor, on_delete=models.PROTECT, related_name="shares", verbose_name=_("sponsor"))
    amount = models.DecimalField(
        _("amount"), max_digits=9, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    percent = models.DecimalField(
        _("percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("sponsor's share")
        verbose_name_plural = _("sponsors' shares")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "sponsor"], name="sponsor_share_once_per_enrollment"),
            models.CheckConstraint(
                condition=(Q(amount__isnull=False, percent__isnull=True, amount__gte=0))
                | (Q(amount__isnull=True, percent__isnull=False, percent__gte=0, percent__lte=100)),
                name="sponsor_share_amount_or_percent",
            ),
        ]

    def __str__(self) -> str:
        share = f"{self.percent}%" if self.percent is not None else f"${self.amount}"
        return f"{self.sponsor}: {share}"


class EntryKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    ADJUSTMENT = "adjustment", _("Adjustment")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CHECK = "check", _("Check")
    CARD_TERMINAL = "card", _("Card (terminal)")
    ONLINE = "online", _("Online")
    SPONSOR = "sponsor", _("Paid by the sponsor")
    OTHER = "other", _("Other")


class LedgerEntryQuerySet(models.QuerySet):
    # Append-only, like the audit trail: the bulk paths that could rewrite the books are closed too.
    def update(self, **kwargs):
        raise TypeError("Ledger entries are append-only; correct one with a reversing entry.")

    def delete(self):
        raise TypeError("Ledger entries are append-only; correct one with a reversing entry.")


class LedgerEntry(models.Model):
    """One line of an enrollment's books. `amount` is signed by its effect on what is owed: a charge adds (+), a
    payment takes away (-), a refund adds back (+, money returned), an adjustment either way; a reversing entry is the
    negative of the one it reverses. `payer` None is the student; a sponsor otherwise (charges have no payer: they are
    split between the payers by the sponsors' shares)."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    description = models.CharField(max_length=160)
    payer = models.ForeignKey(Sponsor, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    method = models.CharField(max_length=16, choices=PaymentMethod.choices, blank=True)
    reference = models.CharField(max_length=80, blank=True, help_text=_("Check number, receipt or transaction id."))
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["enrollment", "at"], name="ledger_enrollment_at_idx")]
        constraints = [
            # An original entry's sign follows its kind; a reversal is the negative of what it reverses.
            models.CheckConstraint(
                condition=Q(reverses__isnull=False)
                | Q(kind="charge", amount__gt=0)
                | Q(kind="payment", amount__lt=0)
                | Q(kind="refund", amount__gt=0)
                | (Q(kind="adjustment") & ~Q(amount=0)),
                name="ledger_entry_sign_follows_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.description})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Ledger entries are append-only; correct one with a reversing entry.")
        super().save(*args, **kwargs)


class DueRule(models.TextChoices):
    AFTER_ENROLLING = "after_enrolling", _("days after enrolling")
    BEFORE_START = "before_start", _("days before the cohort starts")
    ON_DATE = "on_date", _("on a fixed date")


class PaymentPlan(models.Model):
    """How a seat's student share is paid in instalments: set up by staff for a course (every cohort) or for one
    cohort (which then uses it instead of the course's). Applied to an enrollment when its charges are posted, or by
    staff to one enrollment (payments.services.plans.apply_plan)."""

    name = models.CharField(_("name"), max_length=80, help_text=_('As the student reads it, e.g. "Three payments".'))
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="payment_plans", verbose_name=_("course"))
    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="payment_plans",
        verbose_name=_("cohort"),
        help_text=_("Leave empty for every cohort of the course; set it for one cohort's own plan."),
    )
    applies_automatically = models.BooleanField(
        _("applied to every new seat"),
        default=True,
        help_text=_("Untick to keep the plan for staff to apply to one enrollment at a time."),
    )

    class Meta:
        ordering = ["course", "name"]
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        constraints = [
            models.UniqueConstraint(fields=["course", "name"], name="payment_plan_name_unique_per_course"),
        ]

    def __str__(self) -> str:
        where = self.cohort.code if self.cohort_id else self.course.title
        return f"{self.name} ({where})"

    def clean(self) -> None:
        if self.cohort_id and self.course_id and self.cohort.course_id != self.course_id:
            raise ValidationError(
                {"cohort": _("Choose a cohort of the course, or leave it empty.")}, code="other_course"
            )


class PlanStep(models.Model):
    """One instalment of a plan: an amount or a percentage of the student's share, due a number of days after
    enrolling, a number of days before the cohort starts, or on a fixed date. The last instalment takes whatever is
    left, so the instalments always add up to the share."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="steps")
    amount = models.DecimalField(
        _("amount"), max_digits=9, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    percent = models.DecimalField(
        _("percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    due = models.CharField(_("due"), max_length=16, choices=DueRule.choices, default=DueRule.AFTER_ENROLLING)
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True, validators=[MaxValueValidator(730)])
    due_on = models.DateField(_("fixed date"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "pk"]
        verbose_name = _("instalment of the plan")
        verbose_name_plural = _("instalments of the plan")
        constraints = [
            models.CheckConstraint(
                condition=(Q(amount__isnull=False, percent__isnull=True, amount__gte=0))
                | (Q(amount__isnull=True, percent__isnull=False, percent__gte=0, percent__lte=100)),
                name="plan_step_amount_or_percent",
                violation_error_message=_("Give either an amount or a percentage for the instalment, not both."),
            ),
            models.CheckConstraint(
                condition=(Q(due="on_date", due_on__isnull=False))
                | (Q(due__in=["after_enrolling", "before_start"], days__isnull=False)),
                name="plan_step_due_rule_complete",
                violation_error_message=_(
                    "Say when the instalment is due: a number of days, or a date when it is due on a fixed date."
                ),
            ),
        ]

    def __str__(self) -> str:
        share = f"{self.percent}%" if self.percent is not None else f"${self.amount}"
        if self.due == DueRule.ON_DATE:
            return f"{share} on {self.due_on}"
        return f"{share}, {self.days} {self.get_due_display()}"


class Instalment(models.Model):
    """What one enrollment's student pays by a date. What is paid against it is derived from the ledger (payments go
    to the earliest instalment first: payments.services.plans.payment_status_of), never stored."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="instalments")
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), max_digits=9, decimal_places=2)
    plan = models.ForeignKey(
        PaymentPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("plan")
    )

    class Meta:
        ordering = ["enrollment", "due_on", "pk"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        indexes = [models.Index(fields=["due_on"], name="instalment_due_on_idx")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive")]

    def __str__(self) -> str:
        return f"${self.amount} due {self.due_on}"


class DepositRule(models.Model):
    """A deposit that keeps the seat: $amount paid within `days` days of enrolling, for every cohort of a course or
    for one cohort (which then uses it instead of the course's). Unpaid by the deadline, the seat lapses."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="deposit_rules", verbose_name=_("course"))
    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deposit_rules",
        verbose_name=_("cohort"),
        help_text=_("Leave empty for every cohort of the course; set it for one cohort's own deposit."),
    )
    amount = models.DecimalField(_("amount"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)])
    days = models.PositiveSmallIntegerField(
        _("days to pay"), validators=[MinValueValidator(1), MaxValueValidator(365)], help_text=_("After enrolling.")
    )

    class Meta:
        ordering = ["course", "cohort"]
        verbose_name = _("deposit rule")
        verbose_name_plural = _("deposit rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(days__gte=1),
                name="deposit_rule_positive",
                violation_error_message=_("A deposit is more than $0, paid within one day or more."),
            ),
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(cohort__isnull=True),
                name="deposit_rule_per_course",
                violation_error_message=_("The course already has a deposit rule: change that one."),
            ),
            models.UniqueConstraint(
                fields=["cohort"],
                name="deposit_rule_per_cohort",
                violation_error_message=_("The cohort already has a deposit rule: change that one."),
            ),
        ]

    def __str__(self) -> str:
        where = self.cohort.code if self.cohort_id else self.course.title
        return f"${self.amount} within {self.days} days ({where})"

    def clean(self) -> None:
        if self.cohort_id and self.course_id and self.cohort.course_id != self.course_id:
            raise ValidationError(
                {"cohort": _("Choose a cohort of the course, or leave it empty.")}, code="other_course"
            )


class Deposit(models.Model):
    """The deposit one enrollment owes to keep its seat, fixed when its charges are posted (a later change of the rule
    does not move a deadline a student was told). Paid or not is derived from the ledger."""

    enrollment = models.OneToOneField(Enrollment, on_delete=models.CASCADE, related_name="deposit")
    amount = models.DecimalField(_("amount"), max_digits=9, decimal_places=2)
    due_on = models.DateField(_("due by"))

    class Meta:
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")
        indexes = [models.Index(fields=["due_on"], name="deposit_due_on_idx")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_amount_positive")]

    def __str__(self) -> str:
        return f"${self.amount} by {self.due_on}"
