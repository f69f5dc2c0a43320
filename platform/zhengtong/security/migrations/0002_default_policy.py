"""The policy row exists from the start, holding the level-3 defaults."""
from django.db import migrations


def create_default_policy(apps, schema_editor):
    SecurityPolicy = apps.get_model("security", "SecurityPolicy")
    SecurityPolicy.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("security", "0001_initial")]

    operations = [migrations.RunPython(create_default_policy, migrations.RunPython.noop)]
