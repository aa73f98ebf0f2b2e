from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from elite import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("instructor/", include("enrollment.portal_urls")),
    path("", include("courses.urls")),
    path("", include("enrollment.urls")),
]

if settings.BENCH_HELLO:
    urlpatterns.insert(0, path("bench/hello", views.hello))
