"""Which pages an edit changes: the fast preview of `mkdocs serve`. Builder-neutral (no MkDocs).

A page of the plugin shows its own item and the cards of others: the items it links to and
those linking to it, its related items, a hub's or an index's members. Each page gets a key
built from the *versions* of everything it shows; a rebuild renders exactly the pages whose
key changed and keeps the others as the previous build wrote them.

An item's version changes when its file is read again: `library.scan` with a cache hands back
the very same Item object for a file whose size and modification time did not change, so
identity tells an unchanged item from an edited one. What every page depends on (the
taxonomy, mkdocs.yml, the set of hand-written pages that make the navigation) is the
`context`: when it changes, every page is rebuilt.
"""

from __future__ import annotations

import html
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from itertools import count

from ..core.library import Item, Library
from ..core.problems import Problem
from .pages import GeneratedPage, Renderer


class Versions:
    """A serial number per Item object, the same while the object is the same.

    Items are held here (not only their ids): a freed item's id() could be reused by a new
    one, which would then pass for unchanged."""

    def __init__(self) -> None:
        self._serial = count(1)
        self._known: dict[int, tuple[Item, int]] = {}

    def update(self, items: Iterable[Item]) -> None:
        known: dict[int, tuple[Item, int]] = {}
        for item in items:
            found = self._known.get(id(item))
            serial = found[1] if found is not None and found[0] is item else next(self._serial)
            known[id(item)] = (item, serial)
        self._known = known

    def __getitem__(self, item: Item) -> int:
        return self._known[id(item)][1]


def page_keys(
    library: Library, renderer: Renderer, pages: Iterable[GeneratedPage], versions: Versions
) -> dict[str, Hashable]:
    """src_uri -> what the page shows, as versions: equal keys, equal pages."""
    v = versions.__getitem__
    keys: dict[str, Hashable] = {}
    for item in library:
        links = renderer.links(item)
        linked = {other.id for _label, others in links for other in others}
        keys[item.src_uri] = (
            v(item),
            tuple((label, tuple(v(o) for o in others)) for label, others in links),
            tuple((v(r), tuple(shared)) for r, shared in renderer.related(item, linked)),
        )
    everything = tuple(v(item) for item in library)
    for page in pages:
        shown = page.depends_on(library)
        keys[page.src_uri] = everything if shown is None else tuple(v(i) for i in shown)
    return keys


@dataclass
class Preview:
    """What the previous build of a `mkdocs serve` session rendered, to compare against."""

    versions: Versions = field(default_factory=Versions)
    context: Hashable = None
    keys: dict[str, Hashable] = field(default_factory=dict)

    def plan(
        self,
        library: Library,
        renderer: Renderer,
        pages: Iterable[GeneratedPage],
        context: Hashable,
    ) -> Plan:
        """Compare this build with the previous one and remember it as the next one's base."""
        self.versions.update(library)
        keys = page_keys(library, renderer, pages, self.versions)
        whole = self.context is None or context != self.context
        changed = set(keys) if whole else {k for k, key in keys.items() if self.keys.get(k) != key}
        gone = set(self.keys) - set(keys)
        self.context, self.keys = context, keys
        return Plan(whole=whole, changed=frozenset(changed), gone=frozenset(gone))

    def forget(self) -> None:
        """After a failed build: the next build renders everything."""
        self.context = None
        self.keys = {}


@dataclass(frozen=True)
class Plan:
    whole: bool  # render every page (first build, or the context changed)
    changed: frozenset[str]  # src_uris of the plugin's pages to render again
    gone: frozenset[str]  # src_uris the previous build wrote that no longer exist


_BODY_OPENS = re.compile(r"<body\b[^>]*>", re.I)


def error_banner(problems: list[Problem]) -> str:
    """The library's errors as a banner for the top of a preview's pages: what the terminal
    says, where the contributor is looking. Every value is escaped: messages quote what was
    written."""
    entries = "".join(
        f"<li><code>{html.escape(f'{p.path}:{p.line}:{p.col}')}</code> "
        f"{html.escape(p.message)}"
        + (f"<br><span>Fix: {html.escape(p.hint)}</span>" if p.hint else "")
        + "</li>"
        for p in problems
    )
    count = f"{len(problems)} error{'s' if len(problems) != 1 else ''}"
    return (
        f'<aside class="pb-preview-errors" role="alert" aria-label="{count} in the library">'
        f"<p><strong>{count} in the library.</strong> The pages below show it as it was before; "
        f"they follow again once this is fixed.</p><ul>{entries}</ul></aside>"
    )


def with_banner(page: str, banner: str) -> str:
    """The page with the banner first in its body."""
    found = _BODY_OPENS.search(page)
    at = found.end() if found else 0
    return page[:at] + banner + page[at:]
