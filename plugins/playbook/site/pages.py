"""The site's pages as HTML fragments, from Jinja templates with autoescape on.

Builder-neutral: a page is rendered from the library and its `prefix`, the relative way back
to the site root ('' for the home page, '../../' for case_studies/x/), so links work from any
folder and from file:// too. Cards are rendered once per item and prefix, then reused.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    Template,
)
from markupsafe import Markup

from ..core.export import coverage
from ..core.library import Item, Library
from ..core.models import DIFFICULTIES, EVIDENCE_KINDS, EVIDENCE_LABELS, Taxonomy
from ..core.related import Related, RelatedIndex
from ..core.synonyms import expansions
from ..core.types import ITEM_TYPES, PRINTABLE, RELATIONS
from .paper import QrCodes, css_string, printed_address

# What follows an item's own part of its page (its cross-links: item_links.html); no HTML of a
# contributor keeps a data-pb-* attribute
AFTER_ITEM = " data-pb-after>"
# A half-page card's sheet, for each paper size the PDFs may use
HALF_SHEET = {"A4": "A5", "Letter": "5.5in 8.5in"}

# Templates `defer()` what is not the page's own text (cross-links, listings of other pages,
# chips, write-in lines): a marker stands in its place until the search index has read the
# page, so it neither pollutes results nor costs parsing. LATER.format(i) is marker i.
LATER = "<!-- playbook:later:{} -->"


@dataclass(frozen=True)
class Rendered:
    html: str  # with LATER markers
    later: tuple[str, ...]  # what each marker stands for

    def whole(self) -> str:
        return fill_in(self.html, self.later)


@dataclass(frozen=True)
class PrintPart:
    """What an item's PDFs hold of it: its article, its facilitator notes (templates and
    frameworks, for workshop packs; else '') and the address its links are relative to."""

    article: str
    notes: str
    url: str


class PdfDocument(NamedTuple):
    """One PDF as the site model describes it: a cover (HTML, or None) laid out after the
    parts, with <!--pb-page:N--> where part N's first page goes, and the cover's base URL;
    then the parts, each (outline label, HTML document, base URL, item whose it is)."""

    cover: str | None
    cover_url: str
    parts: tuple[tuple[str, str, str, str], ...]


def fill_in(html: str, later: Sequence[str], lost: list[int] | None = None) -> str:
    """`html` with each deferred fragment at its marker; the numbers of those whose marker
    is not there are added to `lost`."""
    # last first: a fragment deferred inside another was rendered, so numbered, before it
    for index in range(len(later) - 1, -1, -1):
        marker = LATER.format(index)
        at = html.find(marker)
        if at < 0:
            if lost is not None:
                lost.append(index)
            continue
        html = html[:at] + later[index] + html[at + len(marker) :]
    return html


_HEADING = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)
_PERMALINK = re.compile(r'<a class="headerlink".*?</a>', re.S)


def headings(html: str) -> list[tuple[str, str]]:
    """(id, text as HTML) of each second-level heading of a page of ours, in page order: the
    structured sections an item page prints and the Markdown body's headings alike."""
    return [
        (found.group(1), str(text_of(_PERMALINK.sub("", found.group(2)))))
        for found in _HEADING.finditer(html)
    ]


def prefix_of(url: str) -> str:
    """The way back to the site root from the page at a directory URL: one level per slash."""
    return "../" * url.count("/")


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def text_of(fragment: str) -> Markup:
    """The text of an escaped HTML fragment, still escaped: tags dropped, spaces folded."""
    return Markup(_SPACE.sub(" ", _TAG.sub(" ", str(fragment))).strip())


class GeneratedPage:
    """A page the plugin adds: where it lives, its title, what it shows, how it renders.

    `depends_on` names the items whose change changes the page (None: the whole library),
    for the fast preview; `context` gives its template what it shows."""

    template: ClassVar[str]
    in_nav: ClassVar[bool] = True

    def __init__(self, src_uri: str, title: str) -> None:
        self.src_uri, self.title = src_uri, title

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.src_uri!r})"

    def depends_on(self, library: Library) -> Sequence[Item] | None:
        return None

    def context(self, library: Library, renderer: Renderer) -> dict[str, Any]:
        return {}


class Browse(GeneratedPage):
    template = "browse.html"

    def context(self, library: Library, renderer: Renderer) -> dict[str, Any]:
        taxonomy = library.taxonomy
        facets = [
            ("type", "Type", [(t.name, t.label) for t in ITEM_TYPES.values()]),
            ("competency", "Competency", [(c.id, c.name) for c in taxonomy.competencies]),
            ("level", "Level", [(lv.id, lv.name) for lv in taxonomy.levels]),
            ("modality", "Modality", [(m.id, m.name) for m in taxonomy.modalities]),
            ("difficulty", "Difficulty", [(d, d.capitalize()) for d in DIFFICULTIES]),
            ("evidence", "Evidence", [(e, e.capitalize()) for e in EVIDENCE_KINDS]),
        ]
        items = sorted(library, key=lambda i: (i.title.casefold(), i.id))
        values = {item.id: facet_values(item) for item in items}
        # a facet no item has a value of (a library without difficulties) is left out
        facets = [f for f in facets if any(v[f[0]] for v in values.values())]
        return {
            "items": items,
            "facets": facets,
            "values": values,
            "groups": {"competency": self.competency_groups(taxonomy)},
            "dates": {item.id: self.date_of(item) for item in items},
        }

    @staticmethod
    def competency_groups(taxonomy: Taxonomy) -> list[tuple[str, list[tuple[str, str]]]]:
        """The competency facet's values by taxonomy group, in the taxonomy's order, "Other"
        (competencies without a group) last; one unnamed group when no competency has one."""
        grouped: dict[str, list[tuple[str, str]]] = {}
        for c in taxonomy.competencies:
            grouped.setdefault(c.group or "", []).append((c.id, c.name))
        if list(grouped) == [""]:
            return [("", grouped[""])]
        other = grouped.pop("", [])
        return [*grouped.items(), *([("Other", other)] if other else [])]

    @staticmethod
    def date_of(item: Item) -> tuple[str, str]:
        """The date "Newest" sorts by, ISO, and what it is: the review date, else the last
        edit's; ('', '') for an item without either (sorted last)."""
        meta: Any = item.meta
        if meta.reviewed:
            return meta.reviewed.isoformat(), "Reviewed"
        if meta.updated:
            return meta.updated.isoformat(), "Updated"
        return "", ""


def facet_values(item: Item) -> dict[str, list[str]]:
    """The values an item has of each browse facet."""
    meta: Any = item.meta
    single = {
        "difficulty": getattr(meta, "difficulty", None),
        "evidence": getattr(meta, "evidence", None),
    }
    return {
        "type": [item.type],
        "competency": list(meta.competencies),
        "level": list(meta.levels),
        "modality": list(getattr(meta, "modalities", ())),
        **{key: [value] if value else [] for key, value in single.items()},
    }


class CompetencyIndex(GeneratedPage):
    template = "competencies.html"

    def context(self, library: Library, renderer: Renderer) -> dict[str, Any]:
        grouped: dict[str, list[tuple[object, int]]] = {}
        for c in library.taxonomy.competencies:
            count = len(library.by_competency.get(c.id, ()))
            grouped.setdefault(c.group or "Other", []).append((c, count))
        return {"groups": list(grouped.items())}


class Hub(GeneratedPage):
    """One competency's page: its items by type."""

    template = "hub.html"
    in_nav = False

    def __init__(self, src_uri: str, title: str, competency: str) -> None:
        super().__init__(src_uri, title)
        self.competency = competency

    def depends_on(self, library: Library) -> Sequence[Item] | None:
        return library.by_competency.get(self.competency, ())

    def context(self, library: Library, renderer: Renderer) -> dict[str, Any]:
        competency = next(c for c in library.taxonomy.competencies if c.id == self.competency)
        items = library.by_competency.get(self.competency, ())
        groups = [(t, [i for i in items if i.type == t]) for t in ITEM_TYPES]
        return {"competency": competency, "groups": [(t, m) for t, m in groups if m]}


class TypeIndex(GeneratedPage):
    template = "type_index.html"

    def __init__(self, src_uri: str, title: str, item_type: str) -> None:
        super().__init__(src_uri, title)
        self.item_type = item_type

    def depends_on(self, library: Library) -> Sequence[Item] | None:
        return library.by_type.get(self.item_type, ())

    def context(self, library: Library, renderer: Renderer) -> dict[str, Any]:
        return {"type": self.item_type, "items": library.by_type[self.item_type]}


class Coverage(GeneratedPage):
    template = "coverage.html"

    def context(self, library: Library, renderer: Renderer) -> dict[str, Any]:
        report = coverage(library, today=renderer.today, stale_after_days=renderer.stale_after_days)
        return {"report": report}


class Pack(GeneratedPage):
    template = "pack.html"

    def context(self, library: Library, renderer: Renderer) -> dict[str, Any]:
        groups = [(t, library.by_type.get(t, ())) for t in PRINTABLE]
        groups = [(t, sorted(items, key=lambda i: i.title.casefold())) for t, items in groups]
        pdfs = {i.id: renderer.pdf_name(i) for _t, items in groups for i in items}
        packs = [
            (p, renderer.pdf_name(p), sum(u in library.items for u in p.meta.uses))
            for p in sorted(library.by_type.get("playbook", ()), key=lambda i: i.title.casefold())
            if renderer.pdf_name(p)
        ]
        return {"groups": groups, "pdfs": pdfs, "packs": packs}


def site_pages(taxonomy: Taxonomy) -> list[GeneratedPage]:
    """Every page the site adds to the library's items; their URLs are reserved."""
    return [
        Browse("browse.md", "Browse"),
        CompetencyIndex("competencies/index.md", "Competencies"),
        Coverage("coverage.md", "Coverage"),
        Pack("print.md", "Print a pack"),
        *(TypeIndex(f"library/{t.slug}.md", t.plural, t.name) for t in ITEM_TYPES.values()),
        *(Hub(f"competencies/{c.id}.md", c.name, c.id) for c in taxonomy.competencies),
    ]


def search_tags(library: Library, item: Item) -> list[str]:
    """The names a reader sees of an item's competencies, modalities, levels and type: the
    tags Material's search boosts (`search: material`)."""
    names = library.taxonomy.names
    meta: Any = item.meta
    tags = [names("competencies").get(c, c) for c in meta.competencies]
    tags += [names("modalities").get(m, m) for m in getattr(meta, "modalities", ())]
    tags += [names("levels").get(lv, lv) for lv in meta.levels]
    return [*tags, ITEM_TYPES[item.type].label]


class Renderer:
    def __init__(
        self,
        library: Library,
        *,
        override_dirs: Iterable[Path] = (),
        related_limit: int = 5,
        stale_after_days: int = 540,
        today: date | None = None,
        site_url: str | None = None,
        pdfs: bool = False,
        pagefind: bool = False,
        paper_size: str = "A4",
        qr_codes: QrCodes | None = None,
    ):
        """site_url makes printed pages carry absolute URLs; pdfs links each page to the PDF
        the build writes beside it and gives its printed pages a QR code (from qr_codes, kept
        between builds); pagefind marks what Pagefind indexes (see search.py) instead of
        writing the plain text that Material's search reads."""
        self.library = library
        self.qr_codes = qr_codes or QrCodes()
        self.site_url = site_url
        self.pdfs = pdfs
        self.pagefind = pagefind
        self.paper_size = paper_size
        self.related_limit = related_limit
        self.stale_after_days = stale_after_days
        self.today = today or date.today()
        loaders = [FileSystemLoader(str(d)) for d in override_dirs if d.is_dir()]
        # templates of ours replaced in a theme's custom_dir (playbook/item.html, ...)
        self.overridden = any((d / "playbook").is_dir() for d in override_dirs)
        self.env = Environment(
            loader=ChoiceLoader([*loaders, PackageLoader("playbook", "templates")]),
            autoescape=True,
            auto_reload=False,  # one build, one set of templates: no stat() per render
            undefined=StrictUndefined,
            trim_blocks=False,
        )
        taxonomy = library.taxonomy
        self.env.globals.update(
            text_of=text_of,
            names={v: taxonomy.names(v) for v in ("competencies", "modalities", "levels")},
            type_names={t.name: t.label for t in ITEM_TYPES.values()},
            type_plurals={t.name: t.plural for t in ITEM_TYPES.values()},
            evidence_kinds=EVIDENCE_LABELS,
            pagefind=pagefind,
        )
        self.env.filters["css_string"] = css_string
        self.env.filters["base64"] = lambda text: base64.b64encode(str(text).encode()).decode()
        self.index = RelatedIndex(
            {item.id: item.meta.competencies for item in library},
            {c: [i.id for i in items] for c, items in library.by_competency.items()},
        )

        self._ranked: dict[tuple[str, frozenset[str]], list[Related]] = {}
        self._templates: dict[str, Template] = {}
        self._cards: dict[tuple[str, str], Markup] = {}
        self._chips: dict[tuple[str, str, bool, str, str], Markup] = {}

    def _render(self, template: str, prefix: str, **context: object) -> Rendered:
        """Render for a page whose way back to the site root is `prefix` ('', '../', ...)."""

        def url(target: str) -> str:
            return prefix + target if prefix + target else "./"

        def card(item: Item) -> Markup:
            key = (item.id, prefix)
            found = self._cards.get(key)
            if found is None:
                found = Markup(self._template("card.html").render(url=url, item=item))
                self._cards[key] = found
            return found

        def chip(vocabulary: str, term: str, link: bool = False, facet: str = "") -> Markup:
            """facet: the Pagefind filter this chip's name is a value of (an item's own terms)"""
            key = (vocabulary, term, link, facet, prefix)
            found = self._chips.get(key)
            if found is None:
                found = Markup(
                    self._template("chip.html").render(
                        url=url, vocabulary=vocabulary, term=term, link=link, facet=facet
                    )
                )
                self._chips[key] = found
            return found

        later: list[str] = []

        def defer(fragment: str) -> Markup:
            if self.pagefind:  # Pagefind reads the finished page; nothing reads it before
                return Markup(fragment)
            later.append(str(fragment))
            return Markup(LATER.format(len(later) - 1))

        html = self._template(template).render(
            url=url, card=card, chip=chip, defer=defer, **context
        )
        return Rendered(html, tuple(later))

    def _template(self, name: str) -> Template:
        found = self._templates.get(name)
        if found is None:  # Jinja's own cache takes a lock and builds a key on every lookup
            found = self._templates[name] = self.env.get_template(f"playbook/{name}")
        return found

    def links(self, item: Item) -> list[tuple[str, list[Item]]]:
        """Explicit links in both directions, grouped under the label of their relation. An
        item linked by a closer relation (Uses, Used in, Applies, Applied in) is not repeated
        under Related."""
        groups: dict[str, list[Item]] = {}
        items = self.library.items
        for link in self.library.outgoing.get(item.id, ()):
            groups.setdefault(RELATIONS[link.relation].forward, []).append(items[link.target])
        for link in self.library.incoming.get(item.id, ()):
            label = RELATIONS[link.relation].backward
            if items[link.source] not in groups.get(label, []):
                groups.setdefault(label, []).append(items[link.source])
        related = RELATIONS["related"].forward
        closer = {
            other.id for label, found in groups.items() if label != related for other in found
        }
        if related in groups:
            groups[related] = [other for other in groups[related] if other.id not in closer]
        return [(label, found) for label, found in groups.items() if found]

    def applied(self, item: Item) -> list[tuple[Item, str]]:
        """A playbook's case studies, each with its headline (first) outcome."""
        cases = []
        for link in self.library.incoming.get(item.id, ()):
            if link.relation != "applies":
                continue
            case = self.library.items[link.source]
            first = case.meta.outcomes[0]
            change = f"{first.before} → {first.after}" if first.before else first.after
            cases.append(
                (
                    case,
                    f"{first.measure}: {change}"
                    + (f" ({first.timeframe})" if first.timeframe else ""),
                )
            )
        return cases

    def related(self, item: Item, exclude: set[str]) -> list[tuple[Item, list[str]]]:
        names = self.library.taxonomy.names("competencies")
        key = (item.id, frozenset(exclude))
        found = self._ranked.get(key)
        if found is None:
            found = self._ranked[key] = self.index.related(item.id, self.related_limit, exclude)
        return [(self.library.items[r.id], [names.get(c, c) for c in r.shared]) for r in found]

    def reuse_rankings(self, previous: Renderer) -> bool:
        """Take the related-item rankings of a previous renderer (a `mkdocs serve` rebuild)
        if no item's competencies changed, nor the set of items: then they are the same."""
        same = (
            previous.related_limit == self.related_limit
            and previous.index.competencies == self.index.competencies
        )
        if same:
            self._ranked = previous._ranked
        return same

    def item(self, item: Item, body_html: str, prefix: str) -> Rendered:
        """Header, structured fields and body; deferred: chips, links both ways, related items."""
        milestone_titles = {
            m.id: m.title for stage in getattr(item.meta, "stages", ()) for m in stage.milestones
        }
        links = self.links(item)
        linked = {other.id for _label, others in links for other in others}
        applied = self.applied(item) if item.type == "playbook" else []
        if applied:  # near the top of the page (item.html), so not again at its foot
            backward = RELATIONS["applies"].backward
            links = [(label, found) for label, found in links if label != backward]
        return self._render(
            "item.html",
            prefix,
            item=item,
            paper=self.paper(item),
            body_html=Markup(body_html),
            milestone_titles=milestone_titles,
            links=links,
            applied=applied,
            related=self.related(item, linked),
            synonyms=self.synonyms(item) if self.pagefind else [],
        )

    # Pagefind's weight for words found in an item's title, summary and other text
    SYNONYM_WEIGHTS = {"title": 10, "summary": 3, "text": 1}

    def synonyms(self, item: Item) -> list[tuple[int, str]]:
        """(Pagefind weight, words) to index with an item beside its own text: the synonyms of
        what its title, summary and text say (the taxonomy's groups), and the names of its
        competencies, as text of the lowest weight (a reader may search by them; a chip, a
        filter, is not indexed as the page's words)."""
        meta = item.meta
        places = {"title": item.title, "summary": meta.summary, "text": item.body}
        found = expansions(self.library.taxonomy.synonyms, places)
        names = self.library.taxonomy.names("competencies")
        found["text"] += [names.get(c, c) for c in meta.competencies]
        return [(self.SYNONYM_WEIGHTS[p], " · ".join(w)) for p, w in found.items() if w]

    def page_address(self, item: Item) -> str:
        """The item's URL as printed on paper (see paper.printed_address)."""
        return printed_address(self.site_url, item.url)

    def paper(self, item: Item) -> dict[str, object]:
        """What the item's printed pages carry: band text, QR code, the PDF beside the page."""
        address = self.page_address(item)
        meta = item.meta
        dated = (
            f"Reviewed {meta.reviewed}"
            if meta.reviewed
            else f"Updated {meta.updated}"
            if meta.updated
            else "No review date"
        )
        half = getattr(meta, "paper", "") == "half-page"
        return {
            "band": f"{item.title}\n{dated} · {address}",
            "qr": self.qr_code(item),
            "pdf": self.pdf_name(item),
            "size": HALF_SHEET[self.paper_size] if half else None,
        }

    def qr_code(self, item: Item) -> str | None:
        """The QR code on the item's printed pages (see paper.QrCodes), if they carry one:
        PDFs on and the site's address known."""
        if not (self.site_url and self.pdfs):
            return None
        return self.qr_codes.data_uri(self.page_address(item))

    def save_qr_codes(self) -> bool:
        """Keep the QR codes of the library's pages for the next build (see QrCodes.save).
        True, so that a build can tell that its second process did it (Ahead.take gives
        None for a job not done)."""
        self.qr_codes.save({self.page_address(item) for item in self.library})
        return True

    def page(self, page: GeneratedPage, prefix: str) -> Rendered:
        return self._render(page.template, prefix, **page.context(self.library, self))

    def pdf_name(self, item: Item) -> str | None:
        """The PDF the build writes beside the item's page, if PDFs are on."""
        return ITEM_TYPES[item.type].pdf_name(item.id) if self.pdfs else None

    def print_part(self, item: Item, page: str, body_html: str, prefix: str, url: str) -> PrintPart:
        """What the item's PDFs hold of it, from its page's HTML (`page`, which ends with its
        own part but for the cross-links after it: not printed; item.html), its body and the
        address of the page (or file) the links of both are relative to."""
        after = page.find(AFTER_ITEM)
        article = page if after == -1 else page[: page.rindex("<", 0, after)]
        notes = ""
        if ITEM_TYPES[item.type].printable:
            notes = self._render("notes.html", prefix, item=item, body_html=Markup(body_html))
            notes = notes.whole()
        return PrintPart(article, notes, url)

    def pdf_document(self, items: Sequence[str], parts: Mapping[str, PrintPart]) -> PdfDocument:
        """What one PDF is made of: each part an HTML document of its own, laid out once and
        shared by every PDF that holds it (outputs/pdf.py puts them together and numbers the
        pages through). One item: its article. A playbook's workshop pack: a cover with
        contents, the playbook's run sheet, then for each template and framework it uses (in
        its order) the facilitator notes and the participant's sheet, which is the same
        document as the item's own PDF."""
        playbook = self.library.items[items[0]]
        if len(items) == 1:
            return PdfDocument(None, "", (self._pdf_part(playbook.title, playbook, parts),))
        found = [self._pdf_part("Run sheet: phases, roles, pitfalls", playbook, parts, "run")]
        for item in (self.library.items[i] for i in items[1:]):
            if parts[item.id].notes:
                found.append(
                    self._pdf_part(f"Facilitator notes: {item.title}", item, parts, "notes")
                )
            kind = "participant's sheet" if item.type == "feedback-template" else None
            label = f"{item.title} ({kind or ITEM_TYPES[item.type].label.lower()})"
            found.append(self._pdf_part(label, item, parts))
        address = self.page_address(playbook)
        cover = self._render(
            "pdf.html", "", item=playbook, contents=[label for label, *_ in found], pack=True,
            paper_size=self.paper_size, address=address,
            qr=self.qr_codes.data_uri(address) if self.site_url else None,
        ).whole()  # fmt: skip
        return PdfDocument(cover, parts[playbook.id].url, tuple(found))

    def _pdf_part(
        self, label: str, item: Item, parts: Mapping[str, PrintPart], kind: str = "sheet"
    ) -> tuple[str, str, str, str]:
        """One part of a PDF: the item's article ("sheet"; a playbook's run sheet: "run") or
        its facilitator notes ("notes"), as a document with its outline label."""
        part = parts[item.id]
        html = self._render(
            "pdf.html", "", item=item, article=Markup(part.notes if kind == "notes" else part.article),
            pack=kind != "sheet", contents=None, paper_size=self.paper_size,
        ).whole()  # fmt: skip
        return label, html, part.url, item.id
