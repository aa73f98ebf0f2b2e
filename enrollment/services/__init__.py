"""Every change to an enrollment, a seat, a credential or attendance: the one path the site, the admin, commands and
tests use. Callers read `services.request_seat(...)`; the workflows live in the modules below.

- core: EnrollmentError and the one list of its codes, the locks, the audit row, the bare transition step;
- eligibility: the one check of age and requirements, for every step that grants or keeps a seat;
- waitlist: the one settling step (lapse expired offers, offer free seats) and a place in the queue;
- transitions: the step every status change takes (table, audit, e-mail, settling when a seat is freed);
- completion: the readiness gate, the certificate, the Registry exam afterwards;
- signup, decisions, credentials, cohorts, attendance, messages: the workflows.

Each function that can take or free a seat runs inside one transaction that first locks the cohort row, then counts
the seat-holding enrollments, then writes. Every change writes an AuditEvent in the same transaction and e-mails the
student after commit, so a rolled-back change leaves no trace and sends nothing.
"""

from enrollment.models import confirm_window
from enrollment.services.attendance import AttendanceEntry, record_attendance
from enrollment.services.cohorts import check_capacity, record_capacity_change
from enrollment.services.completion import (
    EXAM_REMINDER_EMAIL,
    add_months,
    complete,
    issue_certificate,
    record_exam_attempt,
    record_exam_registration,
    remind_exam_registration,
    revoke_certificate,
)
from enrollment.services.core import ERROR_CODES, EnrollmentError, audit, register_enrollment_listener
from enrollment.services.credentials import Verification, add_credential, reject_credential, verify_credential
from enrollment.services.decisions import (
    accept_offer,
    approve,
    decline_offer,
    mark_did_not_complete,
    move,
    reject,
    withdraw,
)
from enrollment.services.eligibility import (
    CredentialDetails,
    Eligibility,
    GuardianDetails,
    NextStep,
    Shortfall,
    StudentDetails,
    check_eligibility,
    eligibility_on_file,
    needs_guardian,
)
from enrollment.services.messages import send_student_message
from enrollment.services.signup import (
    SignupReceipt,
    add_to_cohort,
    confirm_signup,
    differing_details,
    request_seat,
    resend_signup_email,
    resolve_details,
    sign_up,
)
from enrollment.services.waitlist import expire_offers, promote_waitlist, waitlist_position

__all__ = [
    "register_enrollment_listener",
    "ERROR_CODES",
    "EXAM_REMINDER_EMAIL",
    "AttendanceEntry",
    "CredentialDetails",
    "Eligibility",
    "EnrollmentError",
    "GuardianDetails",
    "NextStep",
    "Shortfall",
    "SignupReceipt",
    "StudentDetails",
    "Verification",
    "accept_offer",
    "add_credential",
    "add_months",
    "add_to_cohort",
    "approve",
    "audit",
    "check_capacity",
    "check_eligibility",
    "complete",
    "decline_offer",
    "confirm_signup",
    "confirm_window",
    "differing_details",
    "eligibility_on_file",
    "expire_offers",
    "mark_did_not_complete",
    "needs_guardian",
    "move",
    "promote_waitlist",
    "record_attendance",
    "record_capacity_change",
    "reject",
    "reject_credential",
    "request_seat",
    "resend_signup_email",
    "resolve_details",
    "send_student_message",
    "sign_up",
    "verify_credential",
    "waitlist_position",
    "withdraw",
    "issue_certificate",
    "record_exam_attempt",
    "record_exam_registration",
    "remind_exam_registration",
    "revoke_certificate",
]
