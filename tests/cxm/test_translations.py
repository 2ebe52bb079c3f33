"""Every user-visible string has its Korean translation, compiled and in sync."""

from __future__ import annotations

import ast
import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCES = ["cxm", "odata", "surveys", "xdata", "analysis", "actions", "templates", "manage.py"]


def _parse_po(path: Path) -> dict[str, tuple[str, bool]]:
    """[context + "\x04"] + msgid [+ "\x00" + plural] -> (msgstr, fuzzy), for a .po written
    without wrapping. Korean has one plural form, so a plural entry has one msgstr[0]."""
    entries: dict[str, tuple[str, bool]] = {}
    fuzzy = False
    context = plural = ""
    msgid: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgctxt "):
            context = ast.literal_eval(line[8:])
        elif line.startswith("msgid_plural "):
            plural = ast.literal_eval(line[13:])
        elif line.startswith("msgid "):
            msgid = ast.literal_eval(line[6:])
        elif line.startswith(("msgstr ", "msgstr[0] ")) and msgid is not None:
            if msgid:
                key = f"{context}\x04{msgid}" if context else msgid
                key = f"{key}\x00{plural}" if plural else key
                entries[key] = (ast.literal_eval(line.split(" ", 1)[1]), fuzzy)
            msgid, fuzzy, context, plural = None, False, "", ""
    return entries


def test_every_string_is_translated_and_none_is_fuzzy() -> None:
    entries = _parse_po(PO)
    assert entries, "the Korean catalogue is empty"
    untranslated = [msgid for msgid, (msgstr, _) in entries.items() if not msgstr]
    fuzzy = [msgid for msgid, (_, is_fuzzy) in entries.items() if is_fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_po_file() -> None:
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for key, (msgstr, _) in _parse_po(PO).items():
        context, _sep, singular = key.rpartition("\x04")
        msgid, _sep, plural = singular.partition("\x00")
        if plural:
            found = (
                compiled.npgettext(context, msgid, plural, 1)
                if context
                else compiled.ngettext(msgid, plural, 1)
            )
        else:
            found = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
        assert found == msgstr, f"run `make messages`: {key!r} is stale"


def test_catalogue_holds_every_string_marked_in_the_code(tmp_path: Path) -> None:
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is needed to extract the marked strings: `make test` installs it")
    for name in SOURCES:
        source = ROOT / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "makemessages",
            "-l",
            "ko",
            "--no-location",
            "--no-wrap",
            "-v0",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    fresh = set(_parse_po(tmp_path / "locale" / "ko" / "LC_MESSAGES" / "django.po"))
    shipped = set(_parse_po(PO))
    assert fresh, "makemessages found no string at all"
    assert sorted(fresh - shipped) == [], "strings missing from locale/ko: run `make messages`"
    assert sorted(shipped - fresh) == [], "strings no longer used: run `make messages`"


def test_translation_functions_keep_names_the_extractor_knows() -> None:
    """`makemessages` finds strings by function name: `gettext`, `gettext_lazy`, `_` and the
    like. Under another name (`gettext as _g`) a string is marked but never extracted, and
    Korean users see it in English."""
    known = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext"}
    known |= {"pgettext_lazy", "npgettext", "npgettext_lazy", "gettext_noop"}
    renamed = []
    for name in SOURCES:
        for path in sorted((ROOT / name).rglob("*.py")) if (ROOT / name).is_dir() else []:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                    for alias in node.names:
                        if alias.name in known and (alias.asname or alias.name) not in known:
                            renamed.append(
                                f"{path.relative_to(ROOT)}: {alias.name} as {alias.asname}"
                            )
    assert renamed == []
