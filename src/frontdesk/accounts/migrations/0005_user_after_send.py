from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_api_tokens"),
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
