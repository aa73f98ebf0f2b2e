"""The Staff group sees the online checkouts and the Stripe webhook events (read-only: only the webhook writes them)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def staff_see_online_payments(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    app_config = apps.get_app_config("payments")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db_alias, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.using(db_alias).get_or_create(name="Staff")
    staff.permissions.add(
        *Permission.objects.using(db_alias).filter(
            content_type__app_label="payments", codename__in=["view_checkoutattempt", "view_webhookevent"]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("enrollment", "0002_staff_and_instructor_groups"),
        ("payments", "0006_online_checkout"),
    ]

    operations = [migrations.RunPython(staff_see_online_payments, migrations.RunPython.noop)]
