"""Every page, as every kind of reader, meets the checks a screen reader depends on and a machine
can make: the document names its language and has a title, one main landmark and an h1; ids are
unique and every id an attribute points at exists; every form control has an accessible name;
images have a text alternative; links and buttons say what they do; headings do not skip a
level; no select offers Django's bare "---------" as its empty choice. The routes are the
bad-input sweep's, filled with real objects."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from cxm.models import User
from tests.cxm.page_walk import all_routes, page_forms, world

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip
UNNAMED_INPUTS = {"hidden", "submit", "button", "reset", "image"}
REFERENCES = ("for", "aria-labelledby", "aria-describedby", "aria-controls", "form", "list")


class _Page(HTMLParser):
    """Collects what the checks need in one pass."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.title = ""
        self.ids: list[str] = []
        self.references: list[tuple[str, str, str]] = []  # (tag, attribute, id)
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str]] = []  # attributes, plus "_in_label"
        self.mains = 0
        self.headings: list[int] = []
        self.images_without_alt: list[str] = []
        self.nameless: list[str] = []  # links and buttons with no text or label
        self.dashes: list[str] = []  # selects offering Django's bare "---------"
        self._option: str | None = None  # the select whose option is open
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._text: list[list[str]] = []  # text gathered for each open link or button
        self._in_title = False
        self._labels = 0
        self._hidden = 0  # depth inside <template> or hidden subtrees

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        if tag == "title":
            self._in_title = True
        if "id" in a:
            self.ids.append(a["id"])
        for name in REFERENCES:
            if name in a and not (name == "for" and tag != "label"):
                for ref in a[name].split():
                    self.references.append((tag, name, ref))
        if tag == "label":
            self._labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag == "main" or a.get("role") == "main":
            self.mains += 1
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.headings.append(int(tag[1]))
        if tag == "img" and "alt" not in a:
            self.images_without_alt.append(a.get("src", "?"))
        if tag in ("input", "select", "textarea") and a.get("type", "") not in UNNAMED_INPUTS:
            self.controls.append({**a, "_tag": tag, "_in_label": str(self._labels > 0)})
        if (
            tag == "input"
            and a.get("type") in ("submit", "button", "reset")
            and not (a.get("value") or a.get("aria-label") or a.get("title"))
        ):
            self.nameless.append(f"<input type={a.get('type')}>")
        if tag == "img" and self._text and a.get("alt"):
            self._text[-1].append(a["alt"])
        if tag == "select":
            self._option = a.get("name", "?")
        if tag not in VOID:
            self._stack.append((tag, a))
            if tag in ("a", "button"):
                self._text.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "label":
            self._labels = max(0, self._labels - 1)
        # Pop to the matching start tag (HTML allows some end tags to be left out).
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                closed = self._stack[depth:]
                del self._stack[depth:]
                for name, attrs in reversed(closed):
                    if name in ("a", "button"):
                        text = "".join(self._text.pop()).strip()
                        named = text or attrs.get("aria-label") or attrs.get("title")
                        is_link = name == "button" or "href" in attrs
                        if is_link and not named and not attrs.get("aria-labelledby"):
                            self.nameless.append(f"<{name} {attrs}>")
                break

    def handle_data(self, data: str) -> None:
        if self._option is not None and data.strip() == "---------":
            self.dashes.append(self._option)
        if self._in_title:
            self.title += data
        for text in self._text:
            text.append(data)


def _problems(html: str, language: str) -> list[str]:
    page = _Page()
    page.feed(html)
    found: list[str] = []
    if not page.lang or page.lang != language:
        found.append(f"html lang is {page.lang!r}, the page is in {language!r}")
    if not page.title.strip():
        found.append("no title")
    if page.mains != 1:
        found.append(f"{page.mains} main landmarks")
    if 1 not in page.headings:
        found.append("no h1")
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        if after > before + 1:
            found.append(f"heading h{before} is followed by h{after}")
            break
    ids = set(page.ids)
    repeated = sorted({i for i in page.ids if page.ids.count(i) > 1})
    if repeated:
        found.append(f"repeated ids {repeated}")
    for tag, attribute, ref in page.references:
        if ref not in ids:
            found.append(f"<{tag} {attribute}={ref!r}> points at no element")
    for control in page.controls:
        named = (
            control["_in_label"] == "True"
            or control.get("id", "") in page.label_for
            or control.get("aria-label")
            or control.get("aria-labelledby")
            or control.get("title")
        )
        if not named:
            found.append(f"<{control['_tag']} name={control.get('name')!r}> has no label")
    for src in page.images_without_alt:
        found.append(f"<img src={src!r}> has no alt")
    for what in page.nameless:
        found.append(f"{what} has no text")
    for name in page.dashes:
        found.append(f"<select name={name!r}> offers a bare '---------' (give it an empty label)")
    return found


def _check(response: Any, where: str) -> list[str]:
    """The problems of one answer, if it is a whole HTML page (a partial is checked as part of
    its page; a download is not a page)."""
    if response.status_code != 200 or getattr(response, "streaming", False):
        return []
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    html = response.content.decode()
    if "<html" not in html:
        return []
    # The page's language is the one it was rendered in: a survey answers in its invitee's.
    language = response.get("Content-Language", "")
    return [f"{where}: {problem}" for problem in _problems(html, language)]


def _walk(client: Client, urls: list[str]) -> list[str]:
    """Each page, and each of its POST forms sent empty (a refused form comes back with its
    errors, which the fields must point at)."""
    problems: list[str] = []
    posted: set[str] = set()
    for url in urls:
        if url == "/logout/":
            continue
        response = client.get(url)
        problems += _check(response, url)
        if response.status_code != 200 or getattr(response, "streaming", False):
            continue
        for form in page_forms(response.content.decode(errors="replace")):
            action = urlsplit(form["action"]).path or url
            if form["method"] != "post" or action in posted or action == "/logout/":
                continue
            posted.add(action)
            problems += _check(client.post(action, {}), f"POST {action}")
    return problems


@pytest.mark.parametrize("persona", ["anonymous", "staff", "manager", "admin"])
def test_every_page_meets_the_machine_checkable_accessibility_rules(
    persona: str,
    people: dict[str, User],
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.AXES_ENABLED = False
    # The walk sends many requests from one address; the limits have their own tests.
    settings.CXM_LOGIN_FAILURES_PER_HOUR = 10_000
    settings.CXM_BAD_TOKENS_PER_MINUTE = 10_000
    settings.CXM_OPEN_LINK_VIEWS_PER_MINUTE = 10_000
    settings.CXM_OPEN_LINK_SUBMITS_PER_HOUR = 10_000
    settings.CXM_PASSWORD_RESETS_PER_HOUR = 10_000
    user = people.get(persona)
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="ko")
    values = world(people["admin"], tmp_path)
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    problems = _walk(client, all_routes(values))
    assert not problems, "\n".join(problems)
