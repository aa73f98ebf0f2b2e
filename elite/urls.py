from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from elite import views
from elite.forms import LoginForm

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Ahead of Django's own auth URLs, which they replace: the login form checks the username's length, the reset
    # e-mail links to SITE_URL, and a reset lifts a failed-login lock-out.
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("instructor/", include("enrollment.portal_urls")),
    path("instructor/", include("skills.urls")),
    path("", include("courses.urls")),
    path("", include("enrollment.urls")),
    path("", include("clinical.urls")),
    path("", include("payments.urls")),
]

if settings.BENCH_HELLO:
    urlpatterns.insert(0, path("bench/hello", views.hello))
    urlpatterns.insert(1, path("bench/replay/<slug:name>", views.replay))
