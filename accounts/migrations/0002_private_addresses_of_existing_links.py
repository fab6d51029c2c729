"""The feed and calendar addresses handed out before they could be revoked were a signature of the
user's id; they become rows here, so that they keep working in the readers that use them and can now
be listed, revoked and replaced like any other."""

from django.conf import settings
from django.core import signing
from django.db import migrations

# The salts those signatures were made with.
LEGACY_SALTS = {"feed": "exchange.feed", "calendar": "alerts.calendar"}


def forwards(apps, schema_editor):
    PrivateAddress = apps.get_model("accounts", "PrivateAddress")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    rows = [
        PrivateAddress(
            user_id=user_id, purpose=purpose, key=signing.Signer(salt=salt).sign(str(user_id)),
            label="Made before addresses could be revoked",
        )
        for user_id in User.objects.filter(is_active=True).values_list("id", flat=True).iterator()
        for purpose, salt in LEGACY_SALTS.items()
    ]
    PrivateAddress.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_private_addresses"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
