"""The cohort admin: its changelist (seat board, order, month filter, search, query counts), its change page (sessions
and their hours, enrollments read-only, instructor autocomplete), capacity changes (refused below the seats held,
audited, offering new seats to the waitlist) and the offer-next-seats action."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import ClassSession, Cohort, CohortStatus, Course, Level
from enrollment import services
from enrollment.models import AuditEvent, Enrollment, EnrollmentStatus
from tests.factories import details_of, make_cohort, make_course, make_session, make_student

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]

S = EnrollmentStatus
COHORTS = reverse("admin:courses_cohort_changelist")


# --- the changelist: a seat board ---------------------------------------------------------------------------------


def test_cohort_changelist_shows_counts_by_status_and_a_fill_bar(staff_client):
    cohort = make_cohort(capacity=4, code="EMT-BOARD")
    now = timezone.now()
    for status, expires in [
        (S.ENROLLED, None),
        (S.PENDING_REVIEW, None),
        (S.OFFERED, now + datetime.timedelta(hours=1)),
        (S.OFFERED, now - datetime.timedelta(hours=1)),  # expired: no seat
        (S.WAITLISTED, None),
    ]:
        Enrollment.objects.create(student=make_student(), cohort=cohort, status=status, offer_expires_at=expires)

    response = staff_client.get(COHORTS)

    [row] = response.context["cl"].result_list
    assert (row.seats_taken, row.seated, row.pending, row.offered, row.waitlisted) == (3, 1, 1, 1, 1)
    # Seats taken and the capacity are in the fill ("3/4"); "seated" is seats taken less pending and offered.
    for field, value in [("pending", 1), ("offered", 1), ("waitlisted", 1)]:
        assert f'<td class="field-{field}">{value}</td>' in response.text
    assert 'class="fill-bar fill-70" role="img" aria-label="3 of 4 seats taken"' in response.text
    assert '<span class="fill-text">3/4</span>' in response.text
    assert "css/back_office.css" in response.text
    fill_cell = response.text.split('class="field-fill"')[1].split("</td>")[0]
    assert "style=" not in fill_cell


def test_cohort_changelist_is_ordered_by_start_and_filters_by_start_month(staff_client):
    course = make_course()
    march = make_cohort(course, code="C-MAR", starts_on=datetime.date(2031, 3, 10), ends_on=datetime.date(2031, 6, 1))
    january = make_cohort(course, code="C-JAN", starts_on=datetime.date(2031, 1, 5), ends_on=datetime.date(2031, 4, 1))
    late_march = make_cohort(
        course, code="C-MAR2", starts_on=datetime.date(2031, 3, 31), ends_on=datetime.date(2031, 6, 1)
    )

    everything = staff_client.get(COHORTS)
    assert [c.code for c in everything.context["cl"].result_list] == ["C-JAN", "C-MAR", "C-MAR2"]
    assert "March 2031" in everything.text and "January 2031" in everything.text

    in_march = staff_client.get(COHORTS, {"starts": "2031-03"})
    assert [c.pk for c in in_march.context["cl"].result_list] == [march.pk, late_march.pk]
    assert staff_client.get(COHORTS, {"starts": "nonsense"}).status_code in {200, 302}
    assert january.pk not in [c.pk for c in in_march.context["cl"].result_list]


def test_the_seat_board_opens_on_current_cohorts_and_shows_ended_ones_on_request(staff_client):
    course = make_course()

    def cohort(code: str, year: int, status: str = CohortStatus.OPEN) -> Cohort:
        starts = datetime.date(year, 1, 5)
        return make_cohort(course, code=code, starts_on=starts, ends_on=starts.replace(month=5), status=status)

    old = cohort("C-2019", 2019, CohortStatus.COMPLETED)
    dropped = cohort("C-DROP", 2020, CohortStatus.CANCELLED)
    running = cohort("C-NOW", 2026, CohortStatus.RUNNING)
    later = cohort("C-NEXT", 2031)

    def shown(**params: str) -> list[str]:
        return [c.code for c in staff_client.get(COHORTS, params).context["cl"].result_list]

    # Opened bare: the cohorts not over, the running one first; the filter says which cohorts are shown.
    board = staff_client.get(COHORTS)
    assert [c.code for c in board.context["cl"].result_list] == [running.code, later.code]
    assert '<li class="selected">\n    <a href="?shown=current"' in board.text
    # "Show all" beside the count shows all cohorts; clearing the filters would only open the same board again.
    assert '2 results (<a href="?shown=all">Show all cohorts</a>)' in board.text
    assert shown(shown="ended") == [old.code, dropped.code]
    assert shown(shown="all") == [old.code, dropped.code, running.code, later.code]
    # A search, a status or a start month looks through every cohort: an old cohort is found by its code.
    assert shown(q="2019") == [old.code]
    assert shown(status__exact="completed") == [old.code]
    assert shown(starts="2020-01") == [dropped.code]
    # ... unless staff narrow it themselves; an unknown value is the default.
    assert shown(q="C-", shown="current") == [running.code, later.code]
    assert shown(shown="<script>") == [running.code, later.code]


def test_the_start_month_filter_names_months_in_the_page_language(staff_client):
    from django.utils import translation

    make_cohort(starts_on=datetime.date(2020, 1, 14), ends_on=datetime.date(2020, 5, 1))
    assert "January 2020" in staff_client.get(COHORTS, {"shown": "all"}).text
    with translation.override("es"):
        assert "enero 2020" in staff_client.get(COHORTS, {"shown": "all"}).text.lower()


def test_cohort_changelist_searches_code_and_location(staff_client):
    make_cohort(code="EMT-WEST", location="West Loop campus")
    make_cohort(code="EMT-SOUTH", location="Hyde Park annex")

    by_code = staff_client.get(COHORTS, {"q": "west"})
    by_location = staff_client.get(COHORTS, {"q": "hyde"})

    assert [c.code for c in by_code.context["cl"].result_list] == ["EMT-WEST"]
    assert [c.code for c in by_location.context["cl"].result_list] == ["EMT-SOUTH"]


def fill_cohorts(course: Course, first: int, last: int) -> None:
    """Cohorts of capacity 1 with one seat taken and one person waiting, each signed up through the service."""
    for n in range(first, last):
        cohort = make_cohort(course, code=f"EMR-{n:03d}", capacity=1)
        for who in ("a", "b"):
            student = make_student(email=f"{who}{n}@example.com")
            services.request_seat(cohort=cohort, student=details_of(student))


def test_cohort_changelist_query_count_does_not_grow_with_cohorts(superuser_client, superuser, admin_url):
    course = make_course(slug="emr", title="EMR", level=Level.EMR)
    url = admin_url(Cohort, "changelist")

    fill_cohorts(course, 0, 3)
    superuser_client.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        response = superuser_client.get(url)
    assert response.context["cl"].result_count == 3

    fill_cohorts(course, 3, 30)
    with CaptureQueriesContext(connection) as many:
        response = superuser_client.get(url)
    assert response.context["cl"].result_count == 30

    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
    cohorts = response.context["cl"].result_list
    assert {(c.seats_taken, c.waitlisted) for c in cohorts} == {(1, 1)}
    assert '<td class="field-waitlisted">1</td>' in response.text
    assert 'aria-label="1 of ' in response.text


def test_cohort_changelist_runs_the_same_queries_with_10_and_200_rows(staff_client, bulk_school):
    # 10 then 200 cohorts of 4 enrollments.
    bulk_school(cohorts=10, per_cohort=4)
    staff_client.get(COHORTS)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as ten:
        response = staff_client.get(COHORTS)
    assert response.context["cl"].result_count == 10

    bulk_school(cohorts=190, per_cohort=4)
    with CaptureQueriesContext(connection) as two_hundred:
        response = staff_client.get(COHORTS)
    assert response.context["cl"].result_count == 200

    assert len(two_hundred) == len(ten), "\n".join(q["sql"] for q in two_hundred.captured_queries)


# --- the change page ----------------------------------------------------------------------------------------------


def test_cohort_page_links_to_its_sessions_which_show_their_hours(superuser_client, school, admin_url):
    response = superuser_client.get(admin_url(Cohort, "change", school.cohort.pk))
    assert not [f for f in response.context["inline_admin_formsets"] if f.opts.model is ClassSession]
    sessions_url = f"{admin_url(ClassSession, 'changelist')}?cohort={school.cohort.pk}&amp;o=2"
    assert f'<a href="{sessions_url}">Class sessions</a>' in response.text

    listed = superuser_client.get(admin_url(ClassSession, "changelist"), {"cohort": school.cohort.pk, "o": "2"})
    assert list(listed.context["cl"].result_list) == list(school.cohort.sessions.order_by("starts_at"))
    assert "4.0" in listed.text
    assert "3.5" in listed.text
    add_more = reverse("admin:courses_cohort_schedule", args=[school.cohort.pk])
    assert f'<a href="{add_more}" class="addlink">Add sessions to {school.cohort.code}</a>' in listed.text
    other = make_cohort(code="EMT-OTHER")
    make_session(other)
    assert (
        superuser_client.get(admin_url(ClassSession, "changelist"), {"cohort": other.pk}).context["cl"].result_count
        == 1
    )
    for nonsense in ["abc", "99999999999999999999999"]:
        page = superuser_client.get(admin_url(ClassSession, "changelist"), {"cohort": nonsense})
        assert page.status_code == 200 and page.context["cl"].result_count == 0


def test_cohort_page_warns_when_scheduled_hours_differ_from_the_course(staff_client):
    cohort = make_cohort(make_course(nominal_hours=12))
    make_session(cohort, days_from_now=1, hours=4)
    make_session(cohort, days_from_now=3, hours=4)
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])

    short = staff_client.get(url).text
    assert '<span class="hours-mismatch">8.0 h scheduled, 4.0 h short of the course\'s 12 h' in short

    make_session(cohort, days_from_now=5, hours=4)
    exact = staff_client.get(url).text
    assert "hours-mismatch" not in exact
    assert "12.0 h, the course&#x27;s 12 h" in exact


def test_cohort_page_lists_enrollments_read_only_with_links(staff_client, sign_up):
    cohort = make_cohort(capacity=1)
    seated = sign_up(cohort)
    waiting = sign_up(cohort)

    response = staff_client.get(reverse("admin:courses_cohort_change", args=[cohort.pk]))

    # A table, not an inline: nothing to post back, no form per enrollment.
    assert not response.context["inline_admin_formsets"]
    assert response.context["cohort_enrollments"] == [seated, waiting]
    table = response.text[response.text.index('id="cohort-enrollments"') :]
    assert table.index(str(seated.student)) < table.index(str(waiting.student))
    assert reverse("admin:enrollment_student_change", args=[seated.student_id]) in table
    assert reverse("admin:enrollment_enrollment_change", args=[waiting.pk]) in table
    assert "Waitlisted" in table
    assert 'name="enrollments-' not in response.text


def test_cohort_page_without_enrollments_says_so_and_hides_them_from_who_may_not_see_them(
    staff_client, sign_up, django_user_model
):
    from django.contrib.auth.models import Permission

    empty = make_cohort(code="EMR-2027-SPR-DAY")
    response = staff_client.get(reverse("admin:courses_cohort_change", args=[empty.pk]))
    assert "Nobody has signed up yet." in response.text

    cohort = make_cohort(code="EMT-2027-SPR-DAY")
    someone = sign_up(cohort)
    clerk = django_user_model.objects.create_user("clerk", password="pw-clerk-2026", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_cohort"))
    staff_client.force_login(clerk)
    response = staff_client.get(reverse("admin:courses_cohort_change", args=[cohort.pk]))
    assert response.status_code == 200
    assert "cohort-enrollments" not in response.text
    assert str(someone.student) not in response.text
    # Who may change enrollments may see them, as Django's view permission has it.
    clerk.user_permissions.add(Permission.objects.get(codename="change_enrollment"))
    clerk = django_user_model.objects.get(pk=clerk.pk)  # permissions are cached on the user object
    staff_client.force_login(clerk)
    response = staff_client.get(reverse("admin:courses_cohort_change", args=[cohort.pk]))
    assert str(someone.student) in response.text[response.text.index('id="cohort-enrollments"') :]


def test_cohort_page_reads_its_enrollments_in_one_query_whatever_their_number(staff_client, sign_up):
    cohort = make_cohort(capacity=30)
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])
    sign_up(cohort)
    staff_client.get(url)
    with CaptureQueriesContext(connection) as one:
        staff_client.get(url)
    for _ in range(5):
        sign_up(cohort)
    with CaptureQueriesContext(connection) as six:
        assert staff_client.get(url).text.count("'s enrollment</a>") == 6
    assert len(six) == len(one)


def test_cohort_page_has_instructor_autocomplete(staff_client):
    response = staff_client.get(reverse("admin:courses_cohort_change", args=[make_cohort().pk]))
    assert "admin-autocomplete" in response.text


# --- capacity, and offering seats to the waitlist -----------------------------------------------------------------


def cohort_form_data(cohort: Cohort, **changes) -> dict:
    data = {
        "course": cohort.course_id,
        "code": cohort.code,
        "status": cohort.status,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "schedule": cohort.schedule,
        "location": cohort.location,
        "capacity": cohort.capacity,
        "enrollment_opens_at_0": "",
        "enrollment_opens_at_1": "",
        "enrollment_closes_at_0": "",
        "enrollment_closes_at_1": "",
        "offer_hours": cohort.offer_hours,
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
    }
    return data | changes


def test_lowering_capacity_below_seats_held_is_refused(staff_client, sign_up):
    cohort = make_cohort(capacity=3, code="EMT-2027-SPR-EVE")
    for _ in range(3):
        sign_up(cohort)
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])

    response = staff_client.post(url, cohort_form_data(cohort, capacity=2))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()["capacity"]
    assert [e.code for e in errors] == ["capacity_below_seats"]
    assert "EMT-2027-SPR-EVE has 3 seats taken, so its capacity cannot be lowered to 2" in response.text
    cohort.refresh_from_db()
    assert cohort.capacity == 3


def test_lowering_capacity_to_the_seats_held_is_allowed(staff_client, sign_up):
    cohort = make_cohort(capacity=5)
    sign_up(cohort)
    sign_up(cohort)

    response = staff_client.post(
        reverse("admin:courses_cohort_change", args=[cohort.pk]), cohort_form_data(cohort, capacity=2)
    )

    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.capacity == 2


def test_raising_capacity_offers_the_new_seats_to_the_waitlist_in_order(back_office, messages_of, sign_up, status_of):
    cohort = make_cohort(capacity=1)
    sign_up(cohort)
    first, second, third = (sign_up(cohort) for _ in range(3))

    response = back_office.post(
        reverse("admin:courses_cohort_change", args=[cohort.pk]), cohort_form_data(cohort, capacity=3)
    )

    assert response.status_code == 302
    assert [status_of(e) for e in (first, second, third)] == [S.OFFERED, S.OFFERED, S.WAITLISTED]
    assert first.audit_events.get(action="enrollment.offered").actor == back_office.user
    assert any("2 freed seat(s)" in m for m in messages_of(response))


def test_capacity_changes_are_audited(staff_client):
    cohort = make_cohort(capacity=3, code="EMT-CAP")
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])

    assert staff_client.post(url, cohort_form_data(cohort, capacity=5)).status_code == 302
    cohort.refresh_from_db()
    assert staff_client.post(url, cohort_form_data(cohort, capacity=2)).status_code == 302
    cohort.refresh_from_db()
    assert staff_client.post(url, cohort_form_data(cohort, location="Elsewhere")).status_code == 302

    events = AuditEvent.objects.filter(action="cohort.capacity_changed").order_by("pk")
    assert [(e.data, e.actor, e.enrollment) for e in events] == [
        ({"cohort": "EMT-CAP", "from": 3, "to": 5}, staff_client.user, None),
        ({"cohort": "EMT-CAP", "from": 5, "to": 2}, staff_client.user, None),
    ]


def test_refused_capacity_change_is_not_audited(staff_client, sign_up):
    cohort = make_cohort(capacity=2)
    sign_up(cohort)
    sign_up(cohort)

    response = staff_client.post(
        reverse("admin:courses_cohort_change", args=[cohort.pk]), cohort_form_data(cohort, capacity=1)
    )

    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="cohort.capacity_changed").exists()


def test_offer_next_seats_action_on_cohorts(staff_client, messages_of, sign_up, status_of):
    cohort = make_cohort(capacity=1, code="EMR-2027-SUM-DAY")
    seated = sign_up(cohort)
    waiting = sign_up(cohort)
    # A seat freed outside the services (e.g. a capacity fixed in the database) is offered by the action.
    Cohort.objects.filter(pk=cohort.pk).update(capacity=2)

    response = staff_client.post(
        reverse("admin:courses_cohort_changelist"),
        {"action": "offer_next_seats", "_selected_action": [cohort.pk], "index": "0"},
    )

    assert response.status_code == 302
    assert messages_of(response) == [f"EMR-2027-SUM-DAY: 1 offered ({waiting.student})"]
    assert status_of(waiting) == S.OFFERED
    assert status_of(seated) == S.ENROLLED
