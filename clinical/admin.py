"""The back office for clinical experience: sites, shifts with their bookings and fill, the courses' minimums.

Bookings, contacts and sign-offs are written only by clinical/services.py (students from their private link,
preceptors from theirs); staff see them here, read-only, and can send a shift's preceptor a new sign-off link.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clinical import services
from clinical.models import Booking, ClinicalMinimum, PatientContact, Shift, Site
from courses.admin_input import InputCheckingAdmin


@admin.register(Site)
class SiteAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "address", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "address"]

    def has_delete_permission(self, request: HttpRequest, obj: Site | None = None) -> bool:
        # A site with shifts is history (PROTECT); offer "takes students" off instead of a refused delete.
        if obj is not None and obj.shifts.exists():
            return False
        return super().has_delete_permission(request, obj)


class BookingInline(admin.TabularInline):
    model = Booking
    extra = 0
    can_delete = False
    fields = ["enrollment", "status", "booked_at", "attended", "signed_minutes", "signed_by_name", "signed_at"]
    readonly_fields = fields
    verbose_name_plural = _("bookings")

    def has_add_permission(self, request: HttpRequest, obj: Shift | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        return super().get_queryset(request).select_related("enrollment__student", "enrollment__cohort", "shift__site")


@admin.register(Shift)
class ShiftAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "site", "cohort", "fill", "preceptor_name"]
    list_filter = ["site__kind", "site", "cohort"]
    list_select_related = ["site", "cohort"]
    search_fields = ["site__name", "cohort__code", "preceptor_name"]
    autocomplete_fields = ["site", "cohort"]
    date_hierarchy = None
    inlines = [BookingInline]
    actions = ["send_preceptor_link"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Shift]:
        return super().get_queryset(request).with_booked()

    @admin.display(description=_("booked"), ordering="booked")
    def fill(self, shift: Shift) -> str:
        return f"{shift.booked} / {shift.capacity}"

    def has_delete_permission(self, request: HttpRequest, obj: Shift | None = None) -> bool:
        if obj is not None and obj.bookings.exists():
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("E-mail the preceptor a new sign-off link"), permissions=["change"])
    def send_preceptor_link(self, request: HttpRequest, queryset: QuerySet[Shift]) -> None:
        sent = 0
        for shift in queryset:
            if not shift.preceptor_email:
                self.message_user(
                    request,
                    _("%(shift)s has no preceptor e-mail address; add one first.") % {"shift": shift},
                    messages.WARNING,
                )
                continue
            services.issue_preceptor_link(shift=shift, actor=request.user)
            sent += 1
        if sent:
            self.message_user(
                request, ngettext("%d sign-off link sent.", "%d sign-off links sent.", sent) % sent, messages.SUCCESS
            )


@admin.register(ClinicalMinimum)
class ClinicalMinimumAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["course", "kind", "amount"]
    list_filter = ["course"]
    list_select_related = ["course"]


@admin.register(PatientContact)
class PatientContactAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["booking", "age_group", "complaint", "team_lead", "confirmed", "logged_at"]
    list_filter = ["age_group", "complaint", "confirmed"]
    list_select_related = ["booking__enrollment__student", "booking__shift__site"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PatientContact | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PatientContact | None = None) -> bool:
        return False
