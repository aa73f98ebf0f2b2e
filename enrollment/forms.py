"""Forms validate input only; the rules of the school live in enrollment/services.py."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import Cohort, CredentialType
from enrollment.evidence import MAX_EVIDENCE_BYTES, sniff_file_kind
from enrollment.models import normalise_email, validate_person_name
from enrollment.services import CredentialDetails, GuardianDetails, StudentDetails
from enrollment.services.eligibility import requirements_of


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def normalise_phone(raw: str) -> str:
    """US numbers as (312) 555-0142; international numbers as +<digits>."""
    text = raw.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and not text.startswith("+1"):
        if not 8 <= len(digits) <= 15:
            raise ValidationError(_("Enter an international number with its country code, e.g. +44 20 7946 0958."))
        return f"+{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        raise ValidationError(_("Enter a 10-digit phone number, e.g. (312) 555-0142."), code="invalid_phone")
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def check_evidence(upload) -> str:
    """The kind of an uploaded scan ("pdf", "jpg" or "png"), or a ValidationError saying what to choose instead.

    A file over the limit arrives without its content (evidence.EvidenceSizeLimitUploadHandler), only its size.
    """
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("The file is larger than 5 MB: choose a smaller scan or photo, and choose the file again."),
            code="too_large",
        )
    kind = sniff_file_kind(upload)
    if kind is None:
        raise ValidationError(
            _(
                "Upload a PDF, JPEG or PNG file. This file is none of those (we read what is inside it, not its "
                "name): save the scan or photo as a PDF, JPEG or PNG and choose the file again."
            ),
            code="bad_type",
        )
    return kind


def check_credential_fields(
    form: forms.Form, ctype: CredentialType, *, number: str, expires: str, evidence: str
) -> None:
    """The input checks of one credential's number, expiration date and scan, wherever a credential is typed.

    Whether the card is valid long enough is the eligibility check's to say (services.check_eligibility), not the
    form's: it knows the course's dates.
    """
    if expires in form.errors:
        return
    typed_number = (form.cleaned_data.get(number) or "").strip()
    typed_expires = form.cleaned_data.get(expires)
    upload = form.cleaned_data.get(evidence)
    if typed_number and not typed_expires:
        form.add_error(expires, _("Enter the expiration date of your %(name)s.") % {"name": ctype.name})
    elif typed_expires and not typed_number:
        form.add_error(number, _("Enter the number of your %(name)s.") % {"name": ctype.name})
    if upload:
        try:
            check_evidence(upload)
        except ValidationError as error:
            form.add_error(evidence, error)
        else:
            if not typed_number:
                form.add_error(number, _("Enter the number of the %(name)s you uploaded.") % {"name": ctype.name})


def evidence_field(label: str) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=False,
        help_text=gettext_lazy("PDF, JPEG or PNG, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"}),
    )


class SignupForm(forms.Form):
    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        max_length=80,
        validators=[validate_person_name],
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name"),
        max_length=80,
        validators=[validate_person_name],
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    date_of_birth = forms.DateField(
        label=gettext_lazy("Date of birth"), widget=DateInput(attrs={"autocomplete": "bday"})
    )
    # Asked of applicants under 18 on the course's first day (services.needs_guardian decides; the service refuses
    # a minor's signup without them, and the form is shown again with these fields marked).
    guardian_name = forms.CharField(
        label=gettext_lazy("Parent or guardian's name"),
        max_length=160,
        required=False,
        validators=[validate_person_name],
    )
    guardian_phone = forms.CharField(
        label=gettext_lazy("Parent or guardian's phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    guardian_email = forms.EmailField(label=gettext_lazy("Parent or guardian's e-mail"), max_length=254, required=False)
    privacy_consent = forms.BooleanField(
        label=gettext_lazy("I have read the privacy notice"),
        error_messages={
            "required": gettext_lazy(
                'Tick "I have read the privacy notice" to sign up: it says what we keep about you and why.'
            )
        },
    )

    GUARDIAN_FIELDS = ("guardian_name", "guardian_phone", "guardian_email")
    GUARDIAN_MISSING = {
        "guardian_name": gettext_lazy("Enter the name of a parent or guardian."),
        "guardian_phone": gettext_lazy("Enter a phone number for the parent or guardian."),
        "guardian_email": gettext_lazy("Enter an e-mail address for the parent or guardian."),
    }

    def __init__(self, *args, cohort: Cohort, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        self.credential_types: list[CredentialType] = []
        for requirement in requirements_of(cohort):
            ctype = requirement.credential_type
            self.credential_types.append(ctype)
            prefix = f"cred_{ctype.pk}"
            # Marked required for people (the course asks for it), but left to the eligibility check: its refusal
            # says what to add and links to the course that grants the credential.
            required = {"aria-required": "true"}
            self.fields[f"{prefix}_number"] = forms.CharField(
                label=_("%(name)s number (required)") % {"name": ctype.name},
                max_length=64,
                required=False,
                widget=forms.TextInput(attrs=required),
            )
            self.fields[f"{prefix}_expires"] = forms.DateField(
                label=_("%(name)s expiration date (required)") % {"name": ctype.name},
                required=False,
                widget=DateInput(attrs=required),
            )
            self.fields[f"{prefix}_evidence"] = evidence_field(
                _("%(name)s scan or photo (optional)") % {"name": ctype.name}
            )

    def guardian_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.GUARDIAN_FIELDS]

    def guardian_required(self) -> None:
        """The service said the applicant is a minor on the course's first day: mark the guardian fields left
        empty (the view calls this on a guardian_required refusal)."""
        for name in self.GUARDIAN_FIELDS:
            if not (self.cleaned_data.get(name) or "").strip():
                self.add_error(name, self.GUARDIAN_MISSING[name])

    def drop_uploads(self) -> None:
        """A form shown again cannot keep a chosen file (browsers do not allow it): say so beside each upload
        that was otherwise fine, so the person knows to choose it again."""
        for name, upload in self.files.items():
            if name in self.fields and name not in self.errors:
                note = _(
                    "Your file %(file)s was not kept because the form needs corrections: choose the file again."
                ) % {"file": escape(upload.name)}  # crispy shows help text unescaped
                # The bound field (made by the validation) keeps its own copy of the help text.
                self.fields[name].help_text = self[name].help_text = note

    def error_summary(self) -> list[tuple[str, str]]:
        """(field id or "", message) for each error, in the form's order, for the summary at the top."""
        summary = [("", str(error)) for error in self.non_field_errors()]
        for name in self.fields:
            for error in self.errors.get(name, []):
                summary.append(
                    (self[name].id_for_label, _("%(field)s: %(error)s") % {"field": self[name].label, "error": error})
                )
        return summary

    def credential_groups(self) -> list[tuple[CredentialType, list[forms.BoundField]]]:
        """The credential fields grouped by type, for the template's fieldsets."""
        return [
            (ctype, [self[f"cred_{ctype.pk}_{part}"] for part in ("number", "expires", "evidence")])
            for ctype in self.credential_types
        ]

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])

    def clean_date_of_birth(self) -> datetime.date:
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born >= today:
            raise ValidationError(_("Your date of birth must be in the past."), code="future")
        if born < today.replace(year=today.year - 100):
            raise ValidationError(_("Check the year of your date of birth."), code="implausible")
        if born > today.replace(year=today.year - 12):
            raise ValidationError(
                _("Check your date of birth: our students are at least in their teens."), code="implausible"
            )
        return born

    def clean_guardian_phone(self) -> str:
        phone = self.cleaned_data["guardian_phone"].strip()
        return normalise_phone(phone) if phone else ""

    def clean_guardian_email(self) -> str:
        email = self.cleaned_data["guardian_email"].strip()
        return normalise_email(email) if email else ""

    def clean(self) -> dict:
        cleaned = super().clean()
        for ctype in self.credential_types:
            prefix = f"cred_{ctype.pk}"
            check_credential_fields(
                self, ctype, number=f"{prefix}_number", expires=f"{prefix}_expires", evidence=f"{prefix}_evidence"
            )
        # A guardian half given is a typo to fix now; none given is for the service to decide (by age).
        given = [name for name in self.GUARDIAN_FIELDS if (self.data.get(name) or "").strip()]
        if given:
            for name in self.GUARDIAN_FIELDS:
                if name not in given and name not in self.errors:
                    self.add_error(name, self.GUARDIAN_MISSING[name])
        return cleaned

    def student_details(self) -> StudentDetails:
        data = self.cleaned_data
        guardian = None
        if data.get("guardian_name"):
            guardian = GuardianDetails(
                name=data["guardian_name"], phone=data["guardian_phone"], email=data["guardian_email"]
            )
        return StudentDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            date_of_birth=data["date_of_birth"],
            guardian=guardian,
            consented_at=timezone.now() if data.get("privacy_consent") else None,
        )

    def credential_details(self) -> list[CredentialDetails]:
        details = []
        for ctype in self.credential_types:
            prefix = f"cred_{ctype.pk}"
            number = (self.cleaned_data.get(f"{prefix}_number") or "").strip()
            if number:
                details.append(
                    CredentialDetails(
                        credential_type=ctype,
                        number=number,
                        expires_on=self.cleaned_data.get(f"{prefix}_expires"),
                        evidence=self.cleaned_data.get(f"{prefix}_evidence") or None,
                    )
                )
        return details


class CredentialTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, ctype: CredentialType) -> str:
        return ctype.name


class CredentialForm(forms.Form):
    """A credential the course asks for, added from the student's private link (a renewed card, a missing one)."""

    credential_type = CredentialTypeChoiceField(
        label=gettext_lazy("Credential"), queryset=CredentialType.objects.none(), empty_label=None
    )
    number = forms.CharField(label=gettext_lazy("Number"), max_length=64)
    expires_on = forms.DateField(label=gettext_lazy("Expiration date"), widget=DateInput())
    evidence = evidence_field(gettext_lazy("Scan or photo (optional)"))

    def __init__(self, *args, cohort: Cohort, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["credential_type"].queryset = CredentialType.objects.filter(
            requirements__course_id=cohort.course_id
        ).order_by("name")

    def clean(self) -> dict:
        cleaned = super().clean()
        if (ctype := cleaned.get("credential_type")) is not None:
            check_credential_fields(self, ctype, number="number", expires="expires_on", evidence="evidence")
        return cleaned

    def credential_details(self) -> CredentialDetails:
        data = self.cleaned_data
        return CredentialDetails(
            credential_type=data["credential_type"],
            number=data["number"].strip(),
            expires_on=data["expires_on"],
            evidence=data.get("evidence") or None,
        )


class LostLinkForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("It helps us plan future cohorts."),
    )
