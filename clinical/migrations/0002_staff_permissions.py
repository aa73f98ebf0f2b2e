"""The Staff group runs clinical experience: sites, shifts and the courses' minimums (all four permissions; the admin
refuses deleting what has bookings), and sees bookings, patient contacts and preceptor links (view only: students and
preceptors write those)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGE = ["site", "shift", "clinicalminimum"]
VIEW = ["booking", "patientcontact", "preceptorlink"]


def staff_run_clinicals(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    app_config = apps.get_app_config("clinical")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db_alias, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.using(db_alias).get_or_create(name="Staff")
    ours = Permission.objects.using(db_alias).filter(content_type__app_label="clinical")
    staff.permissions.add(
        *ours.filter(content_type__model__in=MANAGE),
        *ours.filter(content_type__model__in=VIEW, codename__startswith="view_"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("enrollment", "0002_staff_and_instructor_groups"),
        ("clinical", "0001_initial"),
    ]

    operations = [migrations.RunPython(staff_run_clinicals, migrations.RunPython.noop)]
