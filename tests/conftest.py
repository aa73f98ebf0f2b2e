import os

import pytest

# Playwright runs an event loop in the test thread; Django refuses ORM calls there unless told it is fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded evidence goes to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Rate-limit counters live in the (database) cache; each database test starts with none."""
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    from django.core.cache import cache

    cache.clear()
    yield


GROUPS_MIGRATION = ("enrollment", "0002_staff_and_instructor_groups")


@pytest.fixture
def groups_from_migration(db):
    """The Staff and Instructors groups, as the data migration makes them.

    A transactional test elsewhere flushes the database, and the migration's rows with it, so the migration's
    function is run again here (it is idempotent) against the migration state it was written for.
    """
    import importlib
    from types import SimpleNamespace

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    module = importlib.import_module(f"enrollment.migrations.{GROUPS_MIGRATION[1]}")
    state_apps = MigrationExecutor(connection).loader.project_state(GROUPS_MIGRATION).apps
    module.create_groups(state_apps, SimpleNamespace(connection=connection))


@pytest.fixture
def staff_user(django_user_model, groups_from_migration):
    """A back-office user in the Staff group (not a superuser)."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("renee", "renee@elite-ems.example", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Staff"))
    return user
