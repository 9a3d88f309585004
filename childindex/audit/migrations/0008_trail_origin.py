"""The trail's id, made once here (audit.TrailOrigin)."""

import secrets

from django.db import migrations, models
from django.utils import timezone


def name_the_trail(apps, schema_editor):
    TrailOrigin = apps.get_model("audit", "TrailOrigin")
    if not TrailOrigin.objects.exists():
        TrailOrigin.objects.create(trail_id=secrets.token_hex(16), created_at=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0007_action_choices'),
    ]

    operations = [
        migrations.CreateModel(
            name='TrailOrigin',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('trail_id', models.CharField(max_length=32, unique=True)),
                ('created_at', models.DateTimeField()),
            ],
        ),
        migrations.RunPython(name_the_trail, migrations.RunPython.noop),
]
