from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_time_zone_customer_note"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="after_send",
            field=models.CharField(
                choices=[
                    ("next", "Open the next ticket of the list I came from"),
                    ("stay", "Stay on the ticket"),
                ],
                default="next",
                max_length=8,
            ),
        ),
    ]
