# ruff: noqa: E501  (each line of these texts is a paragraph as staff see and edit it)
"""The school's default privacy notice and refund policy: the starting text of SchoolProfile, which staff edit in
the back office. Written for an EMS school in Illinois; the school should have its own adviser read them."""

from django.utils.translation import gettext_lazy as _

DEFAULT_PRIVACY_NOTICE = _(
    """What we collect
When you sign up for a course we collect your name, e-mail address, phone number and date of birth, the credentials a course asks for (such as a CPR card or an EMT license, with their numbers, expiration dates and any scan you upload) and, if you are under 18 when the course starts, the name, phone number and e-mail address of a parent or guardian. While you attend we record your attendance and hours.

Why we collect it
We use it to decide whether you can take a seat (age and entry requirements), to run the course (rosters, attendance, sign-in sheets), to contact you about your enrollment, and to report your course completion to the Illinois Department of Public Health and to your EMS System, as the State's EMS rules require of approved training programs. We do not sell your information or use it for advertising.

Who sees it
Our office staff and the instructors of your cohort. Instructors see only the cohorts they teach. We share course completion and attendance records with the Illinois Department of Public Health, your EMS System's Resource Hospital and the National Registry of EMTs when you take its exam, and otherwise only when the law requires it.

How long we keep it
Enrollment, attendance and completion records are kept for at least five years after your course ends, as training records must be. Uploaded scans of credentials are deleted when they are no longer needed to check your eligibility.

Your choices
You can ask to see the information we hold about you, to correct it, or to have it deleted where we are not required to keep it. Contact the school office, whose details are at the bottom of every page. If you are under 18, your parent or guardian may ask on your behalf."""
)

# What the school says about refunds beside the rules: the rules themselves (what is refunded when) are the payments
# app's data, and the refund page writes them out above this text.
DEFAULT_REFUND_POLICY = _(
    """If we cancel or move a cohort
If the school cancels a cohort, you receive a full refund, or you may move to another cohort at no cost. If the school changes a cohort's dates, you may withdraw for a full refund.

How to ask for a refund
Withdraw from the link in your enrollment e-mail, or write to the school office. Refunds are paid to the original method of payment within 30 days of your withdrawal."""
)
