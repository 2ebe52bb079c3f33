"""Date and time formats per language (`FORMAT_MODULE_PATH`), over Django's own.

Only the formats that differ are set here; the rest come from Django's locale files."""
