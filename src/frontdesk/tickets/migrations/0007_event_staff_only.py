"""History rows say whether the requester can see the change they record (tickets/access.py).
Rows written before knew it from their field alone: the fields a customer's pages never show."""

from django.db import migrations, models

# tickets/access.py STAFF_ONLY_FIELDS, as it was when this migration was written.
STAFF_ONLY_FIELDS = ["priority", "category", "tags", "due_at", "estimated_hours", "actual_hours"]


def mark_staff_only(apps, schema_editor):  # type: ignore[no-untyped-def]
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    TicketEvent.objects.filter(field__in=STAFF_ONLY_FIELDS).update(staff_only=True)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_postgresql_search_vectors"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticketevent",
            name="staff_only",
            field=models.BooleanField(default=False, db_default=False),
        ),
        migrations.AlterField(
            model_name="ticketevent",
            name="field",
            field=models.CharField(
                choices=[
                    ("status", "Status"),
                    ("assignee", "Assignee"),
                    ("priority", "Priority"),
                    ("category", "Category"),
                    ("tags", "Tags"),
                    ("title", "Title"),
                    ("due_at", "Due date"),
                    ("estimated_hours", "Estimated hours"),
                    ("actual_hours", "Actual hours"),
                    ("created", "Created"),
                    ("comment", "Comment"),
                    ("attachment", "Attachment"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunPython(mark_staff_only, migrations.RunPython.noop, elidable=True),
    ]
