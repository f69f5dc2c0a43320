"""Ship the top levels and common classes of GB/T 14885 (modules/assets/classification.py)."""
from django.db import migrations


def load(apps, schema_editor):
    from modules.assets.classification import SHIPPED, category_load

    category_load(SHIPPED, category_model=apps.get_model("assets", "Category"))


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0003_card_classification_depreciation"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
