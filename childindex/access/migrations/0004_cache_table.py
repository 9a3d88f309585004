"""The cache table behind the per-user search limits (``CACHES`` in the settings).

``createcachetable`` makes the table for each database cache backend configured and does
nothing for other backends (the test suite's memory cache), and nothing if it exists.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("access", "0003_user_sessions")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
