"""The clinical app's e-mails: the preceptor's one-time sign-off link and the reminders that a clearance document
expires soon. Sent through the enrollment app's outbox (retries, backoff, staff can see and resend them); this module
renders each from the row it is about."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clinical.models import Booking, PreceptorLink
from enrollment.models import Credential, OutgoingEmail
from enrollment.notifications import school_context, send_message


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
        **school_context(),
    }
    subject = _("Please sign off %(school)s students: %(site)s, %(day)s") % {
        "school": context["school_name"],
        "site": shift.site.name,
        "day": date_format(timezone.localtime(shift.starts_at), "F j"),
    }
    send_message(email.to_address, subject, "clinical/email/preceptor_link", context)


def send_document_reminder(email: OutgoingEmail) -> None:
    """A clearance document expires in 30 or 7 days: renew it before the next shift."""
    enrollment = email.enrollment
    credential = Credential.objects.select_related("credential_type").get(pk=email.about_id)
    context = {
        "student": enrollment.student,
        "credential": credential,
        "expires": date_format(credential.expires_on, "l, F j, Y"),
        "url": settings.SITE_URL + reverse("clinical:clinicals", kwargs={"token": enrollment.token}),
        **school_context(),
    }
    subject = _("Your %(name)s expires on %(day)s") % {
        "name": credential.credential_type.name,
        "day": date_format(credential.expires_on, "F j"),
    }
    send_message(enrollment.student.email, subject, "clinical/email/document_expiring", context)
