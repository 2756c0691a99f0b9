"""Accounts made before signup went through allauth have no allauth EmailAddress: give each
one (primary). Staff accounts count as confirmed (operators made them); the others are
unconfirmed, so their owners confirm once (the dashboard offers the link) before publishing."""

from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    missing = User.objects.exclude(id__in=EmailAddress.objects.values("user_id"))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=user.id, email=user.email, primary=True, verified=user.is_staff)
            for user in missing.only("id", "email", "is_staff")
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_session_generation_time_zone"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
