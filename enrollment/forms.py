"""Forms validate input only; the rules of the school live in enrollment/services.py."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses.models import Cohort, CredentialType
from enrollment.services import CredentialDetails, StudentDetails

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# Uploads are recognised by their first bytes, never by the name or the browser's content type.
EVIDENCE_SIGNATURES = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpg",
    b"\x89PNG\r\n\x1a\n": "png",
}


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
            raise ValidationError("Enter an international number with its country code, e.g. +44 20 7946 0958.")
        return f"+{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        raise ValidationError("Enter a 10-digit phone number, e.g. (312) 555-0142.", code="invalid_phone")
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def check_evidence(upload) -> str:
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError("The file is larger than 5 MB. Upload a smaller scan or photo.", code="too_large")
    head = upload.read(8)
    upload.seek(0)
    for signature, kind in EVIDENCE_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    raise ValidationError("Upload a PDF, JPEG or PNG file.", code="bad_type")


class SignupForm(forms.Form):
    first_name = forms.CharField(
        label="First name", max_length=80, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label="Last name", max_length=80, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    email = forms.EmailField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(
        label="Phone",
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    date_of_birth = forms.DateField(label="Date of birth", widget=DateInput(attrs={"autocomplete": "bday"}))

    def __init__(self, *args, cohort: Cohort, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        self.credential_types: list[CredentialType] = []
        for requirement in cohort.course.requirements.all():
            ctype = requirement.credential_type
            self.credential_types.append(ctype)
            prefix = f"cred_{ctype.pk}"
            self.fields[f"{prefix}_number"] = forms.CharField(
                label=f"{ctype.name} number", max_length=64, required=False
            )
            self.fields[f"{prefix}_expires"] = forms.DateField(
                label=f"{ctype.name} expiration date", required=False, widget=DateInput()
            )
            self.fields[f"{prefix}_evidence"] = forms.FileField(
                label=f"{ctype.name} scan or photo (optional)",
                required=False,
                help_text="PDF, JPEG or PNG, at most 5 MB.",
                widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"}),
            )

    def credential_groups(self) -> list[tuple[CredentialType, list[forms.BoundField]]]:
        """The credential fields grouped by type, for the template's fieldsets."""
        return [
            (ctype, [self[f"cred_{ctype.pk}_{part}"] for part in ("number", "expires", "evidence")])
            for ctype in self.credential_types
        ]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])

    def clean_date_of_birth(self) -> datetime.date:
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born >= today:
            raise ValidationError("Your date of birth must be in the past.", code="future")
        if born < today.replace(year=today.year - 100):
            raise ValidationError("Check the year of your date of birth.", code="implausible")
        if born > today.replace(year=today.year - 12):
            raise ValidationError(
                "Check your date of birth: our students are at least in their teens.", code="implausible"
            )
        return born

    def clean(self) -> dict:
        cleaned = super().clean()
        today = timezone.localdate()
        for ctype in self.credential_types:
            prefix = f"cred_{ctype.pk}"
            number = (cleaned.get(f"{prefix}_number") or "").strip()
            expires = cleaned.get(f"{prefix}_expires")
            evidence = cleaned.get(f"{prefix}_evidence")
            if f"{prefix}_expires" in self.errors:
                continue
            if number and not expires:
                self.add_error(f"{prefix}_expires", f"Enter the expiration date of your {ctype.name}.")
            elif expires and not number:
                self.add_error(f"{prefix}_number", f"Enter the number of your {ctype.name}.")
            elif expires and expires < today:
                self.add_error(f"{prefix}_expires", f"This {ctype.name} has already expired.")
            if evidence:
                try:
                    check_evidence(evidence)
                except ValidationError as error:
                    self.add_error(f"{prefix}_evidence", error)
                else:
                    if not number:
                        self.add_error(f"{prefix}_number", f"Enter the number of the {ctype.name} you uploaded.")
        return cleaned

    def student_details(self) -> StudentDetails:
        data = self.cleaned_data
        return StudentDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            date_of_birth=data["date_of_birth"],
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


class LostLinkForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="It helps us plan future cohorts.",
    )
