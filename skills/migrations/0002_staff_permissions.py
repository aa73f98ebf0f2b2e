"""The Staff group keeps the skill sheets (add and change; a sheet with attempts cannot be deleted, PROTECT) and sees
attempts and affective evaluations (view only: instructors record those through the services)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGE = ["add_skill", "change_skill", "view_skill"]
VIEW = ["view_attempt", "view_affectiveevaluation"]


def staff_keep_skills(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    app_config = apps.get_app_config("skills")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db_alias, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.using(db_alias).get_or_create(name="Staff")
    staff.permissions.add(
        *Permission.objects.using(db_alias).filter(content_type__app_label="skills", codename__in=MANAGE + VIEW)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("enrollment", "0002_staff_and_instructor_groups"),
        ("skills", "0001_initial"),
    ]

    operations = [migrations.RunPython(staff_keep_skills, migrations.RunPython.noop)]
