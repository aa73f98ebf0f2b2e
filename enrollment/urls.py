from django.urls import path

from enrollment import views

app_name = "enrollment"

urlpatterns = [
    path("cohorts/<int:pk>/signup/", views.signup, name="signup"),
    path("cohorts/<int:pk>/signup/sent/", views.signup_sent, name="signup_sent"),
    path("cohorts/<int:pk>/signup/resend/", views.resend_signup_email, name="signup_resend"),
    path("my/", views.lost_link, name="lost_link"),
    path("my/<str:token>/", views.status, name="status"),
    path("my/<str:token>/withdraw/", views.withdraw, name="withdraw"),
    path("my/<str:token>/accept/", views.accept_offer, name="accept_offer"),
    path("my/<str:token>/credentials/", views.add_credential, name="add_credential"),
]
