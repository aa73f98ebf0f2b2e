"""Back office for students, credentials, enrollments, attendance and the audit trail.

Enrollments change only through enrollment/services.py: the admin adds them with services.request_seat and shows
them read-only; the audit trail cannot be added to, changed or deleted here by anyone.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from enrollment import services
from enrollment.models import Attendance, AuditEvent, Credential, Enrollment, Student


class CredentialInline(admin.TabularInline):
    model = Credential
    extra = 0
    fields = ["credential_type", "number", "issued_on", "expires_on", "evidence", "status", "verified_by"]
    # Verification is recorded by services.approve (who and when); it is not typed in here.
    readonly_fields = ["status", "verified_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Credential]:
        # Each row is labelled with str(credential), which reads the type and the student.
        return super().get_queryset(request).select_related("credential_type", "student", "verified_by")


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
class StudentAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "date_of_birth", "created_at"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    ordering = ["last_name", "first_name"]
    date_hierarchy = "created_at"
    fields = ["first_name", "last_name", "email", "phone", "date_of_birth", "created_at"]
    readonly_fields = ["created_at"]
    inlines = [CredentialInline, EnrollmentInline]

    @admin.display(description="Name", ordering="last_name")
    def name(self, student: Student) -> str:
        return student.full_name


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ["student", "credential_type", "number", "expires_on", "status"]
    list_filter = ["status", "credential_type"]
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
        "status",
        "verified_by",
        "verified_at",
        "created_at",
    ]
    # Verification is recorded by services.approve (who and when); it is not typed in here.
    readonly_fields = ["status", "verified_by", "verified_at", "created_at"]


class EnrollmentAddForm(forms.ModelForm):
    """Staff sign an existing student up for a cohort, through the same rules as the public signup form.

    The seat is requested while the form is validated, because the admin can only show an error that is raised
    there: a refusal (EnrollmentError) becomes a form error, and on success `instance` is the enrollment the
    service wrote, which EnrollmentAdmin.save_model leaves alone.
    """

    # Set on the per-request form class by EnrollmentAdmin.get_form: the admin instantiates the form itself.
    actor: AbstractBaseUser | None = None

    class Meta:
        model = Enrollment
        fields = ["student", "cohort"]

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        student, cohort = cleaned_data.get("student"), cleaned_data.get("cohort")
        if self.errors or student is None or cohort is None:
            return cleaned_data
        try:
            self.instance = services.request_seat(
                cohort=cohort,
                student=services.StudentDetails(
                    first_name=student.first_name,
                    last_name=student.last_name,
                    email=student.email,
                    date_of_birth=student.date_of_birth,
                    phone=student.phone,
                ),
                credentials=(),
                actor=self.actor,
                enforce_window=False,
            )
        except services.EnrollmentError as error:
            raise ValidationError(error.message, code=error.code) from error
        return cleaned_data


class AuditEventInline(admin.TabularInline):
    """The enrollment's history, oldest first."""

    model = AuditEvent
    extra = 0
    fields = ["at", "action", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    ordering = ["at", "pk"]
    can_delete = False
    verbose_name_plural = "history"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request: HttpRequest, obj: Enrollment | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Enrollment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Enrollment | None = None) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    add_form = EnrollmentAddForm
    add_fieldsets = [
        (
            None,
            {
                "fields": ["student", "cohort"],
                "description": (
                    "The seat is requested under the same rules as the public signup (age, required credentials, "
                    "capacity and waitlist), except that the cohort's enrollment window is not enforced."
                ),
            },
        )
    ]
    list_display = ["student", "cohort", "status", "created_at", "status_changed_at", "offer_expires_at"]
    list_filter = ["status", "cohort__course", "cohort"]
    list_select_related = ["student", "cohort"]
    search_fields = ["student__first_name", "student__last_name", "student__email", "cohort__code"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["student", "cohort"]
    fieldsets = [
        (None, {"fields": ["student", "cohort", "status", "reason"]}),
        ("Dates", {"fields": ["created_at", "status_changed_at", "waitlisted_at", "offer_expires_at"]}),
    ]
    inlines = [AuditEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enrollment]:
        # Autocomplete results (attendance) are labelled with str(enrollment): student and cohort.
        return super().get_queryset(request).select_related("student", "cohort")

    def get_fieldsets(self, request: HttpRequest, obj: Enrollment | None = None) -> list:
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_inlines(self, request: HttpRequest, obj: Enrollment | None) -> list:
        return [] if obj is None else self.inlines

    def get_form(
        self, request: HttpRequest, obj: Enrollment | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        form = super().get_form(request, obj, change=change, **{"form": self.add_form, **kwargs})
        # modelform_factory made a new class for this request, so the actor does not leak to other requests.
        form.actor = request.user
        return form

    def save_model(self, request: HttpRequest, obj: Enrollment, form: forms.ModelForm, change: bool) -> None:
        # EnrollmentAddForm.clean() has already written the enrollment through services.request_seat, and an
        # existing enrollment cannot be changed here (see has_change_permission).
        pass

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
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "session", "status", "minutes"]
    list_filter = ["status", "session__kind", "session__cohort__course"]
    list_select_related = ["enrollment__student", "enrollment__cohort", "session__cohort"]
    search_fields = ["enrollment__student__first_name", "enrollment__student__last_name", "session__cohort__code"]
    ordering = ["-session__starts_at"]
    autocomplete_fields = ["enrollment", "session"]
    fields = ["enrollment", "session", "status", "minutes", "recorded_at", "recorded_by"]
    readonly_fields = ["recorded_at", "recorded_by"]

    def save_model(self, request: HttpRequest, obj: Attendance, form: forms.ModelForm, change: bool) -> None:
        obj.recorded_by = request.user
        obj.recorded_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail: viewable by staff with the view permission, never added, changed or deleted, even by a
    superuser (the model refuses too)."""

    list_display = ["at", "action", "actor", "enrollment", "from_status", "to_status"]
    list_filter = ["action", "at"]
    list_select_related = ["actor", "enrollment__student", "enrollment__cohort"]
    search_fields = ["reason", "action", "enrollment__student__email"]
    ordering = ["-at", "-pk"]
    date_hierarchy = "at"
    fields = ["at", "action", "actor", "enrollment", "from_status", "to_status", "reason", "data"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
