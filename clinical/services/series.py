"""Publishing a series of shifts on the school's calendar (the schedule generator's)."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinical.models import (
    Shift,
    Site,
)
from courses.models import Cohort
from courses.schedule import ScheduleError, chosen_days, school_time
from enrollment.services import audit


@dataclass(frozen=True)
class ShiftSeriesRequest:
    """ "Every Saturday 7 am-7 pm at Station 14 until June": weekdays (Monday 0), wall-clock times in Chicago (an end
    at or before the start is the next morning: a night shift), the days it spans and the days left out."""

    site: Site
    weekdays: frozenset[int]
    starts_at: datetime.time
    ends_at: datetime.time
    first_day: datetime.date
    last_day: datetime.date
    capacity: int
    cohort: Cohort | None = None
    preceptor_name: str = ""
    preceptor_email: str = ""
    holidays: frozenset[datetime.date] = frozenset()
    skip_federal_holidays: bool = False  # hospitals and ambulances run on holidays


@dataclass(frozen=True)
class PlannedShift:
    starts_at: datetime.datetime
    ends_at: datetime.datetime

    @property
    def hours(self) -> Decimal:
        # In UTC: aware datetimes of one zone subtract as wall-clock times, which is an hour off across a change.
        elapsed = self.ends_at.astimezone(datetime.UTC) - self.starts_at.astimezone(datetime.UTC)
        return (Decimal(elapsed.total_seconds()) / 3600).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class ShiftSeriesPlan:
    request: ShiftSeriesRequest
    shifts: tuple[PlannedShift, ...]
    skipped: tuple[tuple[datetime.date, str], ...]

    @property
    def fingerprint(self) -> str:
        """A digest of exactly what "Publish" makes, so a plan that changed since the preview is refused."""
        text = "\n".join(f"{s.starts_at.isoformat()}|{s.ends_at.isoformat()}" for s in self.shifts)
        text += (
            f"\n{self.request.site.pk}|{self.request.cohort.pk if self.request.cohort else ''}|{self.request.capacity}"
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def plan_shift_series(request: ShiftSeriesRequest) -> ShiftSeriesPlan:
    """The shifts a series would publish, walked on the school's calendar like class sessions (courses.schedule).
    Refusals are ScheduleErrors with the schedule generator's codes."""
    if not request.weekdays:
        raise ScheduleError(_("Choose at least one day of the week."), code="no_weekday", field="weekdays")
    if request.starts_at == request.ends_at:
        raise ScheduleError(
            _("A shift must end at another time than it starts: check the end time."),
            code="ends_before_start",
            field="ends_at",
        )
    if request.last_day < request.first_day:
        raise ScheduleError(
            _("The last day is before the first day: swap them or correct one."),
            code="dates_out_of_order",
            field="last_day",
        )
    days, skipped = chosen_days(
        weekdays=request.weekdays,
        first_day=request.first_day,
        last_day=request.last_day,
        holidays=request.holidays,
        skip_federal_holidays=request.skip_federal_holidays,
    )
    if not days:
        raise ScheduleError(
            _("No day in that range is left: check the days of the week, the dates and the days left out."),
            code="no_sessions",
        )
    zone = timezone.get_default_timezone()
    overnight = request.ends_at <= request.starts_at
    shifts = tuple(
        PlannedShift(
            starts_at=school_time(day, request.starts_at, zone, field="starts_at"),
            ends_at=school_time(day + datetime.timedelta(days=overnight), request.ends_at, zone, field="ends_at"),
        )
        for day in days
    )
    return ShiftSeriesPlan(request=request, shifts=shifts, skipped=tuple(skipped))


@transaction.atomic
def publish_shift_series(
    *, request: ShiftSeriesRequest, fingerprint: str, actor: AbstractBaseUser | None = None
) -> list[Shift]:
    """Publish exactly the shifts the preview showed (its `fingerprint`), all or none; one audit row says who."""
    plan = plan_shift_series(request)
    if plan.fingerprint != fingerprint:
        raise ScheduleError(
            _("The series changed since the preview: look at the new preview, then publish again."),
            code="plan_changed",
        )
    made = Shift.objects.bulk_create(
        Shift(
            site=request.site,
            cohort=request.cohort,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            capacity=request.capacity,
            preceptor_name=request.preceptor_name,
            preceptor_email=request.preceptor_email,
        )
        for s in plan.shifts
    )
    audit(
        action="clinical.shifts_published",
        enrollment=None,
        actor=actor,
        data={
            "site": request.site.name,
            "cohort": request.cohort.code if request.cohort else "",
            "shifts": len(made),
            "first": made[0].starts_at.isoformat(),
            "last": made[-1].starts_at.isoformat(),
        },
    )
    return made
