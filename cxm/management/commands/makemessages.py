"""`makemessages` without fuzzy matching: msgmerge would otherwise fill a new string with the
translation of a similar old one ("Unknown rule kind." → the Korean for "Unknown language."),
which is easy to miss and wrong for Korean users."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
