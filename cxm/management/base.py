"""The base of cxm's management commands: the last line on standard output is JSON, failures
included.

A command prints its own summary when it runs. When it cannot run, because argparse refuses
the arguments (exit 2), the command raises `CommandError` (exit 1, or the error's
`returncode`) or a file cannot be read or written (`OSError`, exit 1), the last line on stdout
is `{"ok": false, "error": "..."}`; the usual message still goes to stderr, without a
traceback. This applies on the command line (`manage.py …`); `call_command` raises
`CommandError` as before (an `OSError` becomes one), for the caller to handle.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class JsonCommand(BaseCommand):
    # Why the command could not run, set on the way to the exit; printed by run_from_argv.
    _failure: str | None = None

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        refuse = parser.error  # prints the usage to stderr and exits 2 (on the command line)

        def error(message: str) -> Any:
            self._failure = message
            return refuse(message)

        # argparse offers no other hook for its errors (subclassing CommandParser would mean
        # copying BaseCommand.create_parser).
        parser.error = error  # type: ignore[method-assign]
        return parser

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            self._failure = str(error)
            raise
        except OSError as error:
            # A file or directory that fails while the command works (a disk error, a file
            # removed or locked half-way): the reason, not a traceback.
            where = f"{error.filename}: " if error.filename else ""
            failure = CommandError(f"{where}{error.strerror or error}")
            self._failure = str(failure)
            raise failure from error

    def run_from_argv(self, argv: list[str]) -> None:
        self._failure = None
        try:
            super().run_from_argv(argv)
        finally:
            if self._failure is not None:
                failure = {"ok": False, "error": self._failure}
                self.stdout.write(json.dumps(failure, ensure_ascii=False))
