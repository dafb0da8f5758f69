"""A data migration that creates the maintenance schedules (docs/operations.md)."""

# --8<-- [start:migration]
from django.db import migrations


def schedule_maintenance(apps, schema_editor):
    from powercrud_signals.schedules import ensure_schedules

    ensure_schedules(reconcile_minutes=5, cleanup_minutes=5, success_days=7, failed_days=30)


class Migration(migrations.Migration):
    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("myapp", "0007_previous"),
    ]
    operations = [migrations.RunPython(schedule_maintenance, migrations.RunPython.noop)]


# --8<-- [end:migration]
