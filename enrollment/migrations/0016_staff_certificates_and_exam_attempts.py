"""The Staff group sees certificates of completion (and changes them: the exam registration date; revoking is its own
page) and records Registry exam attempts (add and view only: an attempt is never edited or deleted)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = ["view_certificate", "change_certificate", "add_examattempt", "view_examattempt"]


def staff_keep_certificates(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    app_config = apps.get_app_config("enrollment")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db_alias, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.using(db_alias).get_or_create(name="Staff")
    staff.permissions.add(
        *Permission.objects.using(db_alias).filter(content_type__app_label="enrollment", codename__in=GRANTS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("enrollment", "0015_certificates_and_exam_attempts"),
    ]

    operations = [migrations.RunPython(staff_keep_certificates, migrations.RunPython.noop)]
