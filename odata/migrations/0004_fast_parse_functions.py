"""Faster, parallel-safe cell typing for imports; same results as 0003's functions.

0003's `cxm_parse_timestamptz` was PL/pgSQL with an EXCEPTION block (a subtransaction per
call) and regexp_replace with back-references (tens of microseconds per cell); declared
PARALLEL SAFE, it failed in any parallel plan ("cannot start subtransactions during a parallel
operation"), e.g. typing 100,000 rows. `cxm_parse_amount` had a FROM clause, so PostgreSQL
could not inline it and ran it as a separate SQL function call per cell.

Now both are single-expression SQL functions, which the planner inlines into the typing
statement. A plain regular-expression test (no captures, so no backtracking) recognises the
values that are certainly valid, which are cast the way 0003 cast them. Anything else that
might still be a value (an impossible date, 24:00, a leap second, an odd separator) goes to a
`*_checked` function that decides exactly as 0003 did, without catching errors: it applies
PostgreSQL's own range checks (ValidateDate, time_overflows, DecodeTimezone) before casting.
"""

from django.db import migrations

# Years 0001-9999 (PostgreSQL refuses year 0).
YEAR = r"(\d{3}[1-9]|\d{2}[1-9]\d|\d[1-9]\d\d|[1-9]\d{3})"
# Month and day pairs that exist in every year (29 February goes to the checked path).
MONTH_DAY = (
    r"((0?[1-9]|1[0-2])[./-](0?[1-9]|1\d|2[0-8])"
    r"|(0?[13-9]|1[0-2])[./-](29|30)"
    r"|(0?[13578]|1[02])[./-]31)"
)
MONTH_DAY_ISO = (
    r"((0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])"
    r"|(0[13-9]|1[0-2])-(29|30)"
    r"|(0[13578]|1[02])-31)"
)
# 00:00 to 23:59:59.999…: always in range (24:00 and leap seconds go to the checked path).
TIME = r"([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?"
# 0003's forms, restricted to the values above. The offset: at most ±15:59.
FAST_OFFSET = rf"^{YEAR}-{MONTH_DAY_ISO}[T ]{TIME}\s*(Z|z|[+-](0\d|1[0-5])(:?[0-5]\d)?)$"
FAST_LOCAL = rf"^{YEAR}[./-]{MONTH_DAY}\.?([T ]+{TIME})?$"

PARSE_TIMESTAMPTZ_CHECKED = r"""
CREATE OR REPLACE FUNCTION cxm_parse_timestamptz_checked(v text, tz text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    s text := btrim(v);
    p text[];
    has_offset boolean := true;
    y int; mo int; d int; h int; mi int; sec int; usec float8;
BEGIN
    IF s IS NULL OR s = '' THEN
        RETURN NULL;
    END IF;
    -- ISO 8601 with an offset (or Z): the offset decides the instant.
    p := regexp_match(s, '^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?'
                         '\s*(?:Z|z|[+-](\d{2})(?::?(\d{2}))?)$');
    IF p IS NULL THEN
        -- 2024-01-05, 2024.01.05, 2024/1/5, optionally with a time: local time in `tz`.
        has_offset := false;
        p := regexp_match(s, '^(\d{4})[./-](\d{1,2})[./-](\d{1,2})\.?'
                             '(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?$');
        IF p IS NULL THEN
            RETURN NULL;
        END IF;
    END IF;
    y := p[1]::int; mo := p[2]::int; d := p[3]::int;
    h := coalesce(p[4]::int, 0); mi := coalesce(p[5]::int, 0); sec := coalesce(p[6]::int, 0);
    -- Microseconds as PostgreSQL's ParseFractionalSecond rounds them: rint(fraction * 10^6).
    usec := coalesce(round(('0' || p[7])::float8 * 1000000), 0);
    -- ValidateDate: year 0 and days past the month's end are refused.
    IF y < 1 OR mo < 1 OR mo > 12 OR d < 1
       OR d > extract(day FROM make_date(y, mo, 1) + interval '1 month - 1 day') THEN
        RETURN NULL;
    END IF;
    -- time_overflows: 24:00:00 and a leap second are accepted, nothing past 24:00:00.
    IF h > 24 OR mi > 59 OR sec > 60
       OR ((h * 60 + mi) * 60 + sec) * 1000000::float8 + usec > 86400000000::float8 THEN
        RETURN NULL;
    END IF;
    IF has_offset THEN
        -- DecodeTimezone: at most 15 hours, minutes below 60.
        IF coalesce(p[8]::int, 0) > 15 OR coalesce(p[9]::int, 0) > 59 THEN
            RETURN NULL;
        END IF;
        RETURN s::timestamptz;
    END IF;
    s := regexp_replace(s, '^(\d{4})[./-](\d{1,2})[./-](\d{1,2})\.?', '\1-\2-\3');
    RETURN (replace(s, 'T', ' ')::timestamp) AT TIME ZONE tz;
END $$;
"""

# Which of 0003's two forms a cell can be is told by cheap string tests: only the offset form
# has a "+", a final Z or a "-" after the date. The local form's normalisation is 0003's
# regexp_replace (separators to "-", the dot after the day dropped) without back-references:
# the date and that dot lie within the first 11 characters, a fraction's dot never does.
LOOKS_OFFSET = (
    "strpos(btrim(v), '+') > 0 OR right(btrim(v), 1) IN ('Z', 'z') "
    "OR strpos(substr(btrim(v), 11), '-') > 0"
)
PARSE_TIMESTAMPTZ = rf"""
CREATE OR REPLACE FUNCTION cxm_parse_timestamptz(v text, tz text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN ({LOOKS_OFFSET}) AND btrim(v) ~ '{FAST_OFFSET}' THEN btrim(v)::timestamptz
        WHEN btrim(v) ~ '{FAST_LOCAL}' THEN rtrim(
            replace(
                replace(translate(left(btrim(v), 11), './', '--') || substr(btrim(v), 12), 'T', ' '),
                '- ',
                ' '
            ),
            '-'
        )::timestamp AT TIME ZONE tz
        WHEN btrim(v) ~ '^\d{{4}}[./-]' THEN cxm_parse_timestamptz_checked(v, tz)
    END
$$;
"""

PARSE_AMOUNT_CHECKED = r"""
CREATE OR REPLACE FUNCTION cxm_parse_amount_checked(v text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN x ~ '^-?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$'
             AND length(split_part(replace(x, ',', ''), '.', 1)) <= 12
        THEN replace(x, ',', '')::numeric
    END
    FROM (SELECT btrim(regexp_replace(btrim(v), '^(₩|￦|KRW)\s*|\s*(원|KRW)$', '', 'g')) AS x) s
$$;
"""

# At most 12 integer digits (numeric(14, 2)); only plain spaces around the currency, so the
# cast never meets a character it does not skip.
PARSE_AMOUNT = r"""
CREATE OR REPLACE FUNCTION cxm_parse_amount(v text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN btrim(v) ~ '^(₩|￦|KRW)? *-?(\d{1,12}|\d{1,3}(,\d{3}){1,3})(\.\d+)? *(원|KRW)?$'
        THEN translate(btrim(v), '₩￦KRW원, ', '')::numeric
        ELSE cxm_parse_amount_checked(v)
    END
$$;
"""

# 0003's definitions, for the reverse migration.
PARSE_TIMESTAMPTZ_0003 = r"""
CREATE OR REPLACE FUNCTION cxm_parse_timestamptz(v text, tz text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    s text := btrim(v);
BEGIN
    IF s IS NULL OR s = '' THEN
        RETURN NULL;
    END IF;
    IF s ~ '^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$' THEN
        RETURN s::timestamptz;
    END IF;
    s := regexp_replace(s, '^(\d{4})[./-](\d{1,2})[./-](\d{1,2})\.?', '\1-\2-\3');
    IF s ~ '^\d{4}-\d{1,2}-\d{1,2}([T ]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$' THEN
        RETURN (replace(s, 'T', ' ')::timestamp) AT TIME ZONE tz;
    END IF;
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;
DROP FUNCTION IF EXISTS cxm_parse_timestamptz_checked(text, text);
"""

PARSE_AMOUNT_0003 = r"""
CREATE OR REPLACE FUNCTION cxm_parse_amount(v text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN x ~ '^-?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$'
             AND length(split_part(replace(x, ',', ''), '.', 1)) <= 12
        THEN replace(x, ',', '')::numeric
    END
    FROM (SELECT btrim(regexp_replace(btrim(v), '^(₩|￦|KRW)\s*|\s*(원|KRW)$', '', 'g')) AS x) s
$$;
DROP FUNCTION IF EXISTS cxm_parse_amount_checked(text);
"""


class Migration(migrations.Migration):
    dependencies = [("odata", "0003_parse_functions")]

    operations = [
        migrations.RunSQL(
            PARSE_TIMESTAMPTZ_CHECKED + PARSE_TIMESTAMPTZ, PARSE_TIMESTAMPTZ_0003
        ),
        migrations.RunSQL(PARSE_AMOUNT_CHECKED + PARSE_AMOUNT, PARSE_AMOUNT_0003),
    ]
