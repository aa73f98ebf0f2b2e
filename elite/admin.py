"""The project's part of the back office: the login form, and the admins other packages register, made to take the
same care as ours.

Our apps' admins mix in courses.admin_input.InputCheckingAdmin themselves; Django's user and group admins and
django-axes' lock-out tables get it here. "elite" is the last installed app, so its admin module is read last.
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib import admin
from django.utils.translation import gettext_lazy

from courses.admin_input import with_input_checks
from elite.forms import AdminLoginForm

admin.site.login_form = AdminLoginForm

if admin.site.is_registered(AccessAttempt):

    class AccessAttemptAdmin(type(admin.site.get_model_admin(AccessAttempt))):
        @admin.action(description=gettext_lazy("Clean up expired attempts"))
        def cleanup_expired_attempts(self, request, queryset) -> None:
            # django-axes 8.3 reads the attempt time its handler sets on login requests only; without it the action
            # fails with a server error however it is called.
            AxesProxyHandler.update_request(request)
            super().cleanup_expired_attempts(request, queryset)

    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptAdmin)

# There is no public list of the registered admins; the registry is the admin site's own.
for model, model_admin in list(admin.site._registry.items()):
    checked = with_input_checks(type(model_admin))
    if checked is not type(model_admin):
        admin.site.unregister(model)
        admin.site.register(model, checked)
