"""Back office for students, credentials, enrollments, attendance and the audit trail.

Enrollments change only through enrollment/services.py: the admin adds them with services.request_seat and shows
them read-only; the audit trail cannot be added to, changed or deleted here by anyone.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext, ngettext_lazy
from django.views.decorators.http import require_POST

from courses.admin_input import InputCheckingAdmin, KeyCheckingAutocompleteSelect, is_key, too_many_words
from courses.dates import clock_text, date_text
from courses.links import url_for
from courses.models import ClassSession, Cohort
from courses.pagination import LargeTablePaginator
from courses.spreadsheet import csv_download
from courses.widgets import escaped
from enrollment import notifications, services
from enrollment.certificates import certificate_download
from enrollment.evidence import EVIDENCE_CONTENT_TYPES, sniff_file_kind
from enrollment.forms import check_evidence
from enrollment.models import (
    ACTION_WORDS,
    Attendance,
    AttendanceStatus,
    AuditEvent,
    Certificate,
    Credential,
    Enrollment,
    EnrollmentStatus,
    ExamAttempt,
    ExamResult,
    OutgoingEmail,
    Student,
    with_seat_counts,
)
from enrollment.readiness import readiness
from enrollment.services.core import refuse_action

S = EnrollmentStatus


def when(moment: datetime.datetime | None) -> SafeString | str:
    """A time as staff read it, in Chicago time: the day on one line, the time under it (keeps columns narrow)."""
    if moment is None:
        return "-"
    local = timezone.localtime(moment)
    return SafeString(
        f'<time datetime="{local.isoformat()}"><span class="cell-line">{escaped(date_text(local.date()))}</span> '
        f'<span class="cell-line">{escaped(clock_text(local))}</span></time>'
    )


def status_in_words(enrollment: Enrollment, *, position: int | None = None) -> str:
    """The status as staff read it: "Waitlisted (#3)", "Seat offered until Dec 3, 5:00 PM"."""
    label = enrollment.get_status_display()
    if enrollment.status == EnrollmentStatus.WAITLISTED and position:
        return _("%(status)s (#%(position)s)") % {"status": label, "position": position}
    if enrollment.status == EnrollmentStatus.OFFERED and enrollment.offer_expires_at:
        deadline = date_format(timezone.localtime(enrollment.offer_expires_at), "M j, g:i A")
        return _("%(status)s until %(deadline)s") % {"status": label, "deadline": deadline}
    return label


def page_of(enrollment: Enrollment) -> str:
    """The enrollment's page in the back office."""
    return url_for("admin:enrollment_enrollment_change", enrollment.pk)


def evidence_url(credential: Credential) -> str:
    """The permission-checked address of a credential's evidence (never its media URL, which is not served)."""
    return reverse("admin:enrollment_credential_evidence", args=[credential.pk])


@admin.display(description=_lazy("Evidence"))
def evidence_link(credential: Credential) -> SafeString | str:
    if credential.pk is None or not credential.evidence:
        return "-"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>', evidence_url(credential), _("View evidence")
    )


class CredentialAdminForm(forms.ModelForm):
    """A credential typed in by staff: its evidence is checked as the student's is (kind by content, at most 5 MB)."""

    class Meta:
        model = Credential
        fields = ["student", "credential_type", "number", "issued_on", "expires_on", "evidence"]

    def clean_evidence(self):
        evidence = self.cleaned_data.get("evidence")
        if isinstance(evidence, UploadedFile):  # a new upload, not the file on record
            check_evidence(evidence)
        return evidence


class EvidenceFieldsMixin:
    """The evidence field as an upload box only: Django's own widget and read-only display would link to the file's
    media URL, and evidence is shown through CredentialAdmin.evidence_view alone (the `evidence_link` column)."""

    form = CredentialAdminForm
    formfield_overrides = {models.FileField: {"widget": forms.FileInput}}

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_fields(request, obj))
        if not self.has_change_permission(request, obj):
            fields = [f for f in fields if f != "evidence"]  # read-only users would see the media URL
        return fields


class CredentialInline(EvidenceFieldsMixin, admin.TabularInline):
    model = Credential
    extra = 0
    fields = [
        "credential_type",
        "number",
        "issued_on",
        "expires_on",
        "evidence",
        "evidence_link",
        "status",
        "verified_by",
    ]
    # Decisions are recorded by the services (who and when), through the credential actions; not typed in here.
    readonly_fields = ["evidence_link", "status", "verified_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Credential]:
        # Each row is labelled with str(credential), which reads the type and the student.
        return super().get_queryset(request).select_related("credential_type", "student", "verified_by")

    @admin.display(description=_lazy("Evidence"))
    def evidence_link(self, credential: Credential) -> SafeString | str:
        return evidence_link(credential)


class EnrollmentInline(admin.TabularInline):
    """The student's enrollments, read-only: they are made and changed through enrollment/services.py."""

    model = Enrollment
    extra = 0
    fields = ["cohort", "status", "created_at", "status_changed_at", "offer_expires_at"]
    readonly_fields = fields
    ordering = ["-created_at"]
    show_change_link = True
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enrollment]:
        return super().get_queryset(request).select_related("student", "cohort")

    def has_add_permission(self, request: HttpRequest, obj: Student | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Student | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Student | None = None) -> bool:
        return False


@admin.register(Student)
class StudentAdmin(InputCheckingAdmin, admin.ModelAdmin):
    paginator = LargeTablePaginator
    show_full_result_count = False
    list_display = ["name", "email", "phone", "date_of_birth", "created_at"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    ordering = ["last_name", "first_name"]
    fields = ["first_name", "last_name", "email", "phone", "date_of_birth", "created_at"]
    readonly_fields = ["created_at"]
    inlines = [CredentialInline, EnrollmentInline]

    @admin.display(description=_lazy("Name"), ordering="last_name")
    def name(self, student: Student) -> str:
        return student.full_name

    def has_delete_permission(self, request: HttpRequest, obj: Student | None = None) -> bool:
        # Someone who ever signed up keeps their record: the enrollments (and their history) protect it.
        if obj is not None and obj.enrollments.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.action(description=_lazy("Verify selected credentials"), permissions=["change"])
def verify_credentials(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Credential]) -> None:
    approved: list[Enrollment] = []

    def verify(credential: Credential) -> None:
        approved.extend(services.verify_credential(credential=credential, actor=request.user).approved)

    apply_to_each(
        request,
        queryset,
        done=ngettext_lazy("%(count)s verified", "%(count)s verified", "count"),
        change=verify,
        label=str,
    )
    if approved:
        messages.success(
            request,
            _("Reviews finished, the last awaited credential verified: %(enrollments)s now enrolled.")
            % {"enrollments": ", ".join(enrollment_label(e) for e in approved)},
        )


@admin.action(description=_lazy("Reject selected credentials (asks for a reason)"), permissions=["change"])
def reject_credentials(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Credential]
) -> TemplateResponse | None:
    return ask_reason_then_apply(
        modeladmin,
        request,
        queryset,
        title=_("Reject credentials"),
        explanation=_(
            "A rejected credential no longer meets any course requirement. The reason is kept in the audit trail."
        ),
        done=ngettext_lazy("%(count)s rejected", "%(count)s rejected", "count"),
        change=lambda credential, reason: services.reject_credential(
            credential=credential, actor=request.user, reason=reason
        ),
        label=str,
        describe=lambda credential: (
            _("%(row)s (%(status)s)") % {"row": credential, "status": credential.get_status_display().lower()}
        ),
    )


class ExpiresSoonFilter(admin.SimpleListFilter):
    """Credentials that run out soon: students to remind before a course requirement lapses."""

    title = _lazy("expiry")
    parameter_name = "expires"
    DAYS = 60

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(f"{self.DAYS}d", _("Expires within %(days)s days") % {"days": self.DAYS})]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Credential]) -> QuerySet[Credential]:
        if self.value() == f"{self.DAYS}d":
            return queryset.expiring_within(self.DAYS)
        return queryset


@admin.register(Credential)
class CredentialAdmin(InputCheckingAdmin, EvidenceFieldsMixin, admin.ModelAdmin):
    actions = [verify_credentials, reject_credentials]
    list_display = ["student", "credential_type", "number", "expires_on", "status", "evidence_link"]
    list_filter = ["status", ExpiresSoonFilter, "credential_type"]
    list_select_related = ["student", "credential_type"]
    search_fields = ["number", "student__first_name", "student__last_name", "student__email"]
    ordering = ["student__last_name", "student__first_name", "credential_type__name"]
    date_hierarchy = "expires_on"
    autocomplete_fields = ["student"]
    fields = [
        "student",
        "credential_type",
        "number",
        "issued_on",
        "expires_on",
        "evidence",
        "evidence_link",
        "status",
        "verified_by",
        "verified_at",
        "created_at",
    ]
    # Decisions are recorded by the services (who and when), through the actions above; they are not typed in here.
    readonly_fields = ["evidence_link", "status", "verified_by", "verified_at", "created_at"]

    @admin.display(description=_lazy("Evidence"))
    def evidence_link(self, credential: Credential) -> SafeString | str:
        return evidence_link(credential)

    def get_urls(self) -> list[URLPattern]:
        evidence = path(
            "<path:object_id>/evidence/",
            self.admin_site.admin_view(self.evidence_view),
            name="enrollment_credential_evidence",
        )
        return [evidence, *super().get_urls()]

    def evidence_view(self, request: HttpRequest, object_id: str) -> FileResponse:
        """The uploaded evidence, to staff who may view credentials; there is no public media URL."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        credential = self.get_object(request, unquote(object_id))
        if credential is None or not credential.evidence:
            raise Http404(_("No evidence on file."))
        try:
            handle = credential.evidence.open("rb")
        except FileNotFoundError as missing:
            raise Http404(_("The evidence file is missing.")) from missing
        # The type comes from the file's first bytes (as at upload), never from its name; anything else downloads.
        kind = sniff_file_kind(handle)
        response = FileResponse(
            handle,
            content_type=EVIDENCE_CONTENT_TYPES.get(kind, "application/octet-stream"),
            as_attachment=kind is None,
            filename=f"credential-{credential.pk}.{kind or 'bin'}",
        )
        patch_cache_control(response, private=True, no_store=True)
        return response


class StaffSignupForm(forms.Form):
    """Staff sign an existing student up for a cohort (EnrollmentAdmin.sign_up_view); the rules are the service's."""

    def __init__(self, *args: Any, admin_site: admin.AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["student"] = forms.ModelChoiceField(
            queryset=Student.objects.all(),
            label=_("Student"),
            widget=KeyCheckingAutocompleteSelect(Enrollment._meta.get_field("student"), admin_site),
        )
        self.fields["cohort"] = forms.ModelChoiceField(
            queryset=Cohort.objects.current(),
            label=_("Cohort"),
            help_text=_("Cohorts that are not cancelled or completed."),
            widget=KeyCheckingAutocompleteSelect(Enrollment._meta.get_field("cohort"), admin_site),
        )


class AttendanceRecordForm(forms.Form):
    """One student's attendance at one session, recorded or corrected through services.record_attendance
    (AttendanceAdmin.record_view), with the portal's rules and an audit row."""

    def __init__(self, *args: Any, admin_site: admin.AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enrollment"] = forms.ModelChoiceField(
            queryset=Enrollment.objects.select_related("student", "cohort"),
            label=_("Enrollment"),
            widget=KeyCheckingAutocompleteSelect(Attendance._meta.get_field("enrollment"), admin_site),
        )
        self.fields["session"] = forms.ModelChoiceField(
            queryset=ClassSession.objects.select_related("cohort"),
            label=_("Class session"),
            widget=KeyCheckingAutocompleteSelect(Attendance._meta.get_field("session"), admin_site),
        )
        self.fields["status"] = forms.ChoiceField(label=_("Status"), choices=AttendanceStatus.choices)
        self.fields["minutes"] = forms.IntegerField(
            label=_("Minutes"),
            min_value=0,
            max_value=24 * 60,
            help_text=_("Minutes in class; absent and excused record 0."),
        )


def admin_form_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    title: str,
    form: forms.Form,
    explanation: str = "",
    submit: str = "",
    cancel_url: str = "",
) -> TemplateResponse:
    """A back-office page with one form, for the custom admin views that write through a service. The button reads
    `submit` (the title when not given); `cancel_url` adds a way back without doing anything."""
    context = form_page_context(modeladmin, request, title=title, explanation=explanation, form=form)
    context.update({"submit_label": submit or title, "cancel_url": cancel_url})
    return TemplateResponse(request, "admin/enrollment/form_page.html", context)


def form_page_context(
    modeladmin: admin.ModelAdmin, request: HttpRequest, *, title: str, explanation: str, form: forms.Form
) -> dict[str, Any]:
    """What every back-office page with a form shows: the site's frame, the title, a sentence and the form."""
    return {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "explanation": explanation,
        "form": form,
        "opts": modeladmin.model._meta,
        "media": modeladmin.media + form.media,
    }


# --- enrollment actions: each row goes through a service, and the outcome is reported row by row -----------------


def enrollment_label(enrollment: Enrollment) -> str:
    return _("%(student)s in %(cohort)s") % {"student": enrollment.student, "cohort": enrollment.cohort.code}


def in_order(queryset: QuerySet) -> QuerySet:
    """The selected rows in a stable order, with what their labels read."""
    if queryset.model is Credential:
        return queryset.select_related("student", "credential_type").order_by("pk")
    return queryset.select_related("student", "cohort").order_by("created_at", "pk")


def apply_to_each(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    done: str,
    change: Callable[[Any], object],
    label: Callable[[Any], str] = enrollment_label,
    done_values: dict[str, object] | None = None,
) -> None:
    """Call `change` on each selected row and report, e.g. "3 approved; 1 skipped: EMT-2027-SPR-EVE is full".

    `done` says how many rows were changed: a message with %(count)s (ngettext_lazy(..., "count")) and the names in
    `done_values`. Each call is its own transaction (the service's), so one refusal leaves the other rows' changes in
    place and is itself never half-applied.
    """
    changed, skipped = 0, []
    for row in in_order(queryset):
        try:
            change(row)
        except services.EnrollmentError as error:
            skipped.append(_("%(row)s: %(error)s") % {"row": label(row), "error": error.message})
        else:
            changed += 1
    report = done % {"count": changed, **(done_values or {})}
    if skipped:
        report = ngettext(
            "%(done)s; %(count)s skipped: %(skipped)s", "%(done)s; %(count)s skipped: %(skipped)s", len(skipped)
        ) % {"done": report, "count": len(skipped), "skipped": " ".join(skipped)}
    level = messages.SUCCESS if not skipped else messages.WARNING if changed else messages.ERROR
    messages.add_message(request, level, report)


class StudentMessageForm(forms.Form):
    body = forms.CharField(
        label=_lazy("Message to the student"),
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        max_length=4000,
        help_text=_lazy("Plain text. The student reads exactly this."),
    )


class CompleteForm(forms.Form):
    """Completing a ready student needs no input; one who is not ready needs staff's written reason."""

    override_reason = forms.CharField(
        label=_lazy("Why complete without every requirement?"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=2000,
        required=False,
        help_text=_lazy("Recorded in the enrollment's history and shown on its page."),
    )

    def __init__(self, *args: Any, ready: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if ready:
            del self.fields["override_reason"]

    def clean_override_reason(self) -> str:
        reason = self.cleaned_data["override_reason"].strip()
        if not reason:
            raise ValidationError(
                _("The student is not ready: a written reason is needed to complete them anyway."), code="required"
            )
        return reason


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=2000,
        help_text=_lazy("Recorded in the enrollment's history."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give a reason."), code="required")
        return reason


def ask_reason_then_apply(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Enrollment],
    *,
    title: str,
    explanation: str,
    done: str,
    change: Callable[[Any, str], object],
    label: Callable[[Any], str] = enrollment_label,
    describe: Callable[[Any], str] | None = None,
) -> TemplateResponse | None:
    """An action with an intermediate page asking for a reason; applied once the page is submitted."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        apply_to_each(request, queryset, done=done, change=lambda row: change(row, reason), label=label)
        return None  # back to the changelist
    rows = [(row.pk, (describe or with_status)(row)) for row in in_order(queryset)]
    return action_form_page(modeladmin, request, title=title, explanation=explanation, form=form, rows=rows)


def with_status(enrollment: Enrollment) -> str:
    """A selected enrollment on an action's page: "Ana Diaz in EMT-2027-SPR-EVE (pending review)"."""
    return _("%(row)s (%(status)s)") % {
        "row": enrollment_label(enrollment),
        "status": enrollment.get_status_display().lower(),
    }


def action_form_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    title: str,
    explanation: str,
    form: forms.Form,
    rows: list[tuple[int, str]],
) -> TemplateResponse:
    """The page between choosing an action and applying it, for actions that need more than a click."""
    context = {
        **form_page_context(modeladmin, request, title=title, explanation=explanation, form=form),
        "rows": rows,
        "action": request.POST["action"],
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "preserved_filters": modeladmin.get_preserved_filters(request),
    }
    return TemplateResponse(request, "admin/enrollment/enrollment/action_form.html", context)


@admin.action(description=_lazy("Approve selected pending enrollments"), permissions=["change"])
def approve_selected(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Enrollment]) -> None:
    apply_to_each(
        request,
        queryset,
        done=ngettext_lazy("%(count)s approved", "%(count)s approved", "count"),
        change=lambda enrollment: services.approve(enrollment=enrollment, actor=request.user),
    )


@admin.action(description=_lazy("Reject selected enrollments (asks for a reason)"), permissions=["change"])
def reject_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Enrollment]
) -> TemplateResponse | None:
    return ask_reason_then_apply(
        modeladmin,
        request,
        queryset,
        title=_("Reject enrollments"),
        explanation=_("The reason is e-mailed to each student."),
        done=ngettext_lazy("%(count)s rejected", "%(count)s rejected", "count"),
        change=lambda enrollment, reason: services.reject(enrollment=enrollment, actor=request.user, reason=reason),
    )


@admin.action(description=_lazy("Withdraw selected enrollments (asks for a reason)"), permissions=["change"])
def withdraw_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Enrollment]
) -> TemplateResponse | None:
    return ask_reason_then_apply(
        modeladmin,
        request,
        queryset,
        title=_("Withdraw enrollments"),
        explanation=_("Each student is e-mailed; a freed seat is offered to the next person on the waitlist."),
        done=ngettext_lazy("%(count)s withdrawn", "%(count)s withdrawn", "count"),
        change=lambda enrollment, reason: services.withdraw(enrollment=enrollment, actor=request.user, reason=reason),
    )


class CohortChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, cohort: Cohort) -> str:
        values = {
            "code": cohort.code,
            "course": cohort.course.title,
            "day": date_format(cohort.starts_on, "M j, Y"),
            "free": cohort.seats_left,
            "capacity": cohort.capacity,
            "waiting": cohort.waitlist_count,
        }
        if cohort.waitlist_count:
            return (
                _("%(code)s: %(course)s, starts %(day)s; %(free)s of %(capacity)s seats free, %(waiting)s waiting")
                % values
            )
        return _("%(code)s: %(course)s, starts %(day)s; %(free)s of %(capacity)s seats free") % values


class MoveForm(forms.Form):
    to_cohort = CohortChoiceField(
        queryset=Cohort.objects.none(),
        label=_lazy("Move to"),
        help_text=_lazy("Cohorts that are not cancelled or completed, by start date, with their free seats now."),
    )
    reason = forms.CharField(
        label=_lazy("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_lazy('Recorded in the history after "Moved to <cohort>".'),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_cohort"].queryset = (
            with_seat_counts(Cohort.objects.current()).select_related("course").order_by("starts_on", "code")
        )


@admin.action(description=_lazy("Move selected to another cohort (asks which)"), permissions=["change"])
def move_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Enrollment]
) -> TemplateResponse | None:
    form = MoveForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        target, reason = form.cleaned_data["to_cohort"], form.cleaned_data["reason"]
        landed: Counter[str] = Counter()

        def change(enrollment: Enrollment) -> None:
            new = services.move(enrollment=enrollment, to_cohort=target, actor=request.user, reason=reason)
            landed[new.get_status_display().lower()] += 1

        apply_to_each(
            request,
            queryset,
            done=ngettext_lazy("%(count)s moved to %(cohort)s", "%(count)s moved to %(cohort)s", "count"),
            done_values={"cohort": target.code},
            change=change,
        )
        if landed:
            outcome = ", ".join(
                _("%(count)s %(status)s") % {"count": n, "status": status} for status, n in sorted(landed.items())
            )
            messages.info(request, _("In %(cohort)s: %(outcome)s.") % {"cohort": target.code, "outcome": outcome})
        return None  # back to the changelist
    return action_form_page(
        modeladmin,
        request,
        title=_("Move to another cohort"),
        explanation=_(
            "Each student is signed up for the chosen cohort under the usual rules (age, required credentials, "
            "capacity and waitlist; its enrollment window does not apply), and may land enrolled, pending review or "
            "on its waitlist. Only then is the old enrollment withdrawn and its seat offered to its waitlist. A "
            "student the new cohort refuses keeps the old enrollment."
        ),
        form=form,
        rows=[(e.pk, with_status(e)) for e in in_order(queryset)],
    )


@admin.action(
    description=_lazy(
        "Mark selected as completed (ready students only; grants the credential, issues the certificate)"
    ),
    permissions=["change"],
)
def complete_selected(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Enrollment]) -> None:
    """Completes the ready students; a student who is not ready is skipped with what is missing (the enrollment's
    "Complete" button asks for the written reason that completes them anyway)."""
    not_ready = []

    def complete(enrollment: Enrollment) -> None:
        try:
            services.complete(enrollment=enrollment, actor=request.user)
        except services.EnrollmentError as error:
            if error.code == "not_ready":
                not_ready.append(enrollment)
            raise

    apply_to_each(
        request,
        queryset,
        done=ngettext_lazy("%(count)s completed", "%(count)s completed", "count"),
        change=complete,
    )
    if not_ready:
        messages.info(
            request,
            _(
                'To complete a student who is not ready, open their enrollment and press "Complete the course": it '
                "asks for the written reason."
            ),
        )


@admin.action(description=_lazy("Mark selected as did not complete (asks for a reason)"), permissions=["change"])
def did_not_complete_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Enrollment]
) -> TemplateResponse | None:
    return ask_reason_then_apply(
        modeladmin,
        request,
        queryset,
        title=_("Mark enrollments as did not complete"),
        explanation=_("No credential is granted."),
        done=ngettext_lazy("%(count)s marked as did not complete", "%(count)s marked as did not complete", "count"),
        change=lambda enrollment, reason: services.mark_did_not_complete(
            enrollment=enrollment, actor=request.user, reason=reason
        ),
    )


CSV_HEADER = [
    _lazy("Student"),
    _lazy("Email"),
    _lazy("Phone"),
    _lazy("Cohort"),
    _lazy("Course"),
    _lazy("Status"),
    _lazy("Created"),
    _lazy("Waitlist position"),
]


@admin.action(description=_lazy("Export selected enrollments as CSV"), permissions=["view"])
def export_csv(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Enrollment]) -> HttpResponse:
    rows = (
        queryset.with_waitlist_position()
        .select_related("student", "cohort__course")
        .order_by("cohort__starts_on", "cohort__code", "student__last_name", "student__first_name", "pk")
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_download(
        f"enrollments-{stamp}.csv",
        CSV_HEADER,
        (
            [
                enrollment.student.full_name,
                enrollment.student.email,
                enrollment.student.phone,
                enrollment.cohort.code,
                enrollment.cohort.course.title,
                enrollment.get_status_display(),
                timezone.localtime(enrollment.created_at).strftime("%Y-%m-%d %H:%M"),
                enrollment.waitlist_position,
            ]
            for enrollment in rows
        ),
    )


class PendingTooLongFilter(admin.SimpleListFilter):
    """Pending review for more than 48 hours: the students who have waited longest for staff."""

    title = _lazy("waiting for review")
    parameter_name = "pending"
    HOURS = 48

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("over48h", _("Pending for more than %(hours)s h") % {"hours": self.HOURS})]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
        if self.value() == "over48h":
            cutoff = timezone.now() - datetime.timedelta(hours=self.HOURS)
            return queryset.filter(status=EnrollmentStatus.PENDING_REVIEW, status_changed_at__lt=cutoff)
        return queryset


class CurrentCohortFilter(admin.SimpleListFilter):
    """Cohorts that are not finished: listing all of ten years' cohorts would make a filter nobody can use.
    Older cohorts are found by searching their code, or from the cohort's own page."""

    title = _lazy("cohort (current)")
    parameter_name = "cohort"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        # Strings, as the query string gives them back: the facet counts pass these values to queryset() as they are.
        current = Cohort.objects.current().order_by("starts_on", "code").only("pk", "code")
        return [(str(cohort.pk), cohort.code) for cohort in current]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
        value = self.value()
        if not value:
            return queryset
        if not is_key(Cohort._meta.pk, value):  # not a number, or beyond the column's range
            return queryset.none()
        return queryset.filter(cohort_id=int(value))


@admin.register(Enrollment)
class EnrollmentAdmin(InputCheckingAdmin, admin.ModelAdmin):
    paginator = LargeTablePaginator
    show_full_result_count = False
    # Fits a 1366 px laptop beside the filters: the waitlist place and an offer's deadline are part of the status.
    list_display = ["student", "cohort_code", "status_detail", "signed_up", "changed"]
    list_filter = ["status", PendingTooLongFilter, "cohort__course", CurrentCohortFilter, "created_at"]
    list_select_related = ["student", "cohort"]
    search_fields = ["student__first_name", "student__last_name", "student__email", "cohort__code"]
    ordering = ["-created_at"]
    autocomplete_fields = ["student", "cohort"]
    fieldsets = [
        (None, {"fields": ["student", "cohort", "status", "reason"]}),
        (_lazy("Dates"), {"fields": ["created_at", "status_changed_at", "waitlisted_at", "offer_expires_at"]}),
        # What the public signup form collected: the privacy consent, and a minor's parent or guardian.
        (
            _lazy("Signup"),
            {"fields": ["privacy_consent_at", "guardian_name", "guardian_phone", "guardian_email", "moved_from"]},
        ),
    ]
    # The history is drawn by the page's template, in words (actions, statuses, the credential named).
    change_form_template = "admin/enrollment/enrollment/change_form.html"
    readonly_fields = ["privacy_consent_at", "moved_from"]
    actions = [
        approve_selected,
        reject_selected,
        withdraw_selected,
        move_selected,
        complete_selected,
        did_not_complete_selected,
        export_csv,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enrollment]:
        # Autocomplete results (attendance) are labelled with str(enrollment): student and cohort. The waitlist
        # position is counted in the same query, so the changelist does not run one query per row.
        return super().get_queryset(request).select_related("student", "cohort").with_waitlist_position()

    def get_urls(self) -> list[URLPattern]:
        review = path(
            "review/", self.admin_site.admin_view(self.review_queue_view), name="enrollment_enrollment_review"
        )
        # "Add enrollment" is a page that asks the service for a seat, not a model form that saves a row.
        add = path("add/", self.admin_site.admin_view(self.sign_up_view), name="enrollment_enrollment_add")
        resolve = path(
            "<path:object_id>/resolve-details/",
            self.admin_site.admin_view(self.resolve_details_view),
            name="enrollment_enrollment_resolve_details",
        )
        decisions = [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(view),
                name=f"enrollment_enrollment_{name}",
            )
            for name, view in [
                ("approve", self.approve_view),
                ("reject", self.reject_view),
                ("move", self.move_view),
                ("withdraw", self.withdraw_view),
                ("message", self.message_view),
                ("complete", self.complete_view),
            ]
        ]
        certificate = path(
            "<path:object_id>/certificate.pdf",
            self.admin_site.admin_view(self.certificate_view),
            name="enrollment_enrollment_certificate",
        )
        registry = path(
            "registry-export/<int:cohort_id>/",
            self.admin_site.admin_view(self.registry_export_view),
            name="enrollment_enrollment_registry_export",
        )
        credential_decisions = [
            path(
                f"<path:object_id>/credentials/<int:credential_id>/{name}/",
                self.admin_site.admin_view(view),
                name=f"enrollment_enrollment_credential_{name}",
            )
            for name, view in [("verify", self.verify_credential_view), ("reject", self.reject_credential_view)]
        ]
        # The credential ones first: `<path:object_id>/reject/` would also match a credential's reject URL.
        return [review, add, resolve, registry, certificate, *credential_decisions, *decisions, *super().get_urls()]

    # --- the enrollment's page: its status, the decisions legal from it, credentials, messages, history ----------

    # The buttons of the enrollment's page: the TRANSITIONS action each stands for, its label, its view's URL name.
    PAGE_ACTIONS = [
        ("approve", _lazy("Approve"), "approve"),
        ("reject", _lazy("Reject"), "reject"),
        ("move_out", _lazy("Move to another cohort"), "move"),
        ("withdraw", _lazy("Withdraw"), "withdraw"),
        ("complete", _lazy("Complete the course"), "complete"),
    ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        enrollment = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if enrollment is not None and self.has_view_permission(request, enrollment):
            context.update(self.enrollment_page_context(request, enrollment))
        return super().change_view(request, object_id, form_url, context)

    def enrollment_page_context(self, request: HttpRequest, enrollment: Enrollment) -> dict[str, Any]:
        """What the enrollment's page shows above and below its details, in a fixed number of queries."""
        may_decide = self.has_change_permission(request)
        credentials = list(
            enrollment.student.credentials.select_related("credential_type", "verified_by").order_by(
                "credential_type__name", "-expires_on", "pk"
            )
        )
        history = list(
            AuditEvent.objects.filter(
                Q(enrollment=enrollment)
                | Q(
                    enrollment__isnull=True,
                    action__startswith="credential.",
                    data__credential__in=[c.pk for c in credentials],
                )
            )
            .select_related("actor")
            .order_by("at", "pk")
        )
        by_pk = {c.pk: c for c in credentials}
        for event in history:
            event.credential = by_pk.get(event.credential_id)
        certificate = Certificate.objects.filter(enrollment=enrollment).select_related("revoked_by").first()
        return {
            "readiness": readiness(enrollment) if enrollment.status in (S.ENROLLED, S.COMPLETED) else None,
            "certificate": certificate,
            "override": next((e for e in history if e.action == "enrollment.completed_not_ready"), None),
            "exam_attempts": list(enrollment.exam_attempts.order_by("number")) if certificate else [],
            "status_words": status_in_words(enrollment, position=getattr(enrollment, "waitlist_position", None)),
            "page_actions": [
                (label, reverse(f"admin:enrollment_enrollment_{name}", args=[enrollment.pk]), key == "approve")
                for key, label, name in self.PAGE_ACTIONS
                if may_decide and enrollment.can(key)
            ],
            "may_decide": may_decide,
            "credentials": credentials,
            "student_messages": list(enrollment.messages.select_related("written_by")),
            "history": history,
            "message_url": reverse("admin:enrollment_enrollment_message", args=[enrollment.pk]),
        }

    def decided_enrollment(self, request: HttpRequest, object_id: str) -> Enrollment:
        """The enrollment a decision view is about, for staff who may change enrollments (403 otherwise, 404 when
        there is no such enrollment)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        enrollment = self.get_object(request, unquote(object_id))
        if enrollment is None:
            raise Http404(_("No such enrollment."))
        return enrollment

    def back_to(self, enrollment: Enrollment) -> HttpResponse:
        return redirect(page_of(enrollment))

    def refused(self, request: HttpRequest, enrollment: Enrollment, action: str) -> HttpResponse | None:
        """Back to the page with the rule's sentence when `action` is not legal from the enrollment's status."""
        try:
            refuse_action(enrollment, action)
        except services.EnrollmentError as error:
            messages.error(request, error.message)
            return self.back_to(enrollment)
        return None

    @method_decorator(require_POST)
    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Approve a pending enrollment (services.approve verifies the credentials it waited for)."""
        enrollment = self.decided_enrollment(request, object_id)
        try:
            enrollment = services.approve(enrollment=enrollment, actor=request.user)
        except services.EnrollmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(student)s is enrolled in %(cohort)s.")
                % {"student": enrollment.student, "cohort": enrollment.cohort.code},
            )
        return self.back_to(enrollment)

    def reason_view(
        self,
        request: HttpRequest,
        object_id: str,
        *,
        action: str,
        title: str,
        explanation: str,
        required: bool,
        decide: Callable[[Enrollment, str], Enrollment],
        done: str,
    ) -> HttpResponse:
        """A decision that asks for a reason first (reject, withdraw): the form, then the service."""
        enrollment = self.decided_enrollment(request, object_id)
        if (refusal := self.refused(request, enrollment, action)) is not None:
            return refusal
        form = ReasonForm(request.POST or None)
        form.fields["reason"].required = required
        if request.method == "POST" and form.is_valid():
            try:
                enrollment = decide(enrollment, form.cleaned_data["reason"])
            except services.EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                messages.success(request, done % {"student": enrollment.student, "cohort": enrollment.cohort.code})
                return self.back_to(enrollment)
        return admin_form_page(
            self,
            request,
            title=_("%(title)s: %(enrollment)s") % {"title": title, "enrollment": enrollment_label(enrollment)},
            form=form,
            explanation=explanation,
            submit=title,
            cancel_url=page_of(enrollment),
        )

    def reject_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.reason_view(
            request,
            object_id,
            action="reject",
            title=_("Reject"),
            explanation=_("The reason is e-mailed to the student. A seat it frees is offered to the waitlist."),
            required=True,
            decide=lambda e, reason: services.reject(enrollment=e, actor=request.user, reason=reason),
            done=_("%(student)s: rejected from %(cohort)s."),
        )

    def withdraw_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.reason_view(
            request,
            object_id,
            action="withdraw",
            title=_("Withdraw"),
            explanation=_(
                "The student is e-mailed, with the reason. A seat it frees is offered to the next person waiting."
            ),
            required=True,
            decide=lambda e, reason: services.withdraw(enrollment=e, actor=request.user, reason=reason),
            done=_("%(student)s: withdrawn from %(cohort)s."),
        )

    def move_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Move the student to another cohort (services.move); the new enrollment's page follows."""
        enrollment = self.decided_enrollment(request, object_id)
        if (refusal := self.refused(request, enrollment, "move_out")) is not None:
            return refusal
        form = MoveForm(request.POST or None)
        form.fields["to_cohort"].queryset = form.fields["to_cohort"].queryset.exclude(pk=enrollment.cohort_id)
        if request.method == "POST" and form.is_valid():
            target = form.cleaned_data["to_cohort"]
            try:
                new = services.move(
                    enrollment=enrollment, to_cohort=target, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except services.EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                messages.success(
                    request,
                    _("%(student)s moved from %(old)s to %(new)s: %(status)s there.")
                    % {
                        "student": new.student,
                        "old": enrollment.cohort.code,
                        "new": target.code,
                        "status": new.get_status_display().lower(),
                    },
                )
                return self.back_to(new)
        return admin_form_page(
            self,
            request,
            title=_("Move to another cohort: %(enrollment)s") % {"enrollment": enrollment_label(enrollment)},
            form=form,
            submit=_("Move to another cohort"),
            cancel_url=page_of(enrollment),
            explanation=_(
                "The student is signed up for the chosen cohort under the usual rules (age, required credentials, "
                "capacity and waitlist; not its enrollment window) and may land enrolled, pending review or on its "
                "waitlist. Only then is this enrollment withdrawn and its seat offered to its waitlist."
            ),
        )

    def message_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Write to the student: shown on their status page and e-mailed (services.send_student_message)."""
        enrollment = self.decided_enrollment(request, object_id)
        form = StudentMessageForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.send_student_message(enrollment=enrollment, actor=request.user, body=form.cleaned_data["body"])
            except services.EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                messages.success(
                    request,
                    _("Message sent to %(student)s; it is also on their status page.")
                    % {"student": enrollment.student},
                )
                return self.back_to(enrollment)
        return admin_form_page(
            self,
            request,
            title=_("Write to the student: %(enrollment)s") % {"enrollment": enrollment_label(enrollment)},
            form=form,
            submit=_("Send to the student"),
            cancel_url=page_of(enrollment),
            explanation=_(
                "The student reads this: it is e-mailed to %(email)s and shown on their status page. Internal notes "
                "belong in a decision's reason, which stays in the history."
            )
            % {"email": enrollment.student.email},
        )

    def complete_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Complete the course: a confirmation when the student is ready; otherwise what is missing and a written
        reason, which completes them anyway (services.complete with override, audited and shown on the page)."""
        enrollment = self.decided_enrollment(request, object_id)
        if (refusal := self.refused(request, enrollment, "complete")) is not None:
            return refusal
        ready = readiness(enrollment)
        # A ready student's form has no field: an empty POST is still a submitted form.
        form = CompleteForm(request.POST if request.method == "POST" else None, ready=ready.ready)
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data.get("override_reason", "")
            try:
                enrollment = services.complete(
                    enrollment=enrollment, actor=request.user, override=not ready.ready, override_reason=reason
                )
            except services.EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                messages.success(
                    request,
                    _("%(student)s has completed %(cohort)s; the certificate of completion is issued.")
                    % {"student": enrollment.student, "cohort": enrollment.cohort.code},
                )
                return self.back_to(enrollment)
        context = form_page_context(
            self,
            request,
            title=_("Complete the course: %(enrollment)s") % {"enrollment": enrollment_label(enrollment)},
            explanation=_(
                "Completing grants the credential the course grants and issues the certificate of completion, whose "
                "code anyone can check on the public verification page."
            ),
            form=form,
        )
        context.update(
            {
                "submit_label": _("Complete the course") if ready.ready else _("Complete without every requirement"),
                "cancel_url": page_of(enrollment),
                "readiness": ready,
            }
        )
        return TemplateResponse(request, "admin/enrollment/enrollment/complete.html", context)

    def certificate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The enrollment's certificate of completion as a PDF, for staff (revoked ones too: it is their record)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        key = unquote(object_id)
        if not is_key(Enrollment._meta.pk, key):
            raise Http404(_("No such enrollment."))
        certificate = (
            Certificate.objects.select_related("enrollment__student", "enrollment__cohort__course")
            .filter(enrollment_id=key)
            .first()
        )
        if certificate is None:
            raise Http404(_("This enrollment has no certificate."))
        return certificate_download(certificate)

    def registry_export_view(self, request: HttpRequest, cohort_id: int) -> HttpResponse:
        """A cohort's completion roster for verifying students in the National Registry: name, date of birth,
        e-mail, course, completion date and certificate code; revoked certificates are left out."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        cohort = Cohort.objects.select_related("course").filter(pk=cohort_id).first()
        if cohort is None:
            raise Http404(_("No such cohort."))
        certificates = (
            Certificate.objects.valid()
            .filter(enrollment__cohort=cohort, enrollment__status=S.COMPLETED)
            .select_related("enrollment__student")
            .order_by("enrollment__student__last_name", "enrollment__student__first_name", "pk")
        )
        header = [
            _("Last name"),
            _("First name"),
            _("Date of birth"),
            _("E-mail"),
            _("Course"),
            _("Completion date"),
            _("Certificate code"),
        ]
        rows = (
            [
                c.enrollment.student.last_name,
                c.enrollment.student.first_name,
                c.enrollment.student.date_of_birth.isoformat(),
                c.enrollment.student.email,
                cohort.course.title,
                c.completed_on.isoformat(),
                c.code,
            ]
            for c in certificates
        )
        return csv_download(f"registry-{cohort.code}.csv", header, rows)

    def enrollment_credential(self, request: HttpRequest, object_id: str, credential_id: int) -> tuple:
        enrollment = self.decided_enrollment(request, object_id)
        credential = Credential.objects.filter(pk=credential_id, student_id=enrollment.student_id).first()
        if credential is None:
            raise Http404(_("No such credential for this student."))
        return enrollment, credential

    @method_decorator(require_POST)
    def verify_credential_view(self, request: HttpRequest, object_id: str, credential_id: int) -> HttpResponse:
        """Verify one of the student's credentials; when it was the last one awaited, the review is finished."""
        enrollment, credential = self.enrollment_credential(request, object_id, credential_id)
        try:
            verification = services.verify_credential(credential=credential, actor=request.user)
        except services.EnrollmentError as error:
            messages.error(request, error.message)
            return self.back_to(enrollment)
        messages.success(request, _("%(credential)s verified.") % {"credential": verification.credential})
        for approved in verification.approved:
            messages.success(
                request,
                _("That was the last credential awaited: %(student)s is now enrolled in %(cohort)s.")
                % {"student": approved.student, "cohort": approved.cohort.code},
            )
        return self.back_to(enrollment)

    def reject_credential_view(self, request: HttpRequest, object_id: str, credential_id: int) -> HttpResponse:
        """Reject one of the student's credentials, with the reason (kept in the history)."""
        enrollment, credential = self.enrollment_credential(request, object_id, credential_id)
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.reject_credential(
                    credential=credential, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except services.EnrollmentError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("%(credential)s rejected.") % {"credential": credential})
            return self.back_to(enrollment)
        return admin_form_page(
            self,
            request,
            title=_("Reject credential: %(credential)s") % {"credential": credential},
            form=form,
            submit=_("Reject credential"),
            cancel_url=page_of(enrollment),
            explanation=_("A rejected credential no longer meets any course requirement."),
        )

    @method_decorator(require_POST)
    def resolve_details_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Staff decide whether a confirmed signup's differing details or the record's are right."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        enrollment = self.get_object(request, unquote(object_id))
        if enrollment is None:
            raise Http404(_("No such enrollment."))
        use_signup = request.POST.get("use") == "signup"
        try:
            services.resolve_details(enrollment=enrollment, use_signup=use_signup, actor=request.user)
        except services.EnrollmentError as error:
            messages.error(request, error.message)
        else:
            done = (
                _("%(student)s: the signup's details are now on file.")
                if use_signup
                else _("%(student)s: our records are kept as they were.")
            )
            messages.success(request, done % {"student": enrollment.student})
        return redirect("admin:enrollment_enrollment_review")

    def sign_up_view(self, request: HttpRequest) -> HttpResponse:
        """Sign a student on file up for a cohort through services.add_to_cohort: the public signup's rules (age,
        credentials, capacity, the waitlist) apart from the enrollment window."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StaffSignupForm(request.POST or None, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            try:
                enrollment = services.add_to_cohort(
                    student=form.cleaned_data["student"], cohort=form.cleaned_data["cohort"], actor=request.user
                )
            except services.EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                self.log_addition(request, enrollment, [{"added": {}}])
                messages.success(
                    request,
                    _("%(student)s: %(status)s in %(cohort)s.")
                    % {
                        "student": enrollment.student,
                        "status": enrollment.get_status_display().lower(),
                        "cohort": enrollment.cohort.code,
                    },
                )
                return redirect("admin:enrollment_enrollment_change", enrollment.pk)
        return admin_form_page(
            self,
            request,
            title=_("Sign a student up for a cohort"),
            form=form,
            explanation=_(
                "The seat is requested under the same rules as the public signup (age, required credentials, "
                "capacity and waitlist), except that the cohort's enrollment window is not enforced."
            ),
        )

    REVIEW_PAGE_SIZE = 50

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Enrollment], search_term: str
    ) -> tuple[QuerySet[Enrollment], bool]:
        """Find the matching students and cohorts first, then their enrollments by key.

        The default search ORs LIKE conditions across the joined student and cohort tables, which makes
        PostgreSQL read every enrollment; matching the small tables first lets it use the foreign-key indexes.
        """
        if too_many_words(self, request, search_term):
            return queryset.none(), False
        for word in search_term.split():
            students = Student.objects.filter(
                Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
            ).values("pk")
            cohorts = Cohort.objects.filter(code__icontains=word).values("pk")
            # A UNION of two key lookups, not an OR: each half can use its own foreign-key index.
            matching = (
                Enrollment.objects.filter(student_id__in=students)
                .values("pk")
                .union(Enrollment.objects.filter(cohort_id__in=cohorts).values("pk"))
            )
            queryset = queryset.filter(pk__in=matching)
        return queryset, False

    def review_queue_view(self, request: HttpRequest) -> TemplateResponse:
        """Enrollments pending review, oldest first, with the student's credentials to check."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        credentials = Credential.objects.select_related("credential_type").order_by("credential_type__name", "pk")
        enrollments = (
            Enrollment.objects.filter(status=EnrollmentStatus.PENDING_REVIEW)
            .select_related("student", "cohort")
            .prefetch_related(Prefetch("student__credentials", queryset=credentials))
            .order_by("status_changed_at", "pk")
        )
        page = Paginator(enrollments, self.REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
        differing = (
            Enrollment.objects.filter(details_differ=True)
            .select_related("student", "cohort")
            .order_by("status_changed_at", "pk")[: self.REVIEW_PAGE_SIZE]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Review queue"),
            "opts": self.model._meta,
            "enrollments": page.object_list,
            "differing": [(e, services.differing_details(e)) for e in differing],
            "page": page,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/enrollment/enrollment/review_queue.html", context)

    @admin.display(description=_lazy("Waitlist #"), ordering="waitlist_position")
    def waitlist_position(self, enrollment: Enrollment) -> int | None:
        return getattr(enrollment, "waitlist_position", None)

    @admin.display(description=_lazy("Cohort"), ordering="cohort__code")
    def cohort_code(self, enrollment: Enrollment) -> str:
        return enrollment.cohort.code

    @admin.display(description=_lazy("Status"), ordering="status")
    def status_detail(self, enrollment: Enrollment) -> SafeString:
        return format_html("{}", status_in_words(enrollment, position=getattr(enrollment, "waitlist_position", None)))

    @admin.display(description=_lazy("Signed up"), ordering="created_at")
    def signed_up(self, enrollment: Enrollment) -> SafeString:
        return when(enrollment.created_at)

    @admin.display(description=_lazy("Status since"), ordering="status_changed_at")
    def changed(self, enrollment: Enrollment) -> SafeString:
        return when(enrollment.status_changed_at)

    def has_change_permission(self, request: HttpRequest, obj: Enrollment | None = None) -> bool:
        # The model-level permission stays (changelist actions that call the services check it); an enrollment's
        # own page is read-only, status included: saving it would write back a copy read outside the cohort lock.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Enrollment | None = None) -> bool:
        # Enrollments end (withdrawn, rejected, lapsed); they are not deleted, and their audit events protect them.
        return False


@admin.register(Attendance)
class AttendanceAdmin(InputCheckingAdmin, admin.ModelAdmin):
    """Attendance is recorded and corrected through services.record_attendance (audited), never deleted: a row's
    page is read-only and offers "Correct this record"."""

    paginator = LargeTablePaginator
    show_full_result_count = False
    list_display = ["enrollment", "session", "status", "minutes"]
    list_filter = ["status", "session__kind", "session__cohort__course"]
    list_select_related = ["enrollment__student", "enrollment__cohort", "session__cohort"]
    search_fields = ["enrollment__student__first_name", "enrollment__student__last_name", "session__cohort__code"]
    # Newest first by key: ordering a million rows by the session's start would join and sort them all.
    ordering = ["-pk"]
    autocomplete_fields = ["enrollment", "session"]
    fields = ["enrollment", "session", "status", "minutes", "recorded_at", "recorded_by"]
    readonly_fields = fields
    change_form_template = "admin/enrollment/attendance/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        record = path("add/", self.admin_site.admin_view(self.record_view), name="enrollment_attendance_add")
        correct = path(
            "<path:object_id>/correct/",
            self.admin_site.admin_view(self.record_view),
            name="enrollment_attendance_correct",
        )
        return [record, correct, *super().get_urls()]

    def record_view(self, request: HttpRequest, object_id: str | None = None) -> HttpResponse:
        """Record a student's attendance at a session, or correct a recorded one (the portal's rules, audited)."""
        row = None
        if object_id is not None:
            row = self.get_object(request, unquote(object_id))
            if row is None:
                raise Http404(_("No such attendance record."))
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {}
        if row is not None:
            initial = {
                "enrollment": row.enrollment_id,
                "session": row.session_id,
                "status": row.status,
                "minutes": row.minutes,
            }
        form = AttendanceRecordForm(request.POST or None, initial=initial, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            entry = services.AttendanceEntry(
                enrollment=data["enrollment"], status=data["status"], minutes=data["minutes"]
            )
            try:
                (recorded,) = services.record_attendance(session=data["session"], entries=[entry], actor=request.user)
            except services.EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                messages.success(request, _("Attendance recorded: %(row)s.") % {"row": recorded})
                return redirect("admin:enrollment_attendance_change", recorded.pk)
        title = _("Correct attendance") if row is not None else _("Record attendance")
        return admin_form_page(self, request, title=title, form=form)

    def has_change_permission(self, request: HttpRequest, obj: Attendance | None = None) -> bool:
        # Rows are corrected through record_view (audited), not edited on their page.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Attendance | None = None) -> bool:
        # Attendance is corrected, never deleted: hours and the audit trail depend on it.
        return False


class AuditActionFilter(admin.SimpleListFilter):
    """The audit trail by what happened, in words; the choices are the known actions (no query over the trail)."""

    title = _lazy("what happened")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return sorted(((code, str(words)) for code, words in ACTION_WORDS.items()), key=lambda choice: choice[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        value = self.value()
        return queryset.filter(action=value) if value else queryset


class WhenFilter(admin.DateFieldListFilter):
    """Today, the past 7 days, ... in Chicago time (Django's date filter, under a title people read)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("when")


class AuditTrailChangeList(ChangeList):
    """The audit trail's page of rows, with the credential each credential decision names loaded in one query
    (it is kept in the row's data, not as a foreign key)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        self.result_list = name_credentials(list(self.result_list))


def name_credentials(events: list[AuditEvent]) -> list[AuditEvent]:
    """Set `event.credential` on each event about a credential: one query for all of them."""
    wanted = {event.credential_id for event in events} - {None}
    found = Credential.objects.select_related("credential_type", "student").in_bulk(sorted(wanted)) if wanted else {}
    for event in events:
        event.credential = found.get(event.credential_id)
    return events


@admin.register(AuditEvent)
class AuditEventAdmin(InputCheckingAdmin, admin.ModelAdmin):
    """The audit trail: viewable by staff with the view permission, never added, changed or deleted, even by a
    superuser (the model refuses too). Written for people: actions and statuses in words, the student and the
    credential named, times in Chicago time."""

    list_display = ["when", "what", "about", "status_change", "by", "reason_text"]
    list_display_links = ["when"]
    list_filter = [AuditActionFilter, ("at", WhenFilter)]
    # Prefetched, not joined: a LEFT JOIN of the trail to half a million enrollments makes PostgreSQL hash the whole
    # enrollment table before it can sort by time.
    list_select_related = False
    search_fields = ["reason", "action", "enrollment__student__email"]
    ordering = ["-at", "-pk"]
    paginator = LargeTablePaginator
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return (
            super()
            .get_queryset(request)
            .select_related("actor")
            .prefetch_related("enrollment__student", "enrollment__cohort")
        )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return AuditTrailChangeList

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> AuditEvent | None:
        event = super().get_object(request, object_id, from_field)
        return name_credentials([event])[0] if event is not None else None

    fields = ["when", "what", "about", "status_change", "by", "reason", "action", "data"]
    readonly_fields = fields

    @admin.display(description=_lazy("When (Chicago time)"), ordering="at")
    def when(self, event: AuditEvent) -> SafeString | str:
        return when(event.at)

    @admin.display(description=_lazy("What happened"), ordering="action")
    def what(self, event: AuditEvent) -> str:
        return event.describe()

    @admin.display(description=_lazy("About"))
    def about(self, event: AuditEvent) -> SafeString | str:
        """The student (and cohort) the event is about, and the credential a credential decision names."""
        credential = getattr(event, "credential", None)
        parts = []
        if event.enrollment_id is not None:
            enrollment = event.enrollment
            parts.append(
                format_html(
                    '<a href="{}">{}</a> <span class="cell-detail">{}</span>',
                    page_of(enrollment),
                    enrollment.student,
                    enrollment.cohort.code,
                )
            )
        if credential is not None:
            if event.enrollment_id is None:
                parts.append(format_html("{}", credential.student))
            parts.append(format_html('<span class="cell-detail">{}</span>', credential.credential_type.name))
        return format_html_join(" ", "{}", ((part,) for part in parts)) if parts else "-"

    @admin.display(description=_lazy("Status"))
    def status_change(self, event: AuditEvent) -> str:
        return event.status_change or "-"

    @admin.display(description=_lazy("By"), ordering="actor__username")
    def by(self, event: AuditEvent) -> str:
        return str(event.actor) if event.actor_id else _("the system or the student")

    @admin.display(description=_lazy("Reason"))
    def reason_text(self, event: AuditEvent) -> str:
        return Truncator(event.reason).chars(140) if event.reason else ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


@admin.action(description=_lazy("Send the selected e-mails again"), permissions=["change"])
def send_selected_again(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
    emails = list(queryset.order_by("pk"))
    for email in emails:
        notifications.send_again(email)
    messages.success(
        request,
        ngettext("%(count)d e-mail queued to be sent again.", "%(count)d e-mails queued to be sent again.", len(emails))
        % {"count": len(emails)},
    )


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """The outbox: every e-mail to a student, whether it is waiting, sent or given up on, with its last error.
    Rows are written by the services and sent by the job runner; staff can only send one again."""

    paginator = LargeTablePaginator
    show_full_result_count = False
    list_display = ["created_at", "kind", "to", "status", "attempts", "next_attempt_at", "sent_at", "error"]
    list_filter = ["status", "kind"]
    list_select_related = ["enrollment__student", "enrollment__cohort", "student"]
    search_fields = ["student__email", "enrollment__student__email", "kind"]
    ordering = ["-created_at", "-pk"]
    actions = [send_selected_again]
    fields = [
        "kind",
        "to",
        "enrollment",
        "status",
        "created_at",
        "attempts",
        "next_attempt_at",
        "retry_until",
        "sent_at",
        "last_error",
    ]
    readonly_fields = fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[OutgoingEmail], search_term: str
    ) -> tuple[QuerySet[OutgoingEmail], bool]:
        # By the recipient's key, as for enrollments: a LIKE across two joined student tables reads every e-mail.
        for word in search_term.split():
            students = Student.objects.filter(email__icontains=word).values("pk")
            queryset = queryset.filter(
                Q(student_id__in=students)
                | Q(enrollment__student_id__in=students)
                | Q(kind=word)
                | Q(to_address__iexact=word)
            )
        return queryset, False

    @admin.display(description=_lazy("To"))
    def to(self, email: OutgoingEmail) -> str:
        return email.recipient_email

    @admin.display(description=_lazy("Last error"))
    def error(self, email: OutgoingEmail) -> str:
        return email.last_error[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutgoingEmail | None = None) -> bool:
        return False


# --- certificates of completion and the Registry exam ---------------------------------------------------------------


class RevokedFilter(admin.SimpleListFilter):
    title = _lazy("status")
    parameter_name = "revoked"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("no", _("Valid")), ("yes", _("Revoked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class CertificateForm(forms.ModelForm):
    class Meta:
        model = Certificate
        fields = ["exam_registered_on"]

    def clean_exam_registered_on(self) -> datetime.date | None:
        day = self.cleaned_data["exam_registered_on"]
        if day is not None and day > timezone.localdate():
            raise ValidationError(_("The registration date cannot be in the future."), code="future")
        return day


@admin.register(Certificate)
class CertificateAdmin(InputCheckingAdmin, admin.ModelAdmin):
    """Certificates are issued by `complete`, never added here; staff set the exam registration date and revoke one
    with a reason (its own page). Nothing is deleted."""

    paginator = LargeTablePaginator
    show_full_result_count = False
    form = CertificateForm
    list_display = ["code", "student", "cohort_code", "issued", "state", "exam_registered_on"]
    list_filter = [RevokedFilter, "issued_at"]
    list_select_related = ["enrollment__student", "enrollment__cohort"]
    search_fields = ["code", "enrollment__student__last_name", "enrollment__student__email", "enrollment__cohort__code"]
    ordering = ["-issued_at", "-pk"]
    fields = ["code", "enrollment_link", "issued", "state", "revoke_reason", "exam_registered_on"]
    readonly_fields = ["code", "enrollment_link", "issued", "state", "revoke_reason"]

    def get_urls(self) -> list[URLPattern]:
        revoke = path(
            "<path:object_id>/revoke/",
            self.admin_site.admin_view(self.revoke_view),
            name="enrollment_certificate_revoke",
        )
        return [revoke, *super().get_urls()]

    @admin.display(description=_lazy("student"), ordering="enrollment__student__last_name")
    def student(self, certificate: Certificate) -> Student:
        return certificate.enrollment.student

    @admin.display(description=_lazy("cohort"), ordering="enrollment__cohort__code")
    def cohort_code(self, certificate: Certificate) -> str:
        return certificate.enrollment.cohort.code

    @admin.display(description=_lazy("issued"), ordering="issued_at")
    def issued(self, certificate: Certificate) -> SafeString | str:
        return when(certificate.issued_at)

    @admin.display(description=_lazy("status"))
    def state(self, certificate: Certificate) -> str:
        if certificate.is_revoked:
            return _("Revoked %(day)s") % {"day": date_text(certificate.revoked_at)}
        return _("Valid")

    @admin.display(description=_lazy("enrollment"))
    def enrollment_link(self, certificate: Certificate) -> SafeString:
        return format_html('<a href="{}">{}</a>', page_of(certificate.enrollment), certificate.enrollment)

    def save_model(self, request: HttpRequest, obj: Certificate, form: forms.ModelForm, change: bool) -> None:
        # The one editable field goes through the service, which audits it.
        services.record_exam_registration(
            certificate=obj, registered_on=form.cleaned_data["exam_registered_on"], actor=request.user
        )

    def revoke_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Revoke a certificate with a reason (services.revoke_certificate): the verify page then says "revoked"."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        key = unquote(object_id)
        certificate = (
            Certificate.objects.select_related("enrollment__student", "enrollment__cohort").filter(pk=key).first()
            if is_key(Certificate._meta.pk, key)
            else None
        )
        if certificate is None:
            raise Http404(_("No such certificate."))
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.revoke_certificate(
                    certificate=certificate, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except services.EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                messages.success(request, _("Certificate %(code)s is revoked.") % {"code": certificate.code})
                return redirect(page_of(certificate.enrollment))
        return admin_form_page(
            self,
            request,
            title=_("Revoke certificate %(code)s") % {"code": certificate.code},
            form=form,
            explanation=_(
                "%(student)s, %(cohort)s. The public verification page will say the certificate is revoked; the "
                "reason stays internal, in the enrollment's history."
            )
            % {"student": certificate.enrollment.student, "cohort": certificate.enrollment.cohort.code},
            submit=_("Revoke"),
            cancel_url=page_of(certificate.enrollment),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Certificate | None = None) -> bool:
        return False


class ExamAttemptForm(forms.Form):
    """A graduate's Registry exam attempt, recorded through services.record_exam_attempt (numbered in order)."""

    def __init__(self, *args: Any, admin_site: admin.AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enrollment"] = forms.ModelChoiceField(
            queryset=Enrollment.objects.filter(status=S.COMPLETED).select_related("student", "cohort"),
            label=_("Graduate (completed enrollment)"),
            widget=KeyCheckingAutocompleteSelect(ExamAttempt._meta.get_field("enrollment"), admin_site),
        )
        self.fields["taken_on"] = forms.DateField(
            label=_("Date of the attempt"), widget=admin.widgets.AdminDateWidget, help_text=_("Chicago date.")
        )
        self.fields["result"] = forms.ChoiceField(label=_("Result"), choices=ExamResult.choices)


@admin.register(ExamAttempt)
class ExamAttemptAdmin(InputCheckingAdmin, admin.ModelAdmin):
    """National Registry cognitive exam attempts: added through a page that calls the service; never changed or
    deleted: the record is append-only, like the audit trail."""

    list_display = ["student", "cohort_code", "number", "taken_on", "result", "recorded_by"]
    list_filter = ["result", "taken_on"]
    list_select_related = ["enrollment__student", "enrollment__cohort", "recorded_by"]
    search_fields = ["enrollment__student__last_name", "enrollment__student__email", "enrollment__cohort__code"]
    ordering = ["-taken_on", "-pk"]

    def get_urls(self) -> list[URLPattern]:
        add = path("add/", self.admin_site.admin_view(self.record_view), name="enrollment_examattempt_add")
        return [add, *super().get_urls()]

    @admin.display(description=_lazy("student"), ordering="enrollment__student__last_name")
    def student(self, attempt: ExamAttempt) -> Student:
        return attempt.enrollment.student

    @admin.display(description=_lazy("cohort"), ordering="enrollment__cohort__code")
    def cohort_code(self, attempt: ExamAttempt) -> str:
        return attempt.enrollment.cohort.code

    def record_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {}
        if is_key(Enrollment._meta.pk, request.GET.get("enrollment", "")):
            initial["enrollment"] = request.GET["enrollment"]
        form = ExamAttemptForm(request.POST or None, initial=initial, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            enrollment = form.cleaned_data["enrollment"]
            try:
                attempt = services.record_exam_attempt(
                    enrollment=enrollment,
                    taken_on=form.cleaned_data["taken_on"],
                    result=form.cleaned_data["result"],
                    actor=request.user,
                )
            except services.EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                messages.success(
                    request,
                    _("Attempt %(number)d recorded for %(student)s: %(result)s.")
                    % {"number": attempt.number, "student": enrollment.student, "result": attempt.get_result_display()},
                )
                return redirect(page_of(enrollment))
        return admin_form_page(
            self,
            request,
            title=_("Record a Registry exam attempt"),
            form=form,
            explanation=_(
                "The attempt is numbered after the ones on record and cannot be changed afterwards. A graduate with an "
                "attempt on record is not sent the day-60 reminder."
            ),
        )

    def has_change_permission(self, request: HttpRequest, obj: ExamAttempt | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ExamAttempt | None = None) -> bool:
        return False
