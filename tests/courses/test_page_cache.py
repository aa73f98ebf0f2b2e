import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enrollment import services
from tests.factories import make_cohort, student_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 1
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def test_public_pages_are_served_from_memory_within_a_second(client, page_cache):
    cohort = make_cohort(capacity=3)
    first = client.get(cohort.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        second = client.get(cohort.get_absolute_url())
    assert second.content == first.content
    assert len(queries) == 0
    assert "max-age=1" in second["Cache-Control"]


def test_cached_seat_counts_catch_up_after_the_cache_time(client, page_cache):
    cohort = make_cohort(capacity=3)
    assert "3 seats left" in client.get(cohort.get_absolute_url()).content.decode()
    services.request_seat(cohort=cohort, student=student_details())
    caches["pages"].clear()  # what one second does
    assert "2 seats left" in client.get(cohort.get_absolute_url()).content.decode()


def test_a_logged_in_person_never_gets_the_anonymous_copy(client, page_cache, django_user_model):
    make_cohort()
    anonymous = client.get("/").content.decode()
    assert "Log out" not in anonymous
    client.force_login(django_user_model.objects.create_user("instructor9"))
    assert "Log out" in client.get("/").content.decode()
