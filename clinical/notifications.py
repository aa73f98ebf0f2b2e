"""The preceptor's e-mail: a one-time link to sign the shift's students off. Sent through the enrollment app's outbox
(retries, backoff, staff can see and resend it); this module renders it from the PreceptorLink row."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clinical.models import Booking, PreceptorLink
from enrollment.models import OutgoingEmail
from enrollment.notifications import send_message


def send_preceptor_link(email: OutgoingEmail) -> None:
    link = PreceptorLink.objects.select_related("shift__site").get(pk=email.about_id)
    shift = link.shift
    students = [
        b.enrollment.student for b in Booking.objects.live().filter(shift=shift).select_related("enrollment__student")
    ]
    context = {
        "link": link,
        "shift": shift,
        "students": students,
        "url": settings.SITE_URL + link.get_absolute_url(),
        "expires": date_format(timezone.localtime(link.expires_at), "l, F j, Y, g:i A"),
        "school_name": settings.SCHOOL_NAME,
    }
    subject = _("Please sign off %(school)s students: %(site)s, %(day)s") % {
        "school": settings.SCHOOL_NAME,
        "site": shift.site.name,
        "day": date_format(timezone.localtime(shift.starts_at), "F j"),
    }
    send_message(email.to_address, subject, "clinical/email/preceptor_link", context)
