"""The school profile's one row, with its defaults, and the Staff group's right to read and edit it (not to add a
second row or delete it)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_profile(apps, schema_editor):
    SchoolProfile = apps.get_model("courses", "SchoolProfile")
    SchoolProfile.objects.using(schema_editor.connection.alias).get_or_create(pk=1)


def staff_edit_the_profile(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    app_config = apps.get_app_config("courses")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db_alias, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.using(db_alias).get_or_create(name="Staff")
    staff.permissions.add(
        *Permission.objects.using(db_alias).filter(
            content_type__app_label="courses", codename__in=["view_schoolprofile", "change_schoolprofile"]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0004_school_profile"),
        ("enrollment", "0002_staff_and_instructor_groups"),
    ]

    operations = [
        migrations.RunPython(create_profile, migrations.RunPython.noop),
        migrations.RunPython(staff_edit_the_profile, migrations.RunPython.noop),
    ]
