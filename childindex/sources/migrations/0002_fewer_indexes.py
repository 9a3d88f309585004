# Indexes nothing reads, dropped: each was one more write for every row an import stores.
# SourceRecord: feed (led by (feed, key) and (feed, last_run)), first_run, withdrawn_run, and
# source_record_child_idx (the child foreign key's own index is the same). SourceLink: run,
# model, decided_by. Dropped by name (the same on SQLite and PostgreSQL), so SQLite does not
# copy the tables to change them.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = [
    ("sources_sourcerecord", "sources_sourcerecord_feed_id_22182f22", "feed_id"),
    ("sources_sourcerecord", "sources_sourcerecord_first_run_id_e3f67476", "first_run_id"),
    ("sources_sourcerecord", "sources_sourcerecord_withdrawn_run_id_c6f52cc3",
     "withdrawn_run_id"),
    ("sources_sourcelink", "sources_sourcelink_decided_by_id_13d6635b", "decided_by_id"),
    ("sources_sourcelink", "sources_sourcelink_model_id_9225f712", "model_id"),
    ("sources_sourcelink", "sources_sourcelink_run_id_dfde8f43", "run_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('sources', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='sourcerecord',
            name='source_record_child_idx',
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"',
                                  reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
                for table, name, column in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='sourcelink',
                    name='decided_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='sourcelink',
                    name='model',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sources.linkagemodel'),
                ),
                migrations.AlterField(
                    model_name='sourcelink',
                    name='run',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sources.importrun'),
                ),
                migrations.AlterField(
                    model_name='sourcerecord',
                    name='feed',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='records', to='sources.feed'),
                ),
                migrations.AlterField(
                    model_name='sourcerecord',
                    name='first_run',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sources.importrun'),
                ),
                migrations.AlterField(
                    model_name='sourcerecord',
                    name='withdrawn_run',
                    field=models.ForeignKey(blank=True, db_index=False, help_text='The snapshot that no longer listed it (its involvement was ended).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sources.importrun'),
                ),
            ],
        ),
    ]
