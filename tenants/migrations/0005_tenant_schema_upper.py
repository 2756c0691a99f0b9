import django.db.models.functions.text
from django.db import migrations, models

from tenants.migration_ops import AddIndexConcurrentlyPublic


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run in a transaction; it does not block signups.
    atomic = False

    dependencies = [
        ("tenants", "0004_schemamigration_migration_state"),
    ]

    operations = [
        AddIndexConcurrentlyPublic(
            model_name="tenant",
            index=models.Index(
                django.db.models.functions.text.Upper("schema_name"),
                name="tenants_tenant_schema_upper",
            ),
        ),
    ]
