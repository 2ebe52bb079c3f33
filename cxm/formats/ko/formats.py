"""Korean: the half of the day before the time ("오후 3:05"), as Korean writing puts it, and
short dates padded like the ERP and Excel exports staff compare them with ("2026-03-05")."""

TIME_FORMAT = "A g:i"
DATETIME_FORMAT = "Y년 n월 j일 A g:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
