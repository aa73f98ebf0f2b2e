"""The school's refund policy as data, a starting point like an Illinois private vocational school's (the school should
have its own adviser read it): before the first day, everything back but a $50 registration fee; from the first day,
by the share of the course's hours attended: up to 10% -> 90%, up to 25% -> 75%, up to 50% -> 50%, beyond -> nothing.
The Staff group edits the policy and its rules and settles the proposed refunds."""

from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations

REGISTRATION_FEE = Decimal("50.00")
RULES = [
    ("before_start", 1, Decimal(100)),
    ("hours_attended", 10, Decimal(90)),
    ("hours_attended", 25, Decimal(75)),
    ("hours_attended", 50, Decimal(50)),
    ("hours_attended", 100, Decimal(0)),
]


def load_default_policy(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    RefundPolicy = apps.get_model("payments", "RefundPolicy")
    RefundRule = apps.get_model("payments", "RefundRule")
    if RefundPolicy.objects.using(db_alias).filter(course__isnull=True).exists():
        return
    policy = RefundPolicy.objects.using(db_alias).create(course=None, registration_fee=REGISTRATION_FEE)
    for basis, bound, percent in RULES:
        RefundRule.objects.using(db_alias).create(policy=policy, basis=basis, bound=bound, refund_percent=percent)


def staff_settle_refunds(apps, schema_editor):
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
        *ours.filter(content_type__model__in=["refundpolicy", "refundrule"]),
        *ours.filter(
            content_type__model="refundproposal", codename__in=["view_refundproposal", "change_refundproposal"]
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("enrollment", "0002_staff_and_instructor_groups"),
        ("payments", "0008_refund_policy_and_proposals"),
    ]

    operations = [
        migrations.RunPython(load_default_policy, migrations.RunPython.noop),
        migrations.RunPython(staff_settle_refunds, migrations.RunPython.noop),
    ]
