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
from django.utils.translation import ngettext

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


class SponsorInvoiceQuerySet(models.QuerySet):
    # An invoice once issued is a record of what was asked for: its figures and its number never change.
    def update(self, **kwargs):
        raise TypeError("Invoices are kept as issued; issue a new one.")

    def delete(self):
        raise TypeError("Invoices are kept as issued; issue a new one.")


class SponsorInvoice(models.Model):
    """An invoice issued to a sponsor: its shares of the enrollments it pays for (all its open shares, or one
    cohort's), as they stood when it was issued. `lines` keeps those figures (Decimal as text), so the PDF downloaded
    or e-mailed later says what was sent; the number comes from the row's key, so it never changes."""

    sponsor = models.ForeignKey(Sponsor, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("sponsor"))
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("cohort")
    )
    lines = models.JSONField(default=list)
    total_due = models.DecimalField(_("total due"), max_digits=12, decimal_places=2)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = SponsorInvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        # A sponsor's invoices page lists the newest 25 of thousands (a department invoiced every cohort for years).
        indexes = [models.Index(fields=["sponsor", "-issued_at", "-id"], name="invoice_sponsor_newest")]
        verbose_name = _("sponsor's invoice")
        verbose_name_plural = _("sponsors' invoices")

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Invoices are kept as issued; issue a new one.")
        super().save(*args, **kwargs)

    @property
    def number(self) -> str:
        return f"INV-{self.pk:06d}"

    def rows(self) -> list[dict[str, object]]:
        """The lines with their amounts as Decimal again."""
        money = ("share", "paid", "due")
        return [{**line, **{key: Decimal(line[key]) for key in money}} for line in self.lines]

    def totals(self) -> dict[str, Decimal]:
        rows = self.rows()
        return {key: sum((row[key] for row in rows), Decimal(0)) for key in ("share", "paid", "due")}


class CheckoutStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the payment")
    PAID = "paid", _("Paid (posted to the ledger)")
    NEEDS_STAFF = "needs_staff", _("Needs staff: not posted")


class CheckoutAttempt(models.Model):
    """A "Pay now": the Stripe Checkout Session made for an enrollment's amount. Nothing is posted when it is made;
    the verified webhook posts the payment and links the entry here."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="checkout_attempts", verbose_name=_("enrollment")
    )
    session_id = models.CharField(_("Stripe session"), max_length=255, unique=True)
    url = models.URLField(_("checkout address"), max_length=2000)
    # Sent in the session's metadata and checked when the webhook names the session.
    nonce = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=9, decimal_places=2)
    description = models.CharField(_("for"), max_length=160)
    status = models.CharField(
        _("status"), max_length=16, choices=CheckoutStatus.choices, default=CheckoutStatus.PENDING
    )
    entry = models.OneToOneField(
        LedgerEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checkout_attempt",
        verbose_name=_("ledger entry"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("online checkout")
        verbose_name_plural = _("online checkouts")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="checkout_amount_positive")]

    def __str__(self) -> str:
        return f"{self.session_id} (${self.amount})"


class WebhookOutcome(models.TextChoices):
    POSTED = "posted", _("Payment posted")
    IGNORED = "ignored", _("Ignored (not an event we act on)")
    NOT_PAID_YET = "not_paid_yet", _("Not paid yet (waiting for the bank)")
    ALREADY_POSTED = "already_posted", _("Already posted from another event")
    UNKNOWN_SESSION = "unknown_session", _("Needs staff: a session this site did not make")
    MISMATCH = "mismatch", _("Needs staff: amount, currency or student differ from the checkout")


NEEDS_STAFF = (WebhookOutcome.UNKNOWN_SESSION, WebhookOutcome.MISMATCH)


class WebhookEvent(models.Model):
    """Each verified Stripe event, once (the unique event id makes a second delivery a no-op), with what was done
    about it; written in the same transaction as the payment it posts."""

    event_id = models.CharField(_("Stripe event"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    livemode = models.BooleanField(_("live"), default=False)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=WebhookOutcome.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    session_id = models.CharField(_("Stripe session"), max_length=255, blank=True, db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=11, decimal_places=2, null=True, blank=True)
    attempt = models.ForeignKey(
        CheckoutAttempt,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("online checkout"),
    )
    entry = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("ledger entry")
    )
    payload = models.JSONField(_("event as received"))

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("Stripe webhook event")
        verbose_name_plural = _("Stripe webhook events")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"

    @property
    def needs_staff(self) -> bool:
        return self.outcome in NEEDS_STAFF


class RefundRuleBasis(models.TextChoices):
    BEFORE_START = "before_start", _("Days before the first day")
    HOURS_ATTENDED = "hours_attended", _("Share of the course's hours attended")


class RefundPolicyQuerySet(models.QuerySet):
    def for_course(self, course_id: int) -> RefundPolicy | None:
        """The policy a course's enrollments are settled by: its own override, else the school's (one query)."""
        found = list(self.filter(Q(course_id=course_id) | Q(course__isnull=True)).prefetch_related("rules"))
        return next((p for p in found if p.course_id), None) or next(iter(found), None)


class RefundPolicy(models.Model):
    """The refund policy as data: the school's (no course), or one course's override. Its rules decide the share
    refunded; `registration_fee` is kept in every case. The public page /refunds/ is written from these rows."""

    course = models.OneToOneField(
        Course,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="refund_policy",
        verbose_name=_("course"),
        help_text=_("Leave empty for the school's policy; choose a course to give it its own."),
    )
    registration_fee = models.DecimalField(
        _("non-refundable registration fee"),
        max_digits=8,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text=_("Kept whenever a student leaves (never more than was charged); the rules apply to the rest."),
    )

    objects = RefundPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("refund policy")
        verbose_name_plural = _("refund policies")
        constraints = [
            models.UniqueConstraint(
                models.Value(1), condition=Q(course__isnull=True), name="refund_policy_one_for_the_school"
            ),
            models.CheckConstraint(condition=Q(registration_fee__gte=0), name="refund_policy_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return str(_("Refund policy: %(course)s") % {"course": self.course.title if self.course_id else _("school")})

    def rule_for(self, *, days_before: int, attended_minutes: int, nominal_minutes: int) -> RefundRule | None:
        """The rule that applies to a student leaving `days_before` the first day (negative once it has passed)
        having attended `attended_minutes` of the course's `nominal_minutes`.

        Before the start: the rule with the most days that `days_before` reaches (at least N days before, N
        included: "1 day" is the day before the first day). Otherwise, by hours: the rule with the smallest share
        that the share attended does not exceed (up to N%, N included: exactly half attended is "up to 50%").
        None when no rule applies (nothing is refunded)."""
        rules = list(self.rules.all())
        before = [r for r in rules if r.basis == RefundRuleBasis.BEFORE_START and days_before >= r.bound]
        if before:
            return max(before, key=lambda r: r.bound)
        by_hours = [
            r
            for r in rules
            if r.basis == RefundRuleBasis.HOURS_ATTENDED and attended_minutes * 100 <= r.bound * nominal_minutes
        ]
        return min(by_hours, key=lambda r: r.bound) if by_hours else None

    def rows(self) -> list[tuple[str, Decimal]]:
        """The rules as the public page's table: (when you leave, share refunded), before the start first (most days
        first), then by hours attended (least first, each from the previous rule's share, exclusive, to its own,
        inclusive). Uses the prefetched rules."""
        rules = list(self.rules.all())
        before = sorted((r for r in rules if r.basis == RefundRuleBasis.BEFORE_START), key=lambda r: -r.bound)
        by_hours = sorted((r for r in rules if r.basis == RefundRuleBasis.HOURS_ATTENDED), key=lambda r: r.bound)
        result = []
        for rule in before:
            if rule.bound == 0:
                when = _("On the first day, before the first class")
            else:
                when = ngettext(
                    "At least %(n)s day before the first day", "At least %(n)s days before the first day", rule.bound
                ) % {"n": rule.bound}
            result.append((when, rule.refund_percent))
        previous = None
        for rule in by_hours:
            words = {"low": previous, "high": rule.bound}
            if previous is None:
                when = _("Up to %(high)s%% of the hours attended") % words
            elif rule.bound == 100:
                when = _("More than %(low)s%% of the hours attended") % words
            else:
                when = _("More than %(low)s%%, up to %(high)s%% of the hours attended") % words
            result.append((when, rule.refund_percent))
            previous = rule.bound
        return result


class RefundRule(models.Model):
    """One line of a refund policy: "at least `bound` days before the first day: `refund_percent`% refunded", or
    "up to `bound`% of the course's hours attended: `refund_percent`% refunded"."""

    policy = models.ForeignKey(RefundPolicy, on_delete=models.CASCADE, related_name="rules")
    basis = models.CharField(_("when"), max_length=16, choices=RefundRuleBasis.choices)
    bound = models.PositiveSmallIntegerField(
        _("days or share (%)"),
        help_text=_(
            "Days before the first day (at least, included), or the share of hours attended (up to, included)."
        ),
    )
    refund_percent = models.DecimalField(
        _("refunded (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("The share of the charges (less the registration fee) given back."),
    )

    class Meta:
        ordering = ["policy", "-basis", "-bound"]
        verbose_name = _("refund rule")
        verbose_name_plural = _("refund rules")
        constraints = [
            models.UniqueConstraint(fields=["policy", "basis", "bound"], name="refund_rule_once_per_bound"),
            models.CheckConstraint(
                condition=Q(refund_percent__gte=0, refund_percent__lte=100), name="refund_rule_percent_in_range"
            ),
            models.CheckConstraint(
                condition=Q(basis="before_start") | Q(bound__lte=100), name="refund_rule_share_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.sentence()

    def sentence(self) -> str:
        """The rule for people, as the public page and the staff's queue say it."""
        words = {"n": self.bound, "percent": f"{self.refund_percent.normalize():f}"}
        if self.basis == RefundRuleBasis.BEFORE_START:
            if self.bound == 0:
                return _("Leaving on the first day, before any class: %(percent)s%% refunded.") % words
            return (
                ngettext(
                    "Leaving at least %(n)s day before the first day: %(percent)s%% refunded.",
                    "Leaving at least %(n)s days before the first day: %(percent)s%% refunded.",
                    self.bound,
                )
                % words
            )
        return _("Leaving having attended up to %(n)s%% of the course's hours: %(percent)s%% refunded.") % words


class RefundStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    ADJUSTED = "adjusted", _("Adjusted and confirmed")


class RefundProposalQuerySet(models.QuerySet):
    def open(self) -> RefundProposalQuerySet:
        return self.filter(status=RefundStatus.PROPOSED)


class RefundEvent(models.TextChoices):
    """The enrollment transitions a refund proposal is made on (payments.services.refunds says how each is settled)."""

    WITHDRAW = "withdraw", _("Withdrew")
    DID_NOT_COMPLETE = "did_not_complete", _("Did not complete")
    LAPSE_UNPAID = "lapse_unpaid", _("Seat lapsed: deposit unpaid")
    COMPLETE = "complete", _("Completed")
    REJECT = "reject", _("Not accepted")
    LAPSE_OFFER = "lapse_offer", _("Offer lapsed")
    DECLINE_OFFER = "decline_offer", _("Offer declined")
    LAPSE_UNCONFIRMED = "lapse_unconfirmed", _("Signup not confirmed")


class RefundProposal(models.Model):
    """What the policy gives back when an enrollment ends (a withdrawal, did not complete) or what a graduate paid
    over the charges (completion), worked out once from the ledger and the policy, per payer (RefundLine). Staff
    confirm it or adjust it with a reason; settling posts the refunds and the write-off through the ledger."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="refund_proposals")
    event = models.CharField(_("event"), max_length=32, choices=RefundEvent.choices)
    rule = models.CharField(_("rule applied"), max_length=300)
    # The policy's answer at the time of leaving, kept so the figures can be worked out again from the ledger.
    refund_percent = models.DecimalField(_("refunded (%)"), max_digits=5, decimal_places=2)
    registration_fee = models.DecimalField(_("registration fee kept"), max_digits=8, decimal_places=2)
    charged = models.DecimalField(_("charged"), max_digits=10, decimal_places=2)
    retained = models.DecimalField(_("kept by the school"), max_digits=10, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=RefundStatus.choices, default=RefundStatus.PROPOSED, db_index=True
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("why adjusted"), max_length=300, blank=True)

    objects = RefundProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"], condition=Q(status="proposed"), name="refund_proposal_one_open_per_enrollment"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Refund for %(enrollment)s") % {"enrollment": self.enrollment})


class RefundLine(models.Model):
    """One payer's part of a refund proposal: their share of the charges, what they paid (net of refunds), what the
    school keeps of it, what is proposed back, what is still due, and what staff settled (`refund` once settled)."""

    proposal = models.ForeignKey(RefundProposal, on_delete=models.CASCADE, related_name="lines")
    payer = models.ForeignKey(Sponsor, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    share = models.DecimalField(_("share of the charges"), max_digits=10, decimal_places=2)
    paid = models.DecimalField(_("paid"), max_digits=10, decimal_places=2)
    retained = models.DecimalField(_("kept"), max_digits=10, decimal_places=2)
    proposed = models.DecimalField(_("proposed refund"), max_digits=10, decimal_places=2)
    still_due = models.DecimalField(_("still due"), max_digits=10, decimal_places=2)
    refund = models.DecimalField(_("refunded"), max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["proposal", "payer__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "payer"], condition=Q(payer__isnull=False), name="refund_line_once_per_sponsor"
            ),
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(payer__isnull=True), name="refund_line_once_for_the_student"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer_name}: {self.proposed}"

    @property
    def payer_name(self) -> str:
        return self.payer.name if self.payer_id else str(_("Student"))
