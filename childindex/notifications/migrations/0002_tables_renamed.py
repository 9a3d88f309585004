# The app "alerts" became "notifications" (issue 18, docs/decisions/0006-notifications-app.md):
# its tables and content types take the new label, on a fresh database and on one made before.

from django.db import migrations


def content_types_relabel(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(app_label="alerts").update(
        app_label="notifications"
    )


def content_types_unrelabel(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label="notifications"
    ).update(app_label="alerts")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="notification", table=None),
        migrations.AlterModelTable(name="notificationthresholds", table=None),
        migrations.RunPython(content_types_relabel, content_types_unrelabel),
    ]
