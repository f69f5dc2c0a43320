from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="asset",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
    ]
