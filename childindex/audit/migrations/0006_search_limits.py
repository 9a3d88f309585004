"""Per-user search limits on each LA's usage thresholds, and the alert kind "search limit
reached". SQLite rebuilds ``audit_alert`` to change its check constraint, which loses its
triggers, so the append-only triggers are dropped first and made again last."""

from django.conf import settings
from django.db import migrations, models

from childindex.audit.triggers import RunSQLForVendor, create_statements, drop_statements


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0005_append_in_one_statement'),
        ('directory', '0002_patterns_match_whole_value'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        RunSQLForVendor(drop_statements, create_statements),
        migrations.RemoveConstraint(
            model_name='alert',
            name='alert_kind_known',
        ),
        migrations.RemoveConstraint(
            model_name='usagethresholds',
            name='usage_thresholds_sensible',
        ),
        migrations.AddField(
            model_name='usagethresholds',
            name='search_limit_per_day',
            field=models.PositiveIntegerField(default=300, help_text='Searches one user may make in a day; past it searching is refused until midnight and the auditors are alerted.'),
        ),
        migrations.AddField(
            model_name='usagethresholds',
            name='search_limit_per_minute',
            field=models.PositiveIntegerField(default=30, help_text='Searches one user may make in a minute; past it searching is refused until the next minute and the auditors are alerted.'),
        ),
        migrations.AlterField(
            model_name='alert',
            name='kind',
            field=models.CharField(choices=[('shielded_record_access', 'Access to a shielded record'), ('shield_override', 'Shield overridden for one viewing'), ('child_protection_break_glass', 'Opened for a child protection enquiry'), ('search_volume', 'Searching far more than peers'), ('out_of_hours_bulk', 'Out-of-hours bulk access'), ('views_without_involvement', 'Repeated views without an involvement'), ('own_surname', "Looking up someone with the user's own surname"), ('search_limit', 'Search limit reached'), ('other', 'Other alert')], max_length=40),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['shielded_record_access', 'shield_override', 'child_protection_break_glass', 'search_volume', 'out_of_hours_bulk', 'views_without_involvement', 'own_surname', 'search_limit', 'other'])), name='alert_kind_known'),
        ),
        migrations.AddConstraint(
            model_name='usagethresholds',
            constraint=models.CheckConstraint(condition=models.Q(('times_peer_median__gte', 1), ('repeat_views__gte', 2), ('repeat_window_days__gte', 1), ('search_limit_per_minute__gte', 1), ('search_limit_per_day__gte', 1)), name='usage_thresholds_sensible'),
        ),
        RunSQLForVendor(create_statements, drop_statements),
]
