"""Korean addresses a person by name with a space before the honorific ("이채원 님"), as the
staff pages and e-mails do throughout; a name is never glued to 님."""

from __future__ import annotations

import re

from tests.cxm.test_translations import PO, _parse_po

GLUED = re.compile(r"%\(\w+\)s님")


def test_every_name_placeholder_is_followed_by_a_spaced_honorific() -> None:
    glued = {
        msgid: msgstr for msgid, (msgstr, _fuzzy) in _parse_po(PO).items() if GLUED.search(msgstr)
    }
    assert glued == {}
    spaced = [msgstr for msgstr, _fuzzy in _parse_po(PO).values() if re.search(r"\)s 님", msgstr)]
    assert spaced, "the catalogue addresses people by name somewhere"
