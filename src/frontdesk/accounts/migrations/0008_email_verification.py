"""Recovery and verification: password reset tokens (only hashed), the reset audit events,
and the email verification fields (existing accounts with a password count as verified)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F

import frontdesk.core.clock


def existing_addresses_count_as_verified(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Accounts from before verification existed keep working as they did: their addresses
    count as proved. Accounts without a password (made by the mail intake or for a caller)
    do not: they prove their address by claiming the account through a mailed link."""
    User = apps.get_model("accounts", "User")
    User.objects.filter(email_verified_at__isnull=True).exclude(password__startswith="!").update(
        email_verified_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_two_factor"),
    ]

    operations = [
        migrations.CreateModel(
            name="PasswordResetToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("password_fingerprint", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=frontdesk.core.clock.now)),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reset_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [models.Index(fields=["user", "used_at"], name="resettoken_user_idx")],
            },
        ),
        migrations.AddField(
            model_name="user",
            name="email_pending",
            field=models.EmailField(blank=True, db_default="", default="", max_length=254),
        ),
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(existing_addresses_count_as_verified, migrations.RunPython.noop),
    ]
