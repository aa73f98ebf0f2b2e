from django.urls import path

from enrollment import portal

app_name = "portal"

urlpatterns = [
    path("", portal.my_cohorts, name="my_cohorts"),
    path("cohorts/<int:pk>/", portal.roster, name="roster"),
    path("cohorts/<int:pk>/roster.csv", portal.roster_csv, name="roster_csv"),
    path("sessions/<int:pk>/attendance/", portal.attendance, name="attendance"),
    path("sessions/<int:pk>/sign-in/", portal.sign_in_sheet, name="sign_in"),
]
