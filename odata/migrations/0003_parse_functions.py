"""SQL functions the import pipeline uses to turn text cells into typed values.

They return NULL instead of raising, so one bad cell becomes a row error, not a failed
statement. Set-based validation then compares "raw value present" with "typed value NULL".
"""

from django.db import migrations

PARSE_TIMESTAMPTZ = r"""
CREATE OR REPLACE FUNCTION cxm_parse_timestamptz(v text, tz text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    s text := btrim(v);
BEGIN
    IF s IS NULL OR s = '' THEN
        RETURN NULL;
    END IF;
    -- ISO 8601 with an offset (or Z): the offset decides the instant.
    IF s ~ '^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$' THEN
        RETURN s::timestamptz;
    END IF;
    -- 2024-01-05, 2024.01.05, 2024/1/5, optionally with a time: local time in `tz`.
    s := regexp_replace(s, '^(\d{4})[./-](\d{1,2})[./-](\d{1,2})\.?', '\1-\2-\3');
    IF s ~ '^\d{4}-\d{1,2}-\d{1,2}([T ]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$' THEN
        RETURN (replace(s, 'T', ' ')::timestamp) AT TIME ZONE tz;
    END IF;
    RETURN NULL;
EXCEPTION WHEN others THEN
    -- An impossible date such as 2024-02-30.
    RETURN NULL;
END $$;
"""

PARSE_AMOUNT = r"""
CREATE OR REPLACE FUNCTION cxm_parse_amount(v text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN x ~ '^-?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$'
             AND length(split_part(replace(x, ',', ''), '.', 1)) <= 12
        THEN replace(x, ',', '')::numeric
    END
    FROM (SELECT btrim(regexp_replace(btrim(v), '^(₩|￦|KRW)\s*|\s*(원|KRW)$', '', 'g')) AS x) s
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("odata", "0002_import_progress")]

    operations = [
        migrations.RunSQL(
            PARSE_TIMESTAMPTZ, "DROP FUNCTION IF EXISTS cxm_parse_timestamptz(text, text)"
        ),
        migrations.RunSQL(PARSE_AMOUNT, "DROP FUNCTION IF EXISTS cxm_parse_amount(text)"),
    ]
