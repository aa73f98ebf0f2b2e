"""What other apps say about a cohort on the admin's seat board (the payments app's overdue instalments), without
courses importing them: each provider, registered in its app's AppConfig.ready(), takes the cohorts of one page and
returns short flags by cohort pk, in a fixed number of queries whatever the number of cohorts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from courses.models import Cohort


@dataclass(frozen=True)
class SeatBoardFlag:
    """A short line under the cohort's code ("2 payments overdue"); text only, as the cell links to the cohort."""

    text: str


SeatBoardFlags = Callable[[list[Cohort]], dict[int, list[SeatBoardFlag]]]
SEAT_BOARD_FLAGS: list[SeatBoardFlags] = []


def register_seat_board_flags(provider: SeatBoardFlags) -> None:
    if provider not in SEAT_BOARD_FLAGS:
        SEAT_BOARD_FLAGS.append(provider)


def flag_cohorts(cohorts: list[Cohort]) -> None:
    """Set `board_flags` on each cohort of a seat board page: every registered provider's flags."""
    for cohort in cohorts:
        cohort.board_flags = []
    for provider in SEAT_BOARD_FLAGS:
        flags = provider(cohorts)
        for cohort in cohorts:
            cohort.board_flags.extend(flags.get(cohort.pk, ()))
