"""The certificate of completion as a PDF (WeasyPrint), with a QR code (segno) to its public verify page."""

from __future__ import annotations

from pathlib import Path

import segno
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from courses.models import SchoolProfile
from enrollment.models import Certificate, Hours

STYLESHEET = Path(__file__).with_name("certificate.css")


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as PDF bytes: the school, the student, the course, its hours, the completion date, the code and
    a QR code to SITE_URL/verify/<code>/."""
    import weasyprint  # loaded on first use: it pulls in Pango and fonts, which only this page needs

    enrollment = certificate.enrollment
    course = enrollment.cohort.course
    qr = segno.make(certificate.verify_url, error="m")
    html = render_to_string(
        "enrollment/certificate.html",
        {
            "certificate": certificate,
            "student": enrollment.student,
            "cohort": enrollment.cohort,
            "course": course,
            "hours": Hours.text(int(course.nominal_hours * 60)),
            "school": SchoolProfile.current(),
            "completed_on": certificate.completed_on,
            "qr": qr.svg_data_uri(scale=4, border=0),
            "verify_url": certificate.verify_url,
            "printed_at": timezone.localtime(),
        },
    )
    return weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(filename=STYLESHEET)])


def certificate_download(certificate: Certificate) -> HttpResponse:
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
