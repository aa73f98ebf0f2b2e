"""The refund page's rules are now data (the payments app's refund policy, written out above this text), so the
default text keeps only what the rules do not say; a school that never edited the old default gets the new one."""

from django.db import migrations, models

OLD_DEFAULT = "Before the course starts\nIf you withdraw within three business days of signing up, or at any time before the first class, you receive a full refund of the tuition you paid, less a non-refundable application fee of $50 where one was charged.\n\nAfter the course starts\nIf you withdraw after the first class, tuition is refunded in proportion to the scheduled hours not yet held: for example, withdrawing when 25% of the hours have been held refunds 75% of the tuition. No refund is due after 60% of the scheduled hours have been held. Books, uniforms and exam fees paid to third parties (such as the National Registry of EMTs) are not refunded by the school.\n\nIf we cancel or move a cohort\nIf the school cancels a cohort, you receive a full refund, or you may move to another cohort at no cost. If the school changes a cohort's dates, you may withdraw for a full refund.\n\nHow to ask for a refund\nWithdraw from the link in your enrollment e-mail, or write to the school office. Refunds are paid to the original method of payment within 30 days of your withdrawal."


def replace_untouched_default(apps, schema_editor):
    SchoolProfile = apps.get_model("courses", "SchoolProfile")
    new_default = SchoolProfile._meta.get_field("refund_policy").default
    SchoolProfile.objects.using(schema_editor.connection.alias).filter(refund_policy=OLD_DEFAULT).update(
        refund_policy=new_default
    )


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0007_cohort_start_code_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='schoolprofile',
            name='refund_policy',
            field=models.TextField(default="If we cancel or move a cohort\nIf the school cancels a cohort, you receive a full refund, or you may move to another cohort at no cost. If the school changes a cohort's dates, you may withdraw for a full refund.\n\nHow to ask for a refund\nWithdraw from the link in your enrollment e-mail, or write to the school office. Refunds are paid to the original method of payment within 30 days of your withdrawal.", help_text='Shown at /refunds/; a blank line starts a new paragraph.'),
        ),
        migrations.RunPython(replace_untouched_default, migrations.RunPython.noop),
    ]
