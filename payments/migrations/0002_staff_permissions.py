"""The Staff group runs money: fees, sponsors and their shares (all four permissions; the admin refuses deleting a
sponsor with a share or an entry), and the ledger: view it and add to it (record a payment, reverse an entry, through
the services); nobody changes or deletes an entry."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGE = ["fee", "sponsor", "sponsorshare"]


def staff_run_payments(apps, schema_editor):
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
        *ours.filter(content_type__model="ledgerentry", codename__in=["view_ledgerentry", "add_ledgerentry"]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("enrollment", "0002_staff_and_instructor_groups"),
        ("payments", "0001_initial"),
    ]

    operations = [migrations.RunPython(staff_run_payments, migrations.RunPython.noop)]
