"""Staff make instructors' accounts and unlock locked-out logins.

The Staff group gets auth's add, change and view permissions on users (the user admin limits staff to instructors'
accounts and to their name, e-mail and active flag: elite/admin.py) and django-axes' view and delete permissions on
access attempts (the "Locked-out logins" page; unlocking deletes the failed-login rows). Still no group or permission
editing, and never staff or superuser status.

The view permission on users is also what the cohort page's instructors box needed: Django's autocomplete asks the
admin of the model it searches (users) whether the person may view it, and answered staff, who had no user
permission at all, with 403.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "auth": ["add_user", "change_user", "view_user"],
    "axes": ["view_accessattempt", "delete_accessattempt"],
}


def staff_make_instructors_and_unlock_logins(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    for label in GRANTS:
        # On a fresh database the permissions are only created by post_migrate, after every migration has run.
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=db_alias, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff = Group.objects.using(db_alias).filter(name="Staff").first()
    if staff is None:
        return
    for label, codenames in GRANTS.items():
        staff.permissions.add(
            *Permission.objects.using(db_alias).filter(content_type__app_label=label, codename__in=codenames)
        )


def teachers_join_the_instructors_group(apps, schema_editor):
    """A cohort's instructors are now chosen from the Instructors group: whoever teaches a cohort already joins it, so
    that saving their cohort's page does not refuse them."""
    db_alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Cohort = apps.get_model("courses", "Cohort")
    instructors, _ = Group.objects.using(db_alias).get_or_create(name="Instructors")
    teaching = Cohort.instructors.through.objects.using(db_alias).values_list("user_id", flat=True).distinct()
    instructors.user_set.add(*teaching)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("axes", "0010_accessattemptexpiration"),
        ("courses", "0003_instructors_from_their_group"),
        ("enrollment", "0011_student_messages"),
    ]

    operations = [
        # Reversing leaves the permissions in place, as the groups' migration does.
        migrations.RunPython(staff_make_instructors_and_unlock_logins, migrations.RunPython.noop),
        migrations.RunPython(teachers_join_the_instructors_group, migrations.RunPython.noop),
    ]
