"""Clinical and field experience: the only path to a booking, a patient contact or a preceptor's sign-off.

Built on the enrollment app's services: its one domain error (`EnrollmentError`, codes listed once in
`enrollment/services/core.py`), its audit row, and its credentials (a clearance document is a credential of a type the
course requires "before clinical shifts").

A shift's places are like a cohort's seats: `book_shift` locks the enrollment, then the shift, counts the live
bookings, then writes, all in one transaction. Places are derived, never stored: a live booking is one that is booked
and whose enrollment is still seated (`Booking.objects.live()`), so a withdrawal frees the student's shifts without
this app being told.

- core: when booking and logging close, the outbox kinds, who may go on shifts;
- clearance: cleared for a shift on a day, and the staff's clearance board;
- booking, contacts, signoff: the workflows of a shift;
- progress: the minimums against signed entries, and the roster's line;
- reminders: documents about to expire; series: publishing shifts on the calendar.
"""

from clinical.services.booking import book_shift, drop_booking, takes_clinicals
from clinical.services.clearance import (
    Clearance,
    ClearanceFile,
    ClearanceItem,
    clearance,
    clearance_board,
    clearance_files,
    clearance_on_file,
)
from clinical.services.contacts import ContactDetails, log_contact, refuse_phi
from clinical.services.core import PRECEPTOR_LINK_EMAIL, SEATED, booking_closes, log_closes, when_text
from clinical.services.progress import (
    BEHIND_MARGIN,
    SHORT_NAMES,
    MinimumProgress,
    behind_on_clinicals,
    progress,
    progress_of,
    readiness_items,
    roster_notes,
)
from clinical.services.reminders import DOCUMENT_EXPIRING_EMAIL, REMINDER_DAYS, remind_expiring_documents
from clinical.services.series import (
    PlannedShift,
    ShiftSeriesPlan,
    ShiftSeriesRequest,
    plan_shift_series,
    publish_shift_series,
)
from clinical.services.signoff import (
    SignedBooking,
    issue_preceptor_link,
    preceptor_link,
    send_links_for_ended_shifts,
    sign_off,
)

__all__ = [
    "readiness_items",
    "clearance_files",
    "BEHIND_MARGIN",
    "Clearance",
    "ClearanceFile",
    "ClearanceItem",
    "ContactDetails",
    "DOCUMENT_EXPIRING_EMAIL",
    "MinimumProgress",
    "PRECEPTOR_LINK_EMAIL",
    "PlannedShift",
    "REMINDER_DAYS",
    "SEATED",
    "SHORT_NAMES",
    "ShiftSeriesPlan",
    "ShiftSeriesRequest",
    "SignedBooking",
    "behind_on_clinicals",
    "book_shift",
    "booking_closes",
    "clearance",
    "clearance_board",
    "clearance_on_file",
    "drop_booking",
    "issue_preceptor_link",
    "log_closes",
    "log_contact",
    "plan_shift_series",
    "preceptor_link",
    "progress",
    "progress_of",
    "publish_shift_series",
    "refuse_phi",
    "remind_expiring_documents",
    "roster_notes",
    "send_links_for_ended_shifts",
    "sign_off",
    "takes_clinicals",
    "when_text",
]
