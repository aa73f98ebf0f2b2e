from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("courses/", views.CourseListView.as_view(), name="course_list"),
    path("courses/<slug:slug>/", views.CourseDetailView.as_view(), name="course_detail"),
    path("cohorts/<int:pk>/", views.CohortDetailView.as_view(), name="cohort_detail"),
]
