from django.db import migrations, models


class Migration(migrations.Migration):
    """Starts unknown (None) for everyone: each person's flag is computed on their next request."""

    dependencies = [
        ("accounts", "0003_role_request"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="second_factor_role_held",
            field=models.BooleanField(editable=False, null=True),
        ),
    ]
