"""Input checks for the staff's money pages; the rules are payments/services'."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort
from courses.widgets import LongSelect
from enrollment.models import Enrollment
from payments.models import PaymentMethod, PaymentPlan, Sponsor


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount ($)"), max_digits=9, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("100000")
    )
    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=[(value, label) for value, label in PaymentMethod.choices if value != PaymentMethod.ONLINE],
    )
    payer = forms.ModelChoiceField(
        label=_("Payer"), queryset=Sponsor.objects.none(), required=False, empty_label=_("The student")
    )
    reference = forms.CharField(
        label=_("Reference"), max_length=80, required=False, help_text=_("Check or receipt number.")
    )

    def __init__(self, *args, enrollment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = Sponsor.objects.filter(shares__enrollment=enrollment).order_by("name")


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this entry reversed?"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApplyPlanForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=PaymentPlan.objects.none())

    def __init__(self, *args, enrollment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cohort = enrollment.cohort
        self.fields["plan"].queryset = PaymentPlan.objects.filter(
            Q(cohort=cohort) | Q(course_id=cohort.course_id, cohort__isnull=True)
        ).order_by("name")


RECENT_COHORT_DAYS = 730


class InvoiceForm(forms.Form):
    cohort = forms.ModelChoiceField(
        label=_("Cohort"),
        queryset=Cohort.objects.none(),
        required=False,
        # Hundreds of cohorts for a sponsor of a big department: the options written without a template each.
        widget=LongSelect,
        empty_label=_("All open shares"),
        help_text=_(
            "Leave on “All open shares” for every enrollment with an amount still due (older cohorts’ too); the "
            "list offers the cohorts of the last two years and those to come."
        ),
    )
    send = forms.BooleanField(label=_("E-mail it to the sponsor"), required=False)

    def __init__(self, *args, sponsor: Sponsor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The cohorts of the last two years and to come, the sponsor's newest first (an older cohort's open shares
        # are on the "All open shares" invoice); a sponsor of ten years would otherwise list hundreds.
        recent = timezone.localdate() - datetime.timedelta(days=RECENT_COHORT_DAYS)
        # A semi-join from the sponsor's shares (a DISTINCT over the joined rows read them all: 34 ms at scale).
        shared = Enrollment.objects.filter(sponsor_shares__sponsor=sponsor).values("cohort_id")
        sponsored = Cohort.objects.filter(pk__in=shared, starts_on__gte=recent)
        self.fields["cohort"].queryset = sponsored.order_by("-starts_on", "code")
        if sponsor.email:
            self.fields["send"].help_text = _("To %(address)s, with the PDF attached.") % {"address": sponsor.email}
        else:
            self.fields["send"].disabled = True
            self.fields["send"].help_text = _("The sponsor has no e-mail address on file.")


REFUND_METHODS = [
    (value, label)
    for value, label in PaymentMethod.choices
    if value not in (PaymentMethod.ONLINE, PaymentMethod.SPONSOR)
]


class RefundConfirmForm(forms.Form):
    method = forms.ChoiceField(label=_("Refunded by"), choices=REFUND_METHODS, initial=PaymentMethod.CHECK)
    reference = forms.CharField(
        label=_("Reference"), max_length=80, required=False, help_text=_("Check number or card transaction.")
    )


class RefundAdjustForm(RefundConfirmForm):
    """A refund per payer of the proposal (prefilled with the proposed figure) and the reason; whether the reason and
    the amounts are acceptable is the service's rule."""

    reason = forms.CharField(
        label=_("Why does the refund differ from the policy's?"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, lines, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"refund_{line.pk}"] = forms.DecimalField(
                label=_("Refund to %(payer)s ($)") % {"payer": line.payer_name},
                max_digits=9,
                decimal_places=2,
                min_value=Decimal(0),
                max_value=Decimal("100000"),
                initial=line.proposed,
            )
        self.order_fields([f"refund_{line.pk}" for line in self.lines] + ["reason", "method", "reference"])

    def refunds(self) -> dict[int | None, Decimal]:
        return {line.payer_id: self.cleaned_data[f"refund_{line.pk}"] for line in self.lines}
