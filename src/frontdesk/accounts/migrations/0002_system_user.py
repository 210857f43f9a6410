"""The System user (id 0, as in SupportMe) that writes system messages. It has no usable
password and its role keeps it out of every sign-in path."""

from django.db import migrations


def create_system_user(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    if not User.objects.filter(pk=0).exists():
        User.objects.create(
            pk=0,
            username="System",
            email="system@frontdesk.invalid",
            password="!",  # unusable: no hash can ever match
            role="system",
            profile_icon="admin",
            created_at="1970-01-01T00:00:00Z",
        )


def remove_system_user(apps, schema_editor):
    apps.get_model("accounts", "User").objects.filter(pk=0).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_system_user, remove_system_user)]
