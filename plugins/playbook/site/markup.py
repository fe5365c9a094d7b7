"""Contributor HTML, filtered where it enters: while a library item's Markdown is converted.

A Python-Markdown extension, switched on for the pages whose Markdown comes from contributors
(library items; hand-written pages too with the `clean_pages` option) and off for the others,
which are converted exactly as without it. Only what the contributor wrote is filtered:

- raw HTML, inline (`<span ...>`) and in blocks, as Markdown stashes it, through the allowlist
  of core/policy.py;
- attribute lists (`{ onclick=... }`): only the attributes the allowlist keeps are set;
- the addresses of Markdown links and images (`[x](javascript:...)`).

What other extensions make (Material's content tabs, icons, highlighted code with line
anchors, task lists, math) is made after or beside these and never passes the filter, so it
comes through whole. Builder-neutral: any builder that converts with Python-Markdown can use it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListTreeprocessor
from markdown.inlinepatterns import HtmlInlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from ..core import policy

_CLOSING = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>\s*\Z")
_OPENING = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)")


def clean_tag(raw: str, remote_hosts: frozenset[str] = frozenset()) -> str:
    """One inline tag (`<span title=x>`, `</span>`, a comment) as the allowlist keeps it."""
    closing = _CLOSING.match(raw)
    if closing:
        return raw if closing.group(1).lower() in policy.TAGS else ""
    opening = _OPENING.match(raw)
    if opening is None:
        return ""  # a comment, a declaration, a processing instruction
    name = opening.group(1).lower()
    cleaned = policy.clean(raw, remote_hosts)  # parsed as a browser would; closed at its end
    return cleaned.removesuffix(f"</{name}>")


def clean_element(root: etree.Element, remote_hosts: frozenset[str] = frozenset()) -> None:
    """A block that md_in_html parses (`<div markdown>`): the contributor's tags and
    attributes through the allowlist, in place."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.lower() not in policy.TAGS:
            element.tag = "div"
        for name, value in list(element.attrib.items()):
            if name == "markdown":
                continue
            kept = policy.attribute(element.tag, name, value)
            if kept is None or (name == "src" and policy.remote(kept, remote_hosts)):
                del element.attrib[name]
            else:
                element.set(name, kept)


class _Inline(HtmlInlineProcessor):
    remote_hosts: frozenset[str] = frozenset()

    def handleMatch(self, m, data):  # noqa: ANN001, ANN201 (Python-Markdown's signature)
        rawhtml = self.backslash_unescape(self.unescape(m.group(1)))
        end = m.end(0)
        opening = _OPENING.match(rawhtml)
        if opening and opening.group(1).lower() in policy.DROPPED_WITH_CONTENT:
            # as nh3 does in blocks: a script's or style's text goes with it, up to its
            # closing tag (or the end of the paragraph, as a browser would read on)
            closing = re.compile(rf"</{opening.group(1)}\s*>", re.I).search(data, end)
            end = closing.end() if closing else len(data)
        kept = clean_tag(rawhtml, self.remote_hosts)
        return self.md.htmlStash.store(kept), m.start(0), end


class _Blocks(Preprocessor):
    """Runs the raw HTML block reader it replaces, then filters what that reader stashed."""

    def __init__(self, md: Markdown, inner: Preprocessor, remote_hosts: frozenset[str]) -> None:
        super().__init__(md)
        self.inner, self.remote_hosts = inner, remote_hosts

    def run(self, lines: list[str]) -> list[str]:
        stash = self.md.htmlStash.rawHtmlBlocks
        before = len(stash)
        lines = self.inner.run(lines)
        for index in range(before, len(stash)):
            block = stash[index]
            if isinstance(block, str):
                stash[index] = policy.clean(block, self.remote_hosts)
            else:
                clean_element(block, self.remote_hosts)
        return lines


class _Attributes(AttrListTreeprocessor):
    """Attribute lists set only what the allowlist keeps."""

    def assign_attrs(self, elem: etree.Element, attrs_string: str, *, strict: bool = False) -> str:
        probe = etree.Element(elem.tag)
        remainder = super().assign_attrs(probe, attrs_string, strict=strict)
        for name, value in probe.attrib.items():
            kept = policy.attribute(elem.tag, name, value)
            if kept is None:
                continue
            if name == "class" and elem.get("class"):
                kept = f"{elem.get('class')} {kept}"
            elem.set(name, kept)
        return remainder


class _Addresses(Treeprocessor):
    """The addresses and titles of Markdown links and images (raw HTML is stashed, not in the
    tree): a title is shown as HTML by Material's tooltips; an image from elsewhere would be
    fetched by every reader."""

    def __init__(self, md: Markdown, remote_hosts: frozenset[str]) -> None:
        super().__init__(md)
        self.remote_hosts = remote_hosts

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            title = element.get("title") if element.tag in ("a", "img") else None
            if title is not None:
                element.set("title", policy.clean_value("title", title) or "")
            for name in policy.URL_ATTRIBUTES:
                value = element.get(name)
                away = element.tag == "img" and policy.remote(value or "", self.remote_hosts)
                if value is not None and (away or not policy.safe_url(value)):
                    # an <a> or <img> without its address: its text (or alt text) stays
                    alt = element.get("alt", "") if element.tag == "img" else None
                    element.tag = "span"
                    element.attrib.clear()
                    if alt is not None:
                        element.text = alt


class ContributorHtml(Extension):
    """Register once (MkDocs: in markdown_extensions); `active` says whether the page being
    converted is contributor content. Inactive, it changes nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.active = False
        self.remote_hosts: frozenset[str] = frozenset()  # images may load from these hosts

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        if not self.active:
            return
        # the priorities are Python-Markdown's own for the processors replaced
        inline = _Inline(md.inlinePatterns["html"].compiled_re.pattern, md)
        inline.remote_hosts = self.remote_hosts
        md.inlinePatterns.register(inline, "html", 90)
        blocks = _Blocks(md, md.preprocessors["html_block"], self.remote_hosts)
        md.preprocessors.register(blocks, "html_block", 20)
        if "attr_list" in md.treeprocessors:
            md.treeprocessors.register(_Attributes(md), "attr_list", 8)
        md.treeprocessors.register(_Addresses(md, self.remote_hosts), "playbook_addresses", 0)
