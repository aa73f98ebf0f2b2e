from django.urls import path

from skills import views

app_name = "skills"

# Mounted under /instructor/ next to the portal's own pages (elite/urls.py).
urlpatterns = [
    path("cohorts/<int:pk>/lab/", views.lab_day, name="lab_day"),
    path("cohorts/<int:pk>/affective/", views.affective, name="affective"),
    path("skill-attempts/<int:pk>/correct/", views.correct_attempt, name="correct"),
]
