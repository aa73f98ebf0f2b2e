"""The Staff and Instructors groups and their permissions, so that every deployment has them (not only the demo).

Staff manage courses, cohorts, sessions, students, credentials, enrollments and attendance, and read the audit trail;
they get no auth permissions (users, groups). Instructors get no admin permissions: they are not staff and use their
own portal.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF_APPS = ["courses", "enrollment"]


def create_groups(apps, schema_editor):
    # On a fresh database the permissions are only created by post_migrate, after every migration has run: create
    # those of our apps now, through the migration state (create_permissions skips apps whose models_module is unset,
    # which is always so for the state's app configs).
    db_alias = schema_editor.connection.alias
    for label in STAFF_APPS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=db_alias, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ours = Permission.objects.using(db_alias).filter(content_type__app_label__in=STAFF_APPS)
    staff, _ = Group.objects.using(db_alias).get_or_create(name="Staff")
    staff.permissions.add(
        *ours.exclude(content_type__model="auditevent"),
        *ours.filter(content_type__model="auditevent", codename="view_auditevent"),
    )
    Group.objects.using(db_alias).get_or_create(name="Instructors")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0001_initial"),
        ("enrollment", "0001_initial"),
    ]

    operations = [
        # Reversing leaves the groups in place: they may have members by then.
        migrations.RunPython(create_groups, migrations.RunPython.noop),
    ]
