from django.db.models import Prefetch
from django.views.generic import DetailView, ListView, TemplateView

from courses.models import ClassSession, Cohort, Course, Requirement

# Every public page shows requirements in plain words; fetch them with the courses, in one query.
REQUIREMENTS = Prefetch("requirements", queryset=Requirement.objects.select_related("credential_type"))


def upcoming_cohorts():
    return Cohort.objects.public().upcoming().with_seat_counts().select_related("course")


class HomeView(TemplateView):
    template_name = "courses/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["courses"] = Course.objects.published().prefetch_related(REQUIREMENTS)
        context["cohorts"] = upcoming_cohorts().open()[:12]
        return context


class CourseListView(ListView):
    queryset = Course.objects.published().prefetch_related(
        REQUIREMENTS, Prefetch("cohorts", queryset=upcoming_cohorts(), to_attr="upcoming")
    )


class CourseDetailView(DetailView):
    queryset = Course.objects.published().prefetch_related(
        REQUIREMENTS, Prefetch("cohorts", queryset=upcoming_cohorts(), to_attr="upcoming")
    )


class CohortDetailView(DetailView):
    queryset = (
        Cohort.objects.public()
        .with_seat_counts()
        .select_related("course")
        .prefetch_related(
            Prefetch("course__requirements", queryset=Requirement.objects.select_related("credential_type")),
            Prefetch("sessions", queryset=ClassSession.objects.order_by("starts_at")),
        )
    )
