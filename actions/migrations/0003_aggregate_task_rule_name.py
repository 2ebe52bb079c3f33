"""Aggregate tasks opened before their titles were worded when read: keep the rule's name as
it stood in the stored title (`trigger["rule_name"]`), so the title follows the reader's
language like a new task's. The name is taken from the stored title ("name · segment ·
figures", the part before the segment's label), not from the rule, which may have been renamed
since."""

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
        # The name is what precedes the segment's own label, which may itself hold " · ";
        # a title without the whole label (shortened, or not of this form) stays as stored.
        segment = facts.get("segment")
        middle = f"{SEP}{segment}{SEP}" if isinstance(segment, str) and segment else ""
        if not middle or middle not in task.title:
            continue
        task.trigger = {**facts, "rule_name": task.title.split(middle, 1)[0]}
        changed.append(task)
        if len(changed) >= BATCH:
            task_model.objects.bulk_update(changed, ["trigger"])
            changed = []
    task_model.objects.bulk_update(changed, ["trigger"])


def drop_rule_name(apps: Any, schema_editor: Any) -> None:
    task_model, tasks = _aggregate_tasks(apps)
    changed = []
    for task in tasks.only("pk", "trigger").iterator(chunk_size=BATCH):
        if isinstance(task.trigger, dict) and "rule_name" in task.trigger:
            task.trigger = {k: v for k, v in task.trigger.items() if k != "rule_name"}
            changed.append(task)
        if len(changed) >= BATCH:
            task_model.objects.bulk_update(changed, ["trigger"])
            changed = []
    task_model.objects.bulk_update(changed, ["trigger"])


class Migration(migrations.Migration):
    dependencies = [("actions", "0002_operational_firing")]

    operations = [migrations.RunPython(fill_rule_name, drop_rule_name)]
