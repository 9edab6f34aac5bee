# User.mfa_enrolled_at: when the user confirmed a TOTP device (mfa.services), None without MFA.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_customer_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="mfa_enrolled_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
