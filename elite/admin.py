"""The project's part of the back office: the login form, and the admins other packages register, made to take the
same care as ours.

Our apps' admins mix in courses.admin_input.InputCheckingAdmin themselves; Django's user and group admins and
django-axes' lock-out tables get it here. "elite" is the last installed app, so its admin module is read last.
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from courses.admin_input import with_input_checks
from courses.models import INSTRUCTORS_GROUP
from elite import lockouts
from enrollment.models import AuditEvent

User = get_user_model()


if admin.site.is_registered(AccessAttempt):

    class AccessAttemptAdmin(type(admin.site.get_model_admin(AccessAttempt))):
        @admin.action(description=gettext_lazy("Clean up expired attempts"))
        def cleanup_expired_attempts(self, request, queryset) -> None:
            # django-axes 8.3 reads the attempt time its handler sets on login requests only; without it the action
            # fails with a server error however it is called.
            AxesProxyHandler.update_request(request)
            super().cleanup_expired_attempts(request, queryset)

        def get_urls(self) -> list[URLPattern]:
            locked = path(
                "locked-out/", self.admin_site.admin_view(self.locked_out_view), name="axes_accessattempt_locked_out"
            )
            unlock = path(
                "locked-out/unlock/",
                self.admin_site.admin_view(require_POST(self.unlock_view)),
                name="axes_accessattempt_unlock",
            )
            return [locked, unlock, *super().get_urls()]

        def locked_out_view(self, request: HttpRequest) -> TemplateResponse:
            """Who cannot log in now (five failed logins from one address), each with an "Unlock" button."""
            if not self.has_delete_permission(request):
                raise PermissionDenied
            context = {
                **self.admin_site.each_context(request),
                "title": _("Locked-out logins"),
                "opts": self.model._meta,
                "lockouts": lockouts.locked_out(request),
            }
            return TemplateResponse(request, "admin/axes/accessattempt/locked_out.html", context)

        def unlock_view(self, request: HttpRequest) -> HttpResponse:
            if not self.has_delete_permission(request):
                raise PermissionDenied
            username = request.POST.get("username", "")[:255] or None
            ip_address = request.POST.get("ip_address", "")[:45] or None
            if ip_address is not None and not lockouts.is_address(ip_address):
                ip_address, username = None, None  # not an address: PostgreSQL would refuse to compare it
            attempts = lockouts.attempts_of(username=username, ip_address=ip_address)
            self.log_deletions(request, attempts)
            if lockouts.unlock(username=username, ip_address=ip_address):
                messages.success(
                    request,
                    _("%(username)s can log in again from %(address)s.")
                    % {"username": username or _("Anyone"), "address": ip_address or _("any address")},
                )
            else:
                messages.warning(request, _("That login was not locked out (any more): nothing to unlock."))
            return redirect("admin:axes_accessattempt_locked_out")

    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptAdmin)


class InstructorCreationForm(AdminUserCreationForm):
    """What staff type to make an instructor's account; nothing else of the user can be set through it."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "email")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True


class InstructorChangeForm(forms.ModelForm):
    """What staff may change of an instructor's account."""

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "is_active")


if admin.site.is_registered(User):

    class SchoolUserAdmin(type(admin.site.get_model_admin(User))):
        """Superusers manage every account as Django does. Staff (with the Staff group's user permissions) see and
        make instructors' accounts only: a new account is never staff or superuser, its one group is Instructors, and
        an instructor's page lets staff change the name, e-mail and whether the account is active, nothing else.
        The form decides which fields a POST can set, so a forged field is ignored, not merely hidden."""

        instructor_add_fieldsets = (
            (
                None,
                {
                    "classes": ("wide",),
                    "fields": (
                        "username",
                        "first_name",
                        "last_name",
                        "email",
                        "usable_password",
                        "password1",
                        "password2",
                    ),
                    "description": gettext_lazy(
                        "An instructor's account: it opens the instructor portal, not the back office."
                    ),
                },
            ),
        )
        instructor_fieldsets = (
            (None, {"fields": ("username",)}),
            (gettext_lazy("Personal info"), {"fields": ("first_name", "last_name", "email")}),
            (gettext_lazy("Access"), {"fields": ("is_active",)}),
        )

        def get_fieldsets(self, request: HttpRequest, obj=None):
            if request.user.is_superuser:
                return super().get_fieldsets(request, obj)
            return self.instructor_add_fieldsets if obj is None else self.instructor_fieldsets

        def get_form(self, request: HttpRequest, obj=None, **kwargs):
            if not request.user.is_superuser:
                kwargs["form"] = InstructorCreationForm if obj is None else InstructorChangeForm
            return super().get_form(request, obj, **kwargs)

        def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None):
            if not request.user.is_superuser:
                extra_context = {"title": _("Add an instructor account"), **(extra_context or {})}
            return super().add_view(request, form_url, extra_context)

        def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
            if not request.user.is_superuser:
                extra_context = {"title": _("Instructor account"), **(extra_context or {})}
            return super().change_view(request, object_id, form_url, extra_context)

        def get_readonly_fields(self, request: HttpRequest, obj=None):
            if obj is not None and not request.user.is_superuser:
                return ("username",)
            return super().get_readonly_fields(request, obj)

        def get_queryset(self, request: HttpRequest) -> QuerySet:
            users = super().get_queryset(request)
            if request.user.is_superuser:
                return users
            # Staff see instructors only: never a staff or superuser account, so never one they could take over.
            return users.filter(groups__name=INSTRUCTORS_GROUP, is_staff=False, is_superuser=False)

        def get_list_filter(self, request: HttpRequest):
            return super().get_list_filter(request) if request.user.is_superuser else ("is_active",)

        def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
            if not request.user.is_superuser:
                obj.is_staff = False
                obj.is_superuser = False
            super().save_model(request, obj, form, change)

        def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
            super().save_related(request, form, formsets, change)
            if not change and not request.user.is_superuser:
                form.instance.groups.set([Group.objects.get(name=INSTRUCTORS_GROUP)])
                form.instance.user_permissions.clear()

        def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
            # Whoever acted on an enrollment is named in the audit trail, which protects them: deactivate instead.
            if obj is not None and AuditEvent.objects.filter(actor=obj).exists():
                return False
            return super().has_delete_permission(request, obj)

    admin.site.unregister(User)
    admin.site.register(User, SchoolUserAdmin)

# There is no public list of the registered admins; the registry is the admin site's own.
for model, model_admin in list(admin.site._registry.items()):
    checked = with_input_checks(type(model_admin))
    if checked is not type(model_admin):
        admin.site.unregister(model)
        admin.site.register(model, checked)
