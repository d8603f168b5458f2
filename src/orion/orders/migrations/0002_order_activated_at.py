from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="activated_at",
            field=models.DateTimeField(blank=True, help_text="When the order's services went live (completed).", null=True),
        ),
    ]
