import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("orders", "0002_order_activated_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProvisioningStep",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField()),
                ("key", models.CharField(max_length=40)),
                ("label", models.CharField(max_length=120)),
                ("status", models.CharField(choices=[("pending", "Pending"), ("running", "Running"), ("done", "Done"), ("skipped", "Skipped (already in BroadWorks)"), ("failed", "Failed"), ("cancelled", "Cancelled")], default="pending", max_length=10)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("error_code", models.CharField(blank=True, max_length=40)),
                ("error", models.TextField(blank=True)),
                ("created", models.JSONField(blank=True, default=list, help_text="What this step created in BroadWorks.")),
                ("order", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="provisioning_steps", to="orders.order")),
            ],
            options={
                "ordering": ["order", "position"],
                "constraints": [
                    models.UniqueConstraint(fields=("order", "position"), name="step_position_unique"),
                    models.UniqueConstraint(fields=("order", "key"), name="step_key_unique"),
                ],
            },
        ),
        migrations.CreateModel(
            name="OciExchangeLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField()),
                ("commands", models.CharField(max_length=2000)),
                ("request_xml", models.TextField()),
                ("response_xml", models.TextField(blank=True)),
                ("duration_ms", models.PositiveIntegerField(default=0)),
                ("error", models.TextField(blank=True)),
                ("order", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="oci_exchanges", to="orders.order")),
            ],
            options={
                "ordering": ["order", "at", "id"],
                "indexes": [models.Index(fields=["order", "at"], name="oci_exchange_order_at")],
                "constraints": [models.CheckConstraint(condition=models.Q(("commands", ""), _negated=True), name="oci_exchange_has_commands")],
            },
        ),
    ]
