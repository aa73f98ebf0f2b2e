from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.briefly_cached(views.HomeView.as_view()), name="home"),
    path("courses/", views.briefly_cached(views.CourseListView.as_view()), name="course_list"),
    path("courses/<slug:slug>/", views.briefly_cached(views.CourseDetailView.as_view()), name="course_detail"),
    path("cohorts/<int:pk>/", views.briefly_cached(views.CohortDetailView.as_view()), name="cohort_detail"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("refunds/", views.refund_policy, name="refunds"),
    path("cohorts/<int:pk>/calendar.ics", views.cohort_calendar, name="cohort_calendar"),
]
