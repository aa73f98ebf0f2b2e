"""The Staff group sets up payment plans and deposit rules (all four permissions), sees every enrollment's instalments
and puts one on a plan (view, add: through the "apply a plan" page), and may move one student's deposit deadline
(view, change)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGE = ["paymentplan", "planstep", "depositrule"]


def staff_run_plans(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    app_config = apps.get_app_config("payments")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=db_alias, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.using(db_alias).get_or_create(name="Staff")
    ours = Permission.objects.using(db_alias).filter(content_type__app_label="payments")
    staff.permissions.add(
        *ours.filter(content_type__model__in=MANAGE),
        *ours.filter(content_type__model="instalment", codename__in=["view_instalment", "add_instalment"]),
        *ours.filter(content_type__model="deposit", codename__in=["view_deposit", "change_deposit"]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("payments", "0003_payment_plans_and_deposits"),
    ]

    operations = [migrations.RunPython(staff_run_plans, migrations.RunPython.noop)]
