import django.utils.timezone
from django.db import migrations, models


def backfill(apps, schema_editor):
    # Cards existing before the field: the status is taken to hold since acquisition
    # (acquired_on is required, so it is always there).
    Asset = apps.get_model("assets", "Asset")
    Asset.objects.update(status_changed_on=models.F("acquired_on"))


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0005_quotas'),
    ]

    operations = [
        migrations.AddField(
            model_name='asset',
            name='status_changed_on',
            field=models.DateField(default=django.utils.timezone.localdate, editable=False, verbose_name='status since'),
        ),
        migrations.AddField(
            model_name='asset',
            name='status_reason',
            field=models.CharField(blank=True, editable=False, max_length=500, verbose_name='reason for the status'),
        ),
        migrations.AddField(
            model_name='asset',
            name='decision_number',
            field=models.CharField(blank=True, editable=False, max_length=100, verbose_name='decision number'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
