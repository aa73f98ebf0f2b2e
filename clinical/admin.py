"""The back office for clinical experience: sites, shifts with their bookings and fill, the courses' minimums.

Bookings, contacts and sign-offs are written only by clinical/services.py (students from their private link,
preceptors from theirs); staff see them here, read-only, and can send a shift's preceptor a new sign-off link.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clinical import services
from clinical.forms import ShiftSeriesForm
from clinical.models import Booking, ClinicalMinimum, PatientContact, Shift, Site
from courses.admin_input import InputCheckingAdmin
from courses.models import Cohort, RequirementStage
from courses.pagination import LargeTablePaginator
from courses.schedule import ScheduleError
from courses.spreadsheet import csv_download
from enrollment.admin import CurrentCohortFilter


@admin.register(Site)
class SiteAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "address", "phone", "is_active", "upcoming_fill"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "address"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Site]:
        now = timezone.now()
        places = (
            Shift.objects.filter(site=OuterRef("pk"), starts_at__gt=now)
            .values("site")
            .annotate(total=Sum("capacity"))
            .values("total")
        )
        booked = (
            Booking.objects.live()
            .filter(shift__site=OuterRef("pk"), shift__starts_at__gt=now)
            .values("shift__site")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(upcoming_places=Coalesce(Subquery(places), 0), upcoming_booked=Coalesce(Subquery(booked), 0))
        )

    @admin.display(description=_("upcoming places booked"))
    def upcoming_fill(self, site: Site) -> str:
        return f"{site.upcoming_booked} / {site.upcoming_places}"

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
    # Tens of thousands of shifts over the years: the planner's estimate instead of two COUNT(*)s.
    paginator = LargeTablePaginator
    show_full_result_count = False
    list_display = ["starts_at", "ends_at", "site", "cohort", "fill", "preceptor_name"]
    # The current cohorts only: a filter of every cohort of ten years listed 5,000 links on each page.
    list_filter = ["site__kind", "site", CurrentCohortFilter]
    list_select_related = ["site", "cohort"]
    search_fields = ["site__name", "cohort__code", "preceptor_name"]
    autocomplete_fields = ["site", "cohort"]
    date_hierarchy = None
    inlines = [BookingInline]
    actions = ["send_preceptor_link"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Shift]:
        return super().get_queryset(request).with_booked()

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("series/", view(self.series_view), name="clinical_shift_series"),
            path("clearance/", view(self.clearance_cohorts_view), name="clinical_clearance"),
            path("clearance/<int:cohort_id>/", view(self.clearance_board_view), name="clinical_clearance_board"),
            path("clearance/<int:cohort_id>.csv", view(self.clearance_csv_view), name="clinical_clearance_csv"),
            *super().get_urls(),
        ]

    def series_view(self, request: HttpRequest) -> TemplateResponse | HttpResponse:
        """Publish a series of shifts: a preview of every shift, then "Publish" makes exactly those."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ShiftSeriesForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and "publish" in request.POST:
            try:
                made = services.publish_shift_series(
                    request=form.series_request, fingerprint=request.POST.get("fingerprint", ""), actor=request.user
                )
            except ScheduleError as error:
                form.add_error(error.field, ValidationError(error.message, code=error.code))
            else:
                message = ngettext("Published %(count)d shift.", "Published %(count)d shifts.", len(made)) % {
                    "count": len(made)
                }
                messages.success(
                    request, _("%(site)s: %(message)s") % {"site": form.series_request.site, "message": message}
                )
                return redirect(
                    reverse("admin:clinical_shift_changelist") + f"?site__id__exact={form.series_request.site.pk}"
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Publish a series of shifts"),
            "opts": self.model._meta,
            "form": form,
            "plan": form.plan,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/clinical/shift/series.html", context)

    def _may_see_clearance(self, request: HttpRequest) -> None:
        if not (self.has_view_permission(request) and request.user.has_perm("enrollment.view_credential")):
            raise PermissionDenied

    def clearance_cohorts_view(self, request: HttpRequest) -> TemplateResponse:
        """The cohorts with a clearance board: courses with clinical requirements, cohorts not yet ended."""
        self._may_see_clearance(request)
        cohorts = (
            Cohort.objects.filter(
                ends_on__gte=timezone.localdate(), course__requirements__needed_for=RequirementStage.CLINICAL
            )
            .select_related("course")
            .distinct()
            .order_by("starts_on", "code")
        )
        context = {**self.admin_site.each_context(request), "title": _("Clearance"), "cohorts": cohorts}
        return TemplateResponse(request, "admin/clinical/clearance_cohorts.html", context)

    def _board(self, request: HttpRequest, cohort_id: int) -> tuple[Cohort, list, list[dict]]:
        self._may_see_clearance(request)
        cohort = Cohort.objects.select_related("course").filter(pk=cohort_id).first()
        if cohort is None:
            raise Http404(_("No such cohort."))
        day = timezone.localdate()
        requirements, files = services.clearance_board(cohort.pk)
        rows = [{"enrollment": enrollment, "clearance": on_file.on(day)} for enrollment, on_file in files]
        return cohort, requirements, rows

    def clearance_board_view(self, request: HttpRequest, cohort_id: int) -> TemplateResponse:
        """Who in a cohort is cleared for clinical shifts, what is missing and what expires when."""
        cohort, requirements, rows = self._board(request, cohort_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Clearance of %(code)s") % {"code": cohort.code},
            "cohort": cohort,
            "requirements": requirements,
            "rows": rows,
            "day": timezone.localdate(),
        }
        return TemplateResponse(request, "admin/clinical/clearance_board.html", context)

    def clearance_csv_view(self, request: HttpRequest, cohort_id: int) -> HttpResponse:
        cohort, requirements, rows = self._board(request, cohort_id)
        header = [_("Student"), _("Email"), _("Cleared today")]
        for requirement in requirements:
            name = requirement.credential_type.name
            header += [f"{name}: {_('status')}", f"{name}: {_('expires')}"]
        lines = []
        for row in rows:
            student = row["enrollment"].student
            line = [student.full_name, student.email, _("yes") if row["clearance"].cleared else _("no")]
            for item in row["clearance"].items:
                credential = item.credential
                status = (
                    _("verified") if item.cleared else (credential.get_status_display() if credential else _("missing"))
                )
                line += [status, credential.expires_on.isoformat() if credential and credential.expires_on else ""]
            lines.append(line)
        return csv_download(f"clearance-{cohort.code}.csv", header, lines)

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
