"""English: short dates in ISO order ("2026-03-05 15:05"). cxm's English readers work in
Korean companies, next to Korean colleagues and exports; "03/05/2026" reads as 3 May to many."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
