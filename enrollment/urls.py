from django.urls import path, register_converter

from enrollment import views
from enrollment.converters import PrivateLinkTokenConverter

app_name = "enrollment"

register_converter(PrivateLinkTokenConverter, "private_token")

# Every page under my/<token>/ takes the token through the private_token converter.
urlpatterns = [
    path("cohorts/<int:pk>/signup/", views.signup, name="signup"),
    path("cohorts/<int:pk>/signup/sent/", views.signup_sent, name="signup_sent"),
    path("cohorts/<int:pk>/signup/resend/", views.resend_signup_email, name="signup_resend"),
    path("my/", views.lost_link, name="lost_link"),
    path("my/<private_token:token>/", views.status, name="status"),
    path("my/<private_token:token>/withdraw/", views.withdraw, name="withdraw"),
    path("my/<private_token:token>/accept/", views.accept_offer, name="accept_offer"),
    path("my/<private_token:token>/decline/", views.decline_offer, name="decline_offer"),
    path("my/<private_token:token>/credentials/", views.add_credential, name="add_credential"),
    path("my/<private_token:token>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
