from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0003_custom_domains"),
    ]

    operations = [
        migrations.AddField(
            model_name="schemamigration",
            name="migration_state",
            field=models.CharField(blank=True, db_default="", default="", max_length=64),
        ),
    ]
