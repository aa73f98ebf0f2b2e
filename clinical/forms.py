"""Input checks for the clinical pages; the rules themselves are clinical/services.py's."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clinical.models import AgeGroup, Booking, Complaint, PatientContact, Site
from clinical.phi import find_phi
from clinical.services import (
    ContactDetails,
    ShiftSeriesPlan,
    ShiftSeriesRequest,
    SignedBooking,
    plan_shift_series,
)
from courses.forms import CalendarSeriesForm
from courses.models import Cohort, CredentialType, RequirementStage
from courses.schedule import ScheduleError
from enrollment.forms import CredentialForm


class ClearanceDocumentForm(CredentialForm):
    """A clearance document (TB test, immunization, background check...) from the student's clinicals page: the
    credential form, limited to the course's clinical requirements, with the scan required."""

    def __init__(self, *args, cohort: Cohort, **kwargs) -> None:
        super().__init__(*args, cohort=cohort, **kwargs)
        self.fields["credential_type"].label = _("Document")
        self.fields["credential_type"].queryset = CredentialType.objects.filter(
            requirements__course_id=cohort.course_id, requirements__needed_for=RequirementStage.CLINICAL
        ).order_by("name")
        self.fields["number"].label = _("Number or reference (as printed on the document)")
        self.fields["evidence"].required = True
        self.fields["evidence"].label = _("Scan or photo of the document")


class ContactForm(forms.Form):
    age_group = forms.ChoiceField(label=_("Patient's age group"), choices=AgeGroup.choices)
    complaint = forms.ChoiceField(label=_("Chief complaint"), choices=Complaint.choices)
    skills = forms.CharField(
        label=_("Skills you performed"),
        max_length=300,
        required=False,
        help_text=_("For example: vital signs, splinting, oxygen by non-rebreather."),
    )
    team_lead = forms.BooleanField(label=_("I was team lead for this patient"), required=False)
    note = forms.CharField(
        label=_("Short note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "No protected health information: no names, dates of birth or other dates, record or phone numbers."
        ),
    )

    def _no_phi(self, field: str) -> str:
        value = self.cleaned_data.get(field, "")
        if found := find_phi(value):
            raise ValidationError(found, code="phi_in_note")
        return value

    def clean_note(self) -> str:
        return self._no_phi("note")

    def clean_skills(self) -> str:
        return self._no_phi("skills")

    def contact_details(self) -> ContactDetails:
        return ContactDetails(**self.cleaned_data)


class SignOffForm(forms.Form):
    """The preceptor's page: per student, attended and minutes, and each logged contact confirmed; then a signature."""

    name = forms.CharField(label=_("Your name"), max_length=120)
    credential_number = forms.CharField(label=_("Your credential or license number"), max_length=64)
    attest = forms.BooleanField(
        label=_("I precepted these students on this shift and the entries above are correct."), required=True
    )

    def __init__(self, *args, bookings: list[Booking], shift_minutes: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.bookings = bookings
        for booking in bookings:
            name = booking.enrollment.student.full_name
            self.fields[f"attended_{booking.pk}"] = forms.BooleanField(
                label=_("%(name)s attended") % {"name": name}, required=False, initial=True
            )
            self.fields[f"minutes_{booking.pk}"] = forms.IntegerField(
                label=_("Minutes %(name)s was on shift") % {"name": name},
                min_value=0,
                max_value=shift_minutes,
                initial=shift_minutes,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            for contact in booking.contacts.all():
                self.fields[f"contact_{contact.pk}"] = forms.BooleanField(
                    label=_("Confirm: %(contact)s") % {"contact": describe(contact)}, required=False, initial=True
                )

    def rows(
        self,
    ) -> list[tuple[Booking, forms.BoundField, forms.BoundField, list[tuple[PatientContact, forms.BoundField]]]]:
        return [
            (
                booking,
                self[f"attended_{booking.pk}"],
                self[f"minutes_{booking.pk}"],
                [(contact, self[f"contact_{contact.pk}"]) for contact in booking.contacts.all()],
            )
            for booking in self.bookings
        ]

    def entries(self) -> dict[int, SignedBooking]:
        data = self.cleaned_data
        return {
            booking.pk: SignedBooking(
                attended=data[f"attended_{booking.pk}"],
                minutes=data[f"minutes_{booking.pk}"],
                contacts={c.pk: data[f"contact_{c.pk}"] for c in booking.contacts.all()},
            )
            for booking in self.bookings
        }


def describe(contact: PatientContact) -> str:
    parts = [contact.get_age_group_display(), contact.get_complaint_display()]
    if contact.skills:
        parts.append(contact.skills)
    if contact.team_lead:
        parts.append(str(_("team lead")))
    return " · ".join(parts)


class ShiftSeriesForm(CalendarSeriesForm):
    """ "Every Saturday 7 am-7 pm at Station 14 until June": what staff type; the walk on the calendar and the rules are
    clinical.services.plan_shift_series (the schedule generator's calendar)."""

    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.filter(is_active=True).order_by("name"))
    cohort = forms.ModelChoiceField(
        label=_("Cohort"),
        queryset=Cohort.objects.none(),
        required=False,
        help_text=_("Leave empty to open the shifts to every cohort with clinical requirements."),
    )
    capacity = forms.IntegerField(label=_("Places per shift"), min_value=1, max_value=50, initial=2)
    preceptor_name = forms.CharField(label=_("Preceptor's name"), max_length=120, required=False)
    preceptor_email = forms.EmailField(
        label=_("Preceptor's e-mail"),
        required=False,
        help_text=_("The sign-off link is e-mailed here when each shift ends."),
    )
    field_order = ["site", "cohort", "weekdays", "starts_at", "ends_at", "first_day", "last_day", "capacity"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The calendar's fields, in a shift's words: hospitals and ambulances run on holidays.
        self.fields["starts_at"].help_text = _("Chicago time, e.g. 07:00.")
        self.fields["ends_at"].help_text = _(
            "Chicago time, e.g. 19:00. An end before the start is the next morning (a night shift)."
        )
        self.fields["last_day"].label = _("Until")
        self.fields["holidays"].label = _("Days left out")
        self.fields["holidays"].help_text = _("e.g. 2027-05-29, 2027-07-03.")
        self.fields["skip_federal_holidays"].initial = False
        self.fields["cohort"].queryset = (
            Cohort.objects.current()
            .filter(course__clinical_minimums__isnull=False)
            .distinct()
            .select_related("course")
            .order_by("starts_on", "code")
        )
        self.plan: ShiftSeriesPlan | None = None
        self.series_request: ShiftSeriesRequest | None = None

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        self.series_request = ShiftSeriesRequest(
            site=data["site"],
            cohort=data.get("cohort"),
            weekdays=frozenset(data["weekdays"]),
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            first_day=data["first_day"],
            last_day=data["last_day"],
            capacity=data["capacity"],
            preceptor_name=data.get("preceptor_name", ""),
            preceptor_email=data.get("preceptor_email", ""),
            holidays=frozenset(data["holidays"]),
            skip_federal_holidays=data["skip_federal_holidays"],
        )
        try:
            self.plan = plan_shift_series(self.series_request)
        except ScheduleError as error:
            self.add_error(error.field, ValidationError(error.message, code=error.code))
        return data
