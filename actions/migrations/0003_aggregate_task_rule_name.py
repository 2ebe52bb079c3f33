"""Aggregate tasks opened before their titles were worded when read: keep the rule's name as
it stood in the stored title (`trigger["rule_name"]`), so the title follows the reader's
language like a new task's. The name is taken from the stored title ("name · segment ·
figures"), not from the rule, which may have been renamed since."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SEP = " · "
BATCH = 500


def _aggregate_tasks(apps: Any) -> Any:
    task_model = apps.get_model("actions", "FollowUpTask")
    return task_model, task_model.objects.filter(subject_key__startswith="segment:")


def fill_rule_name(apps: Any, schema_editor: Any) -> None:
    task_model, tasks = _aggregate_tasks(apps)
    changed = []
    for task in tasks.only("pk", "title", "trigger").iterator(chunk_size=BATCH):
        facts = task.trigger
        if not isinstance(facts, dict) or "metric" not in facts or "rule_name" in facts:
            continue
        parts = task.title.rsplit(SEP, 2)
        if len(parts) != 3:
            continue  # not a title this migration knows how to read: it stays as stored
        task.trigger = {**facts, "rule_name": parts[0]}
        changed.append(task)
    task_model.objects.bulk_update(changed, ["trigger"], batch_size=BATCH)


def drop_rule_name(apps: Any, schema_editor: Any) -> None:
    task_model, tasks = _aggregate_tasks(apps)
    changed = []
    for task in tasks.only("pk", "trigger").iterator(chunk_size=BATCH):
        if isinstance(task.trigger, dict) and "rule_name" in task.trigger:
            task.trigger = {k: v for k, v in task.trigger.items() if k != "rule_name"}
            changed.append(task)
    task_model.objects.bulk_update(changed, ["trigger"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("actions", "0002_operational_firing")]

    operations = [migrations.RunPython(fill_rule_name, drop_rule_name)]
