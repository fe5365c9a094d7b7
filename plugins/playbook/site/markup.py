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


def clean_tag(raw: str) -> str:
    """One inline tag (`<span title=x>`, `</span>`, a comment) as the allowlist keeps it."""
    closing = _CLOSING.match(raw)
    if closing:
        return raw if closing.group(1).lower() in policy.TAGS else ""
    opening = _OPENING.match(raw)
    if opening is None:
        return ""  # a comment, a declaration, a processing instruction
    name = opening.group(1).lower()
    cleaned = policy.clean(raw)  # parsed as a browser would; closed at the fragment's end
    return cleaned.removesuffix(f"</{name}>")


def clean_element(root: etree.Element) -> None:
    """A block that md_in_html parses (`<div markdown>`): the contributor's tags and
    attributes through the allowlist, in place."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.lower() not in policy.TAGS:
            element.tag = "div"
        for name, value in list(element.attrib.items()):
            if name != "markdown" and not policy.allowed(element.tag, name, value):
                del element.attrib[name]


class _Inline(HtmlInlineProcessor):
    def handleMatch(self, m, data):  # noqa: ANN001, ANN201 (Python-Markdown's signature)
        rawhtml = self.backslash_unescape(self.unescape(m.group(1)))
        end = m.end(0)
        opening = _OPENING.match(rawhtml)
        if opening and opening.group(1).lower() in policy.DROPPED_WITH_CONTENT:
            # as nh3 does in blocks: a script's or style's text goes with it, up to its
            # closing tag (or the end of the paragraph, as a browser would read on)
            closing = re.compile(rf"</{opening.group(1)}\s*>", re.I).search(data, end)
            end = closing.end() if closing else len(data)
        return self.md.htmlStash.store(clean_tag(rawhtml)), m.start(0), end


class _Blocks(Preprocessor):
    """Runs the raw HTML block reader it replaces, then filters what that reader stashed."""

    def __init__(self, md: Markdown, inner: Preprocessor) -> None:
        super().__init__(md)
        self.inner = inner

    def run(self, lines: list[str]) -> list[str]:
        stash = self.md.htmlStash.rawHtmlBlocks
        before = len(stash)
        lines = self.inner.run(lines)
        for index in range(before, len(stash)):
            block = stash[index]
            if isinstance(block, str):
                stash[index] = policy.clean(block)
            else:
                clean_element(block)
        return lines


class _Attributes(AttrListTreeprocessor):
    """Attribute lists set only what the allowlist keeps."""

    def assign_attrs(self, elem: etree.Element, attrs_string: str, *, strict: bool = False) -> str:
        probe = etree.Element(elem.tag)
        remainder = super().assign_attrs(probe, attrs_string, strict=strict)
        for name, value in probe.attrib.items():
            if name == "class":
                kept = " ".join(c for c in value.split() if policy.allowed(elem.tag, "class", c))
                if kept:
                    elem.set("class", f"{elem.get('class')} {kept}" if elem.get("class") else kept)
            elif policy.allowed(elem.tag, name, value):
                elem.set(name, value)
        return remainder


class _Addresses(Treeprocessor):
    """The addresses of Markdown links and images (raw HTML is stashed, not in the tree)."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for name in policy.URL_ATTRIBUTES:
                value = element.get(name)
                if value is not None and not policy.safe_url(value):
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

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        if not self.active:
            return
        # the priorities are Python-Markdown's own for the processors replaced
        md.inlinePatterns.register(
            _Inline(md.inlinePatterns["html"].compiled_re.pattern, md), "html", 90
        )
        md.preprocessors.register(_Blocks(md, md.preprocessors["html_block"]), "html_block", 20)
        if "attr_list" in md.treeprocessors:
            md.treeprocessors.register(_Attributes(md), "attr_list", 8)
        md.treeprocessors.register(_Addresses(md), "playbook_addresses", 0)
