"""Imported dates must fall in the years 1900-2100.

0004 took any year from 0001 to 9999. A placeholder such as 0001-01-01, read as local time in
Asia/Seoul (UTC+08:27:52 that year under the historical rules), is an instant before year 1
in UTC, which PostgreSQL stores but Python cannot read back: every page listing that row failed.
Such dates in an ERP export are placeholders or typing errors, so the row is refused as a bad
date instead. The fast paths keep their shape; only the year pattern and the checked path's
year test change.
"""

import importlib

from django.db import migrations

fast = importlib.import_module("odata.migrations.0004_fast_parse_functions")

# 1900-2100.
YEAR = r"(19\d\d|20\d\d|2100)"
CHECKED_YEAR_TEST = "IF y < 1900 OR y > 2100 OR mo < 1"

assert fast.YEAR in fast.PARSE_TIMESTAMPTZ
assert "IF y < 1 OR mo < 1" in fast.PARSE_TIMESTAMPTZ_CHECKED
PARSE_TIMESTAMPTZ = fast.PARSE_TIMESTAMPTZ.replace(fast.YEAR, YEAR)
PARSE_TIMESTAMPTZ_CHECKED = fast.PARSE_TIMESTAMPTZ_CHECKED.replace(
    "IF y < 1 OR mo < 1", CHECKED_YEAR_TEST
)


class Migration(migrations.Migration):
    dependencies = [("odata", "0006_milestone_partial_indexes")]

    operations = [
        migrations.RunSQL(
            PARSE_TIMESTAMPTZ_CHECKED + PARSE_TIMESTAMPTZ,
            fast.PARSE_TIMESTAMPTZ_CHECKED + fast.PARSE_TIMESTAMPTZ,
        ),
    ]
