"""Back office for courses, the credentials they require, cohorts and class sessions."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _lazy

from courses.admin_input import InputCheckingAdmin, is_key
from courses.dates import date_text
from courses.forms import ScheduleForm
from courses.models import ClassSession, Cohort, Course, CredentialType, Requirement, SchoolProfile
from courses.schedule import ScheduleError, generate_schedule, plan_schedule
from courses.seat_board import flag_cohorts
from courses.spreadsheet import csv_download
from courses.templatetags.cohort_seats import fill_bar
from enrollment import services
from enrollment.models import Enrollment, Hours, with_status_counts


def back_office_title() -> str:
    return _("%(school)s back office") % {"school": settings.SCHOOL_NAME}


# The one place the admin site is named (the enrollment admin registers into the same default site).
admin.site.site_header = lazy(back_office_title, str)()
admin.site.site_title = lazy(back_office_title, str)()
admin.site.index_title = _lazy("Courses, cohorts and enrollment")


def sessions_url(cohort: Cohort) -> str:
    """The class sessions list, showing one cohort's sessions in date order."""
    return reverse("admin:courses_classsession_changelist") + f"?cohort={cohort.pk}&o=2"


class SessionCohortFilter(admin.SimpleListFilter):
    """One cohort's sessions (the cohort page links here). Only the chosen cohort is listed: a list of every cohort
    of ten years would be a filter nobody can use."""

    title = gettext_lazy("cohort")
    parameter_name = "cohort"

    def chosen(self) -> Cohort | None:
        value = self.value()
        if not value or not is_key(Cohort._meta.pk, value):
            return None
        return Cohort.objects.filter(pk=value).only("pk", "code").first()

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        # Django applies a filter only while it offers a choice: a key of no cohort is offered too, and finds nothing.
        value = self.value()
        if not value:
            return []
        cohort = self.chosen()
        return [(value, cohort.code if cohort is not None else _("no such cohort"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ClassSession]) -> QuerySet[ClassSession]:
        value = self.value()
        if not value:
            return queryset
        if not is_key(Cohort._meta.pk, value):
            return queryset.none()
        return queryset.filter(cohort_id=int(value))


def session_hours(session: ClassSession) -> Decimal | None:
    # A blank inline row has no times yet; ClassSession.hours would subtract None from None.
    if session.starts_at is None or session.ends_at is None:
        return None
    return session.hours


class RequirementInline(admin.TabularInline):
    model = Requirement
    extra = 0
    fields = ["credential_type", "needed_for", "valid_through", "needs_verification"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Requirement]:
        # Each row is labelled with str(requirement), which reads the course and the credential type.
        return super().get_queryset(request).select_related("course", "credential_type")


@admin.register(Course)
class CourseAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["level", "title", "nominal_hours", "tuition", "min_age", "is_published"]
    list_display_links = ["title"]
    list_filter = ["level", "is_published"]
    search_fields = ["title", "slug", "summary"]
    ordering = ["display_order", "title"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["level", "title", "slug", "is_published", "display_order"]}),
        (gettext_lazy("Description"), {"fields": ["summary", "description", "scope", "audience"]}),
        (
            gettext_lazy("Rules"),
            {"fields": ["nominal_hours", "tuition", "min_age", "age_checked_on", "attendance_threshold"]},
        ),
    ]
    inlines = [RequirementInline]

    def has_delete_permission(self, request: HttpRequest, obj: Course | None = None) -> bool:
        # A course with cohorts cannot be removed (the database protects them): unpublish it instead.
        if obj is not None and obj.cohorts.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(CredentialType)
class CredentialTypeAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "granted_by", "validity_months"]
    list_filter = ["granted_by"]
    list_select_related = ["granted_by"]
    search_fields = ["name", "code"]
    ordering = ["name"]

    def has_delete_permission(self, request: HttpRequest, obj: CredentialType | None = None) -> bool:
        # A type that a course requires or a student holds is protected by the database.
        if obj is not None and (obj.requirements.exists() or obj.credentials.exists()):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Requirement)
class RequirementAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["course", "credential_type", "valid_through", "needs_verification"]
    list_filter = ["course", "credential_type", "needs_verification"]
    list_select_related = ["course", "credential_type"]
    search_fields = ["course__title", "credential_type__name", "credential_type__code"]
    ordering = ["course__display_order", "course__title", "credential_type__name"]


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["capacity"]  # the admin adds the rest from CohortAdmin.fieldsets

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk is not None and "capacity" in self.changed_data and capacity < self.initial["capacity"]:
            # The check locks the cohort until the admin's transaction (which also saves it) commits.
            try:
                services.check_capacity(cohort=self.instance, capacity=capacity)
            except services.EnrollmentError as error:
                raise ValidationError(error.message, code=error.code) from error
        return capacity


@admin.action(description=_lazy("Offer free seats to the waitlist"), permissions=["change"])
def offer_next_seats(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Cohort]) -> None:
    reports = []
    for cohort in queryset.order_by("starts_on", "code"):
        offered = services.promote_waitlist(cohort=cohort, actor=request.user)
        if offered:
            names = ", ".join(str(enrollment.student) for enrollment in offered)
            reports.append(
                _("%(cohort)s: %(count)s offered (%(names)s)")
                % {"cohort": cohort.code, "count": len(offered), "names": names}
            )
        else:
            reports.append(_("%(cohort)s: no free seat or nobody waiting") % {"cohort": cohort.code})
    messages.info(request, "; ".join(reports))


class CohortsShownFilter(admin.SimpleListFilter):
    """The seat board opens on the cohorts staff work with: those not over (`Cohort.objects.current()`), in start
    order, the running ones first. Ended cohorts and all of them are one click away; a search, a status or a start
    month looks through every cohort, as staff looking for an old cohort by its code expect."""

    title = gettext_lazy("cohorts shown")
    parameter_name = "shown"
    CURRENT, ENDED, ALL = "current", "ended", "all"
    NARROWING = ("q", "status__exact", "starts")

    def __init__(self, request: HttpRequest, params: dict, model: type, model_admin: admin.ModelAdmin) -> None:
        super().__init__(request, params, model, model_admin)
        narrowed = any(request.GET.get(name) for name in self.NARROWING)
        self.default = self.ALL if narrowed else self.CURRENT

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            (self.CURRENT, _("Current (not completed or cancelled)")),
            (self.ENDED, _("Completed or cancelled")),
            (self.ALL, _("All cohorts")),
        ]

    def value(self) -> str:
        value = super().value()
        return value if value in {self.CURRENT, self.ENDED, self.ALL} else self.default

    def choices(self, changelist: ChangeList) -> Iterator[dict]:
        # No "All" entry from Django (its "All" would mean the default, current): ours are the three above.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Cohort]) -> QuerySet[Cohort]:
        return {self.CURRENT: queryset.current, self.ENDED: queryset.ended, self.ALL: queryset.all}[self.value()]()


class StartMonthFilter(admin.SimpleListFilter):
    """The months in which cohorts start, as they are in the data."""

    title = gettext_lazy("start month")
    parameter_name = "starts"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(f"{month:%Y-%m}", date_text(month, "F Y")) for month in Cohort.objects.dates("starts_on", "month")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Cohort]) -> QuerySet[Cohort]:
        if not self.value():
            return queryset
        try:
            first = datetime.date.fromisoformat(f"{self.value()}-01")
        except ValueError:
            return queryset.none()
        try:
            following = (first + datetime.timedelta(days=32)).replace(day=1)
        except OverflowError:  # December 9999 has no following month
            return queryset.filter(starts_on__gte=first)
        return queryset.filter(starts_on__gte=first, starts_on__lt=following)


@admin.register(Cohort)
class CohortAdmin(InputCheckingAdmin, admin.ModelAdmin):
    form = CohortForm
    # A seat board of 50: each row carries five counts and a fill bar, and ten years of cohorts page fine at 50.
    list_per_page = 50
    # The board opens filtered (current cohorts): no second count of every cohort ever run for "(N total)".
    show_full_result_count = False
    actions = [offer_next_seats]
    # Fits a 1366 px laptop beside the filters: the code over its course, the dates in one column, capacity inside
    # the fill ("7/24"), and no "seated" column (seats taken minus pending and offered).
    list_display = ["cohort", "dates", "status", "fill", "pending", "offered", "waitlisted"]
    list_display_links = ["cohort"]
    list_filter = [CohortsShownFilter, "course", "status", StartMonthFilter]
    list_select_related = ["course"]
    search_fields = ["code", "location"]
    ordering = ["starts_on", "code"]
    autocomplete_fields = ["instructors"]
    readonly_fields = ["seats_taken", "seated", "pending", "offered", "waitlisted", "scheduled_hours"]
    fieldsets = [
        (None, {"fields": ["course", "code", "status"]}),
        (gettext_lazy("When and where"), {"fields": ["starts_on", "ends_on", "schedule", "location"]}),
        (
            gettext_lazy("Enrollment"),
            {
                "fields": [
                    "capacity",
                    "seats_taken",
                    "seated",
                    "pending",
                    "offered",
                    "waitlisted",
                    "enrollment_opens_at",
                    "enrollment_closes_at",
                    "offer_hours",
                ]
            },
        ),
        (gettext_lazy("Teaching"), {"fields": ["instructors", "scheduled_hours"]}),
    ]
    # Sessions have their own list (a Paramedic cohort has ~300): the page links to it, to the schedule generator and
    # to the roster export (templates/admin/courses/cohort/change_form.html).
    change_form_template = "admin/courses/cohort/change_form.html"

    class Media:
        js = ["js/autocomplete_labels.js"]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        # The cohort's enrollments, read-only (they change only through the enrollment services): a table under the
        # form, not an inline, which built a form and an inline row for each enrollment only to show five values.
        context = dict(extra_context or {})
        # Shown to whoever the enrollments' own admin lets see them (view or change, as Django's view permission).
        may_see = self.admin_site.get_model_admin(Enrollment).has_view_permission(request)
        if may_see and is_key(Cohort._meta.pk, unquote(object_id)):
            context["cohort_enrollments"] = list(
                Enrollment.objects.filter(cohort_id=unquote(object_id))
                .select_related("student")
                .order_by("created_at", "pk")
            )
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        schedule = path(
            "<path:object_id>/schedule/",
            self.admin_site.admin_view(self.schedule_view),
            name="courses_cohort_schedule",
        )
        roster = path(
            "<path:object_id>/roster.csv",
            self.admin_site.admin_view(self.roster_csv_view),
            name="courses_cohort_roster",
        )
        return [schedule, roster, *super().get_urls()]

    def cohort_or_404(self, object_id: str) -> Cohort:
        """The cohort with its course, without the seat counts the changelist annotates."""
        key = unquote(object_id)
        if not is_key(Cohort._meta.pk, key):
            raise Http404(_("No such cohort."))
        cohort = Cohort.objects.select_related("course").filter(pk=key).first()
        if cohort is None:
            raise Http404(_("No such cohort."))
        return cohort

    def schedule_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The schedule generator: days of the week, times, a date range and days off become a preview of the
        sessions; "Save" makes exactly the previewed ones (courses.schedule.generate_schedule)."""
        if not request.user.has_perm("courses.add_classsession"):
            raise PermissionDenied
        cohort = self.cohort_or_404(object_id)
        initial = {"first_day": cohort.starts_on, "last_day": cohort.ends_on}
        form = ScheduleForm(request.POST or None, cohort=cohort, initial=initial)
        if request.method == "POST" and form.is_valid() and "save" in request.POST:
            try:
                made = generate_schedule(
                    cohort=cohort, request=form.schedule_request, fingerprint=request.POST.get("fingerprint", "")
                )
            except ScheduleError as error:
                form.add_error(error.field, ValidationError(error.message, code=error.code))
                if error.code == "plan_changed":  # show the plan as it is now, to be checked and saved again
                    form.plan = plan_schedule(cohort=cohort, request=form.schedule_request)
            else:
                message = ngettext("Added %(count)d class session.", "Added %(count)d class sessions.", len(made)) % {
                    "count": len(made)
                }
                self.log_change(request, cohort, message)
                messages.success(request, _("%(cohort)s: %(message)s") % {"cohort": cohort.code, "message": message})
                return redirect(sessions_url(cohort))
        plan = form.plan
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add sessions to %(cohort)s") % {"cohort": cohort.code},
            "opts": self.model._meta,
            "original": cohort,
            "cohort": cohort,
            "form": form,
            "plan": plan,
            "hours_gap": None if plan is None else plan.total_hours - plan.nominal_hours,
            "sessions_url": sessions_url(cohort),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/courses/cohort/schedule.html", context)

    def roster_csv_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The cohort's students as a spreadsheet: everyone who signed up, their status, contact and hours."""
        if not (self.has_view_permission(request) and request.user.has_perm("enrollment.view_enrollment")):
            raise PermissionDenied
        cohort = self.cohort_or_404(object_id)
        scheduled = ClassSession.objects.filter(cohort=cohort).started(timezone.now()).total_minutes()
        enrollments = (
            cohort.enrollments.select_related("student")
            .with_hours()
            .order_by("student__last_name", "student__first_name", "pk")
        )
        header = [
            _("Last name"),
            _("First name"),
            _("E-mail"),
            _("Phone"),
            _("Status"),
            _("Status since"),
            _("Hours attended"),
            _("Hours scheduled so far"),
            _("Course hours"),
        ]
        rows = (
            [
                e.student.last_name,
                e.student.first_name,
                e.student.email,
                e.student.phone,
                e.get_status_display(),
                timezone.localtime(e.status_changed_at).strftime("%Y-%m-%d %H:%M"),
                Hours.text(e.attended_minutes),
                Hours.text(scheduled),
                f"{cohort.course.nominal_hours.normalize():f}",
            ]
            for e in enrollments
        )
        return csv_download(f"roster-{cohort.code}.csv", header, rows)

    def has_delete_permission(self, request: HttpRequest, obj: Cohort | None = None) -> bool:
        # A cohort anyone signed up for keeps its enrollments (the database protects them): cancel it instead.
        if obj is not None and obj.enrollments.exists():
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Cohort, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "capacity" in form.changed_data:
            # Audited; raised capacity: the new seats go to the waitlist at once, in order, as a withdrawal's would.
            offered = services.record_capacity_change(
                cohort=obj, old=form.initial["capacity"], new=obj.capacity, actor=request.user
            )
            if offered:
                names = ", ".join(str(enrollment.student) for enrollment in offered)
                messages.info(
                    request,
                    _("%(count)s freed seat(s) of %(cohort)s offered to the waitlist: %(names)s.")
                    % {"count": len(offered), "cohort": obj.code, "names": names},
                )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cohort]:
        # Seats are derived from enrollments: counting them in the same query keeps the changelist to a fixed
        # number of queries however many cohorts it shows.
        return with_status_counts(super().get_queryset(request))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            # Other apps' flags for the page's cohorts, in one go; the rows read them from the same cached objects.
            flag_cohorts(list(changelist.result_list))
        return response

    @admin.display(description=_lazy("Cohort"), ordering="code")
    def cohort(self, cohort: Cohort) -> SafeString:
        flags = getattr(cohort, "board_flags", ())
        return format_html(
            '{}<span class="cell-detail">{}</span>{}',
            cohort.code,
            cohort.course.title,
            # Inside the row's link to the cohort: text only (another app's report links from its own pages).
            format_html_join("", '<span class="cell-flag">{}</span>', ((flag.text,) for flag in flags)),
        )

    @admin.display(description=_lazy("Dates"), ordering="starts_on")
    def dates(self, cohort: Cohort) -> SafeString:
        return format_html(
            '<span class="cell-line">{}</span> <span class="cell-line">{} {}</span>',
            date_text(cohort.starts_on),
            _("to"),
            date_text(cohort.ends_on),
        )

    @admin.display(description=_lazy("Seats taken"), ordering="seats_taken")
    def seats_taken(self, cohort: Cohort) -> int | None:
        return cohort.seats_taken if cohort.pk is not None else None

    @admin.display(description=_lazy("Seated"), ordering="seated")
    def seated(self, cohort: Cohort) -> int | None:
        return getattr(cohort, "seated", None)

    @admin.display(description=_lazy("Pending"), ordering="pending")
    def pending(self, cohort: Cohort) -> int | None:
        return getattr(cohort, "pending", None)

    @admin.display(description=_lazy("Offered"), ordering="offered")
    def offered(self, cohort: Cohort) -> int | None:
        return getattr(cohort, "offered", None)

    @admin.display(description=_lazy("Waiting"), ordering="waitlisted")
    def waitlisted(self, cohort: Cohort) -> int | None:
        return getattr(cohort, "waitlisted", None)

    @admin.display(description=_lazy("Seats taken"), ordering="seats_taken")
    def fill(self, cohort: Cohort) -> SafeString:
        return fill_bar(cohort)

    @admin.display(description=_lazy("Scheduled hours"))
    def scheduled_hours(self, cohort: Cohort) -> SafeString | str:
        if cohort.pk is None:
            return "-"
        duration = Cohort.objects.with_scheduled_hours().values_list("scheduled_duration", flat=True).get(pk=cohort.pk)
        hours = Decimal(duration.total_seconds() / 3600 if duration else 0).quantize(Decimal("0.1"))
        nominal = cohort.course.nominal_hours
        values = {"hours": hours, "gap": abs(hours - nominal), "nominal": f"{nominal.normalize():f}"}
        if hours == nominal:
            return _("%(hours)s h, the course's %(nominal)s h") % values
        if hours < nominal:
            text = _("%(hours)s h scheduled, %(gap)s h short of the course's %(nominal)s h: add or change sessions.")
        else:
            text = _("%(hours)s h scheduled, %(gap)s h more than the course's %(nominal)s h: add or change sessions.")
        # The sentence is ours, as a template's blocktranslate text is, and kept as written; its values are escaped.
        sentence = text % {key: conditional_escape(value) for key, value in values.items()}
        return format_html('<span class="hours-mismatch">{}</span>', mark_safe(sentence))  # noqa: S308


@admin.register(ClassSession)
class ClassSessionAdmin(InputCheckingAdmin, admin.ModelAdmin):
    # Opened filtered to one cohort: no second COUNT(*) of every session of every cohort for "(N total)".
    show_full_result_count = False
    list_display = ["cohort", "starts_at", "ends_at", "kind", "topic", "hours"]
    list_display_links = ["starts_at"]
    list_filter = [SessionCohortFilter, "kind", "cohort__course"]
    list_select_related = ["cohort"]
    change_list_template = "admin/courses/classsession/change_list.html"
    search_fields = ["topic", "cohort__code"]
    ordering = ["-starts_at"]
    autocomplete_fields = ["cohort"]
    fields = ["cohort", "starts_at", "ends_at", "hours", "kind", "topic", "location"]

    class Media:
        js = ["js/autocomplete_labels.js"]

    readonly_fields = ["hours"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClassSession]:
        # Autocomplete results (attendance) are labelled with str(session), which reads the cohort's code.
        return super().get_queryset(request).select_related("cohort")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # Showing one cohort's sessions: offer to add more to it.
        value = request.GET.get(SessionCohortFilter.parameter_name, "")
        cohort = None
        if value and is_key(Cohort._meta.pk, value):
            cohort = Cohort.objects.filter(pk=value).only("pk", "code").first()
        return super().changelist_view(request, {"cohort": cohort, **(extra_context or {})})

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        """A session with attendance is never removed (the database refuses too): say why, and what to do."""
        session = self.get_object(request, unquote(object_id))
        if session is not None and session.attendance.exists():
            self.message_user(
                request,
                _(
                    "%(session)s has attendance on record, so it cannot be removed: its students' hours depend on "
                    "it. Change its time or topic instead, or correct the attendance."
                )
                % {"session": session},
                messages.ERROR,
            )
            return redirect("admin:courses_classsession_change", session.pk)
        return super().delete_view(request, object_id, extra_context)

    @admin.display(description=_lazy("Hours"))
    def hours(self, session: ClassSession) -> Decimal | None:
        return session_hours(session)

    def has_delete_permission(self, request: HttpRequest, obj: ClassSession | None = None) -> bool:
        # A session with attendance is kept: its students' hours depend on it (delete_view says so if asked).
        if obj is not None and obj.attendance.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(SchoolProfile)
class SchoolProfileAdmin(InputCheckingAdmin, admin.ModelAdmin):
    """The school's contact details and policy texts: one row, edited, never added twice or deleted."""

    fieldsets = [
        (
            gettext_lazy("Contact details (every page's footer and every e-mail)"),
            {"fields": ["name", "phone", "email", "street_address", "office_hours"]},
        ),
        (
            gettext_lazy("Policies (the privacy notice and refund pages, linked from the signup form)"),
            {"fields": ["privacy_notice", "refund_policy"]},
        ),
    ]
    readonly_fields = ["updated_at"]
    list_display = ["display_name", "phone", "email", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # From the profile every page reads (SchoolProfile.current(), in memory): the sidebar asks on every admin page.
        return super().has_add_permission(request) and SchoolProfile.current()._state.adding

    def has_delete_permission(self, request: HttpRequest, obj: SchoolProfile | None = None) -> bool:
        return False
