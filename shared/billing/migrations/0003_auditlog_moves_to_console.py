"""AuditLog now belongs to shared.console (console 0001). State only: the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_auditlog_append_only"),
        ("console", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditLog")],
            database_operations=[],
        ),
    ]
