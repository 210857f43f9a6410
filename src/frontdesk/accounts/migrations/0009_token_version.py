from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_email_verification"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="token_version",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="user",
            name="token_kept_jti",
            field=models.CharField(blank=True, db_default="", default="", max_length=32),
        ),
        migrations.AddField(
            model_name="user",
            name="token_kept_version",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AlterField(
            model_name="sessionevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("sign_in", "Signed in"),
                    ("sign_out", "Signed out"),
                    ("failed_sign_in", "Failed sign-in"),
                    ("expired", "Expired (inactivity)"),
                    ("revoked", "Ended from another device"),
                    ("tokens_ended", "Every older token ended (token version bumped)"),
                ],
                max_length=16,
            ),
        ),
    ]
