from django.http import HttpRequest

from courses.models import SchoolProfile


def school(request: HttpRequest) -> dict[str, object]:
    """The school's name and contact details for every template (navbar, footer, "call the school office"), from
    the process's memory (SchoolProfile.current), so a page costs no query for them."""
    profile = SchoolProfile.current()
    return {"school_name": profile.display_name, "school": profile}
