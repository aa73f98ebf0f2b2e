from django.conf import settings
from django.http import HttpRequest


def school(request: HttpRequest) -> dict[str, str]:
    """The school's name for every template (navbar, footer, e-mails)."""
    return {"school_name": settings.SCHOOL_NAME}
