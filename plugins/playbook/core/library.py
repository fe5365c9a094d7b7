"""Load a library from disk, check every rule of the content model, and link it up."""

from __future__ import annotations

import os
import posixpath
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

from .bodycheck import check_body, check_includes
from .frontmatter import (
    MAX_YAML_FILE_BYTES,
    Document,
    ParseMemo,
    Positions,
    decode,
    parse_yaml,
    read_file,
)
from .models import SLUG_PATTERN, ItemBase, MilestoneFramework, Taxonomy, slugify
from .problems import Problem, did_you_mean
from .scaffold import PLACEHOLDER
from .settings import Settings
from .types import ITEM_TYPES, RELATIONS, TYPES
from .validation import validate


def page_url(src_uri: str) -> str:
    """MkDocs' directory URL of a page: a/b.md -> a/b/, a/index.md -> a/, index.md -> ''."""
    stem = src_uri[: -len(".md")] if src_uri.endswith(".md") else src_uri
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


@dataclass(frozen=True, slots=True)
class Link:
    source: str
    target: str
    relation: str


@dataclass(frozen=True, slots=True)
class Item:
    """One library item: its checked front matter (`meta`) and its Markdown body."""

    id: str
    path: str
    meta: ItemBase
    body: str
    body_line: int
    positions: Positions = field(compare=False, repr=False)
    docs_prefix: str = field(compare=False, repr=False)

    @property
    def type(self) -> str:
        return self.meta.type  # type: ignore[attr-defined, no-any-return]

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def draft(self) -> bool:
        return self.meta.status == "draft"

    @property
    def src_uri(self) -> str:
        """The page's path in the site: its source path, less docs_dir for items inside it."""
        return self.path.removeprefix(self.docs_prefix)

    @property
    def url(self) -> str:
        """The site URL, mirroring the source path: case_studies/x.md -> case_studies/x/."""
        return page_url(self.src_uri)


@dataclass(frozen=True)
class Library:
    """A checked library: items by id, type and competency, with links both ways."""

    settings: Settings
    taxonomy: Taxonomy
    items: Mapping[str, Item]
    by_type: Mapping[str, tuple[Item, ...]]
    by_competency: Mapping[str, tuple[Item, ...]]
    outgoing: Mapping[str, tuple[Link, ...]]
    incoming: Mapping[str, tuple[Link, ...]]
    warnings: tuple[Problem, ...] = ()

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items.values())

    def published(self) -> Library:
        """The library as a build publishes it: drafts and every link to them left out."""
        if not any(item.draft for item in self):
            return self
        return _assemble(
            self.settings,
            self.taxonomy,
            [item for item in self if not item.draft],
            self.warnings,
        )


def _frozen(mapping: Mapping[str, list[Any]]) -> Mapping[str, tuple[Any, ...]]:
    return MappingProxyType({key: tuple(value) for key, value in mapping.items()})


def _links_of(item: Item) -> Iterator[tuple[str, str, str | int]]:
    """(target id, relation, key) for each explicit reference an item makes."""
    for relation in RELATIONS.values():
        for target in getattr(item.meta, relation.key, ()):
            yield target, relation.name, relation.key


def _assemble(
    settings: Settings, taxonomy: Taxonomy, items: Iterable[Item], warnings: tuple[Problem, ...]
) -> Library:
    by_id = {item.id: item for item in items}
    by_type: dict[str, list[Item]] = {t: [] for t in TYPES}
    by_competency: dict[str, list[Item]] = {c.id: [] for c in taxonomy.competencies}
    outgoing: dict[str, list[Link]] = defaultdict(list)
    incoming: dict[str, list[Link]] = defaultdict(list)
    for item in sorted(by_id.values(), key=lambda i: (i.title.casefold(), i.id)):
        by_type[item.type].append(item)
        for competency in item.meta.competencies:
            by_competency.setdefault(competency, []).append(item)
        for target, relation, _key in _links_of(item):
            if target in by_id and target != item.id:
                link = Link(item.id, target, relation)
                outgoing[item.id].append(link)
                incoming[target].append(link)
    return Library(
        settings=settings,
        taxonomy=taxonomy,
        items=MappingProxyType(by_id),
        by_type=_frozen(by_type),
        by_competency=_frozen(by_competency),
        outgoing=_frozen(outgoing),
        incoming=_frozen(incoming),
        warnings=warnings,
    )


# ---------------------------------------------------------------- reading


def load_taxonomy(settings: Settings) -> tuple[Taxonomy | None, list[Problem]]:
    file = settings.root / settings.taxonomy
    path = settings.taxonomy
    if file.is_symlink():
        return None, [
            Problem(
                path,
                1,
                1,
                "the taxonomy file is a symbolic link, which is not read",
                "replace the link with the file itself; links can point outside the repository",
            )
        ]
    if not file.is_file():
        return None, [
            Problem(
                path,
                1,
                1,
                "the taxonomy file is missing",
                "create it with a `competencies:` list (see the contributing guide)",
            )
        ]
    raw = file.read_bytes()
    if len(raw) > MAX_YAML_FILE_BYTES:
        return None, [Problem(path, 1, 1, "the taxonomy file is larger than 1 MiB", "")]
    text, problems = decode(raw, path)
    if text is None:
        return None, problems
    data, positions, problems = parse_yaml(text, path)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        return None, [Problem(path, 1, 1, "the taxonomy must be a set of `key: value` lines", "")]
    taxonomy, problems = validate(Taxonomy, data, positions, path)
    if taxonomy is None:
        return None, problems
    assert isinstance(taxonomy, Taxonomy)
    for vocabulary in ("competencies", "modalities", "levels"):
        seen: dict[str, int] = {}
        for index, term in enumerate(getattr(taxonomy, vocabulary)):
            if term.id in seen:
                line, col = positions.of_value((vocabulary, index, "id"))
                problems.append(
                    Problem(
                        path,
                        line,
                        col,
                        f"the {vocabulary} id '{term.id}' is defined twice",
                        f"it is also entry {seen[term.id] + 1} of {vocabulary}; rename or remove one",
                    )
                )
            seen[term.id] = index
    return (None if problems else taxonomy), problems


MAX_ID = 100  # as the models' Slug: an id from a file name obeys the same limit
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")


def outside(settings: Settings, path: str) -> bool:
    """Whether a path of the configuration leaves the project (absolute, `..`, or a link)."""
    root = settings.root.resolve()
    return Path(path).is_absolute() or not (root / path).resolve().is_relative_to(root)


def _configured_paths(settings: Settings) -> list[Problem]:
    """The plugin's `sources` and `taxonomy` must be inside the project: what is read is the
    project's, and an item's page, at its source's path, stays inside the site."""
    problems = []
    for key, path in [*(("sources", s) for s in settings.sources), ("taxonomy", settings.taxonomy)]:
        if outside(settings, path):
            problems.append(
                Problem(
                    settings.config_file,
                    1,
                    1,
                    f"the playbook plugin's {key} '{path}' is outside the project",
                    f"give a path inside the folder of {settings.config_file}, relative to it "
                    "(no '..', no absolute path, no link that leads out)",
                )
            )
    return problems


def source_files(settings: Settings) -> Iterator[tuple[Path, bool]]:
    """(file, must_be_item) for every Markdown file of the library, symlinks included."""
    seen: set[Path] = set()
    folders = [(s, True) for s in settings.sources if not outside(settings, s)]
    folders.append((settings.docs_dir, False))
    for folder, must in folders:
        base = settings.root / folder
        if not base.is_dir():
            continue
        for directory, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                file = Path(directory) / name
                if name.startswith(".") or file in seen:
                    continue
                # in an item folder, a Markdown file that MkDocs would not read (Item.MD,
                # item.markdown) is read anyway, to be refused rather than silently left out
                # a link of any kind is read, to be refused: MkDocs would publish its target
                if (
                    name.endswith(".md")
                    or (must and name.lower().endswith(MARKDOWN_SUFFIXES))
                    or file.is_symlink()
                ):
                    seen.add(file)
                    yield file, must
            for name in dirs:  # a symlinked folder is not walked; say so
                if (Path(directory) / name).is_symlink():
                    yield Path(directory) / name, True


_KEY_LINE = re.compile(r"([a-z_]+)[ \t]*:(?:[ \t]|$)")
FIELDS = frozenset(
    name for item_type in ITEM_TYPES.values() for name in item_type.model.model_fields
) | {"type"}


_TYPE_LINE = re.compile(r"^type[ \t]*:[ \t]*[\"']?(" + "|".join(TYPES) + r")\b", re.M)


def _meant_as_item(document: Document) -> bool:
    """A file of docs_dir is an item if its front matter has a `type`, or if its text holds
    a `type:` line naming an item type (front matter that did not open or closed early)."""
    if document.data is not None and "type" in document.data:
        return True
    return _TYPE_LINE.search(document.body, 0, 4000) is not None


def _lost_front_matter(document: Document) -> Problem | None:
    """Front matter a contributor wrote that would end up as body text: the keys after a
    stray `---` (or `...`), keys with no `---` around them, or a `---` below blank lines."""
    path, body = document.path, document.body
    lines = body.split("\n", 12)[:12]
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None
    line = lines[first]
    number = document.body_line + first
    closed = document.body_line > 1  # a front matter block was opened and closed above
    if not closed and line.rstrip() == "---" and first > 0:
        return Problem(
            path,
            number,
            1,
            f"the front matter must start on line 1; here its --- is on line {number}",
            "delete the blank lines above it",
        )
    key = _KEY_LINE.match(line)
    if key is None or key.group(1) not in FIELDS:
        return None
    if closed:
        fence = document.body_line - 1
        return Problem(
            path,
            fence,
            1,
            f"the front matter ends on this line, but line {number} below it is the key "
            f"'{key.group(1)}': everything after this line would be shown as text",
            "delete this line: the front matter is closed once, by a --- after its last key",
        )
    return Problem(
        path,
        number,
        1,
        f"'{key.group(1)}:' and the lines around it look like front matter, but no --- line "
        "opens it",
        "put a line holding only --- on line 1, above the first key, and another after the "
        "last key",
    )


def read_item(
    document: Document, must_be_item: bool, docs_prefix: str
) -> tuple[Item | None, list[Problem]]:
    """Check one document against the model of its type."""
    path = document.path
    if document.problems:
        return None, document.problems
    data = document.data
    if must_be_item or _meant_as_item(document):
        lost = _lost_front_matter(document)
        if lost is not None:
            return None, [lost]
    if data is None:
        if not must_be_item:
            return None, []
        return None, [
            Problem(
                path,
                1,
                1,
                "the file has no front matter",
                "start it with a line ---, the keys (type, title, summary, competencies, ...), "
                "and another ---; `playbook new` writes one for you",
            )
        ]
    if "type" not in data:
        if not must_be_item:
            return None, []
        return None, [
            Problem(path, 1, 1, "'type' is required", "valid values: " + ", ".join(TYPES))
        ]
    kind = data["type"]
    if not isinstance(kind, str):  # a list or a mapping: not a type name (and not hashable)
        line, col = document.positions.of_value(("type",))
        return None, [
            Problem(path, line, col, "'type' must be one word", "valid values: " + ", ".join(TYPES))
        ]
    if kind not in ITEM_TYPES:
        line, col = document.positions.of_value(("type",))
        return None, [Problem(path, line, col, f"unknown type '{kind}'", did_you_mean(kind, TYPES))]
    meta, problems = validate(ITEM_TYPES[kind].model, data, document.positions, path)
    if meta is None:
        return None, problems
    assert isinstance(meta, ItemBase)
    if meta.status != "draft":
        placeholders = list(_placeholders(data, ()))
        if placeholders:
            return None, [
                Problem(
                    path,
                    *document.positions.of_value(loc),
                    f"'{text[:60]}' is the text `playbook new` wrote, still in a published item",
                    "write your own text here, or keep `status: draft` until it is ready",
                )
                for loc, text in placeholders
            ]
    stem = Path(path).stem
    item_id = meta.id or stem
    if meta.id is None and len(stem) > MAX_ID:
        return None, [
            Problem(
                path,
                1,
                1,
                f"the file name is {len(stem)} characters long; an id (the file name, without "
                f".md) has at most {MAX_ID}",
                f"rename the file to a shorter name, e.g. '{slugify(stem)[:60].strip('-')}.md', "
                "or set a shorter `id:`",
            )
        ]
    if meta.id is None and not _is_slug(stem):
        return None, [
            Problem(
                path,
                1,
                1,
                f"the file name '{stem}' is not a valid id: ids use lowercase letters a-z, "
                "digits and single hyphens",
                f"rename the file to '{slugify(stem) or 'item'}.md' or set `id:` in the front matter",
            )
        ]
    return (
        Item(
            item_id, path, meta, document.body, document.body_line, document.positions, docs_prefix
        ),
        [],
    )


def _placeholders(value: Any, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(where, text) of every scaffold placeholder left in front matter data."""
    if isinstance(value, str):
        if value.startswith(PLACEHOLDER):
            yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _placeholders(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _placeholders(item, (*loc, index))


def _is_slug(text: str) -> bool:
    return re.fullmatch(SLUG_PATTERN, text) is not None


# ---------------------------------------------------------------- checking across items


@dataclass(frozen=True, slots=True)
class _Refs:
    """The reference lists of one file, from its model or, if that failed, its raw data."""

    path: str
    id: str
    draft: bool
    positions: Positions
    lists: Mapping[str, tuple[str, ...]]

    @classmethod
    def of_item(cls, item: Item) -> _Refs:
        lists = {key: tuple(getattr(item.meta, key, ())) for key in _LIST_KEYS}
        return cls(item.path, item.id, item.draft, item.positions, lists)

    @classmethod
    def of_raw(cls, document: Document) -> _Refs:
        data = document.data or {}
        lists = {  # a value that is not an id was reported by the model already: one mistake,
            key: tuple(v if isinstance(v, str) and _is_slug(v) else "" for v in data[key])
            for key in _LIST_KEYS  # one error
            if isinstance(data.get(key), list)
        }
        stem = Path(document.path).stem
        item_id = data.get("id") if isinstance(data.get("id"), str) else stem
        draft = data.get("status") == "draft"
        return cls(document.path, str(item_id), draft, document.positions, lists)


_VOCABULARY = {"competencies": "competency", "levels": "level", "modalities": "modality"}
_TARGETS = {relation.key: relation.targets for relation in RELATIONS.values()}
_LIST_KEYS = (*_VOCABULARY, *_TARGETS)


class _Checker:
    def __init__(self, taxonomy: Taxonomy, items: dict[str, Item], broken: set[str]):
        self.items = items
        self.broken = broken  # ids of files with errors of their own: not reported again
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.vocab = {
            "competencies": {t.id for t in taxonomy.competencies},
            "modalities": {t.id for t in taxonomy.modalities},
            "levels": {t.id for t in taxonomy.levels},
        }

    def report(self, refs: _Refs, loc: tuple[Any, ...], message: str, hint: str = "") -> None:
        line, col = refs.positions.of_value(loc)
        self.problems.append(Problem(refs.path, line, col, message, hint))

    def check(self, refs: _Refs) -> None:
        for key, values in refs.lists.items():
            seen: set[str] = set()
            for index, value in enumerate(values):
                if not value:
                    continue
                loc = (key, index)
                if value in seen:
                    self.report(refs, loc, f"'{value}' is listed twice in '{key}'", "remove one")
                seen.add(value)
                if key in _VOCABULARY:
                    known = self.vocab[key]
                    if value not in known:
                        message = f"unknown {_VOCABULARY[key]} '{value}'"
                        self.report(refs, loc, message, did_you_mean(value, known))
                else:
                    self.reference(refs, key, loc, value)

    def reference(self, refs: _Refs, key: str, loc: tuple[Any, ...], target: str) -> None:
        other = self.items.get(target)
        types = _TARGETS[key]
        if other is None and target in self.broken:
            return
        if target == refs.id:
            self.report(refs, loc, f"'{target}' refers to itself in '{key}'", "remove it")
        elif other is None:
            candidates = (i.id for i in self.items.values() if i.type in types)
            self.report(
                refs, loc, f"no item has the id '{target}'", did_you_mean(target, candidates)
            )
        elif other.type not in types:
            names = " or ".join(ITEM_TYPES[t].plural.lower() for t in types)
            self.report(
                refs,
                loc,
                f"'{target}' is a {ITEM_TYPES[other.type].label.lower()}, but '{key}' takes {names}",
                "move it to `related:` if the link is still wanted",
            )
        elif other.draft and not refs.draft:
            line, col = refs.positions.of_value(loc)
            self.warnings.append(
                Problem(
                    refs.path,
                    line,
                    col,
                    f"'{target}' is a draft, so this link will not show in the built site",
                    f"publish {other.path} or remove the link",
                    severity="warning",
                )
            )

    def milestones(self, item: Item, meta: MilestoneFramework) -> None:
        refs = _Refs.of_item(item)
        where: dict[str, tuple[int, int]] = {}
        graph: dict[str, tuple[str, ...]] = {}
        for s, stage in enumerate(meta.stages):
            for m, milestone in enumerate(stage.milestones):
                loc = ("stages", s, "milestones", m)
                if milestone.id in where:
                    self.report(
                        refs,
                        (*loc, "id"),
                        f"the milestone id '{milestone.id}' is used twice in this framework",
                        "milestone ids must be unique within a framework",
                    )
                where[milestone.id] = (s, m)
                graph[milestone.id] = tuple(milestone.requires)
                if milestone.competency not in self.vocab["competencies"]:
                    self.report(
                        refs,
                        (*loc, "competency"),
                        f"unknown competency '{milestone.competency}'",
                        did_you_mean(milestone.competency, self.vocab["competencies"]),
                    )
        for s, stage in enumerate(meta.stages):
            for m, milestone in enumerate(stage.milestones):
                for r, required in enumerate(milestone.requires):
                    loc = ("stages", s, "milestones", m, "requires", r)
                    if required not in graph:
                        self.report(
                            refs,
                            loc,
                            f"no milestone '{required}' in this framework",
                            did_you_mean(required, graph),
                        )
        for cycle in _cycles(graph):
            s, m = where[cycle[0]]
            self.report(
                refs,
                ("stages", s, "milestones", m, "requires"),
                "milestone prerequisites go round in a circle: " + " -> ".join(cycle),
                "a milestone cannot require itself, directly or through others; remove one link",
            )


def _cycles(graph: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    """One cycle for each strongly tangled group of prerequisites (iterative DFS)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    cycles = []
    for start in graph:
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(graph[start]))]
        state[start] = 1
        path.append(start)
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in graph:
                    continue
                if state.get(child) == 1:
                    cycles.append(path[path.index(child) :] + [child])
                elif not state.get(child):
                    state[child] = 1
                    path.append(child)
                    stack.append((child, iter(graph[child])))
                    break
            else:
                stack.pop()
                state[node] = 2
                path.pop()
    return cycles


# ---------------------------------------------------------------- URLs


def _fold(url: str) -> str:
    """A URL as case-insensitive file systems and servers see it: one Unicode form, no case."""
    return unicodedata.normalize("NFC", url).casefold()


def _claim(pages: dict[str, str], folded: dict[str, str], url: str, who: str) -> None:
    pages[url] = who
    folded.setdefault(_fold(url), url)


def _url_collision(
    pages: dict[str, str], folded: dict[str, str], url: str
) -> tuple[str, str] | None:
    """(message, hint) when another page already has this URL, or one equal up to case or
    Unicode normalisation (two such files are one file on macOS and Windows checkouts)."""
    if url in pages:
        return (
            f"this file would be published at /{url}, where {pages[url]} is published",
            "two files cannot share a URL: rename or move one of them",
        )
    other = folded.get(_fold(url))
    if other is None:
        return None
    how = (
        "letter case"
        if unicodedata.normalize("NFC", url) != unicodedata.normalize("NFC", other)
        else "how its accented letters are encoded (Unicode normalisation)"
    )
    return (
        f"this file would be published at /{url}, which differs only in {how} from /{other}, "
        f"where {pages[other]} is published",
        "rename or move one of them, preferably to lowercase ASCII names: macOS and Windows "
        "checkouts and many web servers treat the two as one file",
    )


def _dead_links(
    linking: Iterable[tuple[str, str, list[tuple[str, int, int]]]], known: set[str]
) -> list[Problem]:
    """A warning (as MkDocs warns, so `--strict` fails alike) for each link of a body to a
    Markdown page the site does not have, resolved as MkDocs resolves it: from the linking
    page's place in the site (its path less docs_dir), among the site's pages."""
    found = []
    for src_uri, path, links in linking:
        for raw, line, col in links:
            target = unquote(raw.split("#", 1)[0].split("?", 1)[0])
            if not target.endswith(".md"):
                continue
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), target))
            if resolved in known:
                continue
            near = did_you_mean(resolved, known, listing=0)
            if not near.startswith("did you mean"):
                near = "check the file name; a link is relative to the place of the file it is in"
            else:  # the page, written as the link must be written from here
                other = near.split("'")[1]
                here = posixpath.dirname(src_uri) or "."
                near = f"did you mean '{posixpath.relpath(other, here)}'?"
            message = f"the link '{raw}' leads to no page: the site has no {resolved}"
            found.append(Problem(path, line, col, message, near, severity="warning"))
    return found


def _output_collision(outputs: Mapping[str, str] | None, url: str) -> tuple[str, str] | None:
    folded = _fold(url)
    for prefix, what in (outputs or {}).items():
        if folded == _fold(prefix) or folded.startswith(_fold(prefix)):
            return (
                f"this file would be published at /{url}, where the build writes {what}",
                "rename or move it: that part of the site is the build's own",
            )
    return None


# ---------------------------------------------------------------- entry points


# file -> (its stat signature, what reading it gave): see scan's `cache`
ReadCache = dict[Path, tuple[tuple[int, ...], tuple[Any, ...]]]


def _read(
    file: Path,
    must: bool,
    markdown: bool,
    settings: Settings,
    cache: ReadCache | None,
    parsed: ParseMemo | None,
) -> tuple[Document, Item | None, list[Problem], list[Problem], list[tuple[str, int, int]]]:
    """A file's document, its item (or None), the item's and the body's problems (none but
    the document's if it is not `markdown`) and the body's relative links (address, line,
    column); from `cache` when the file's size and modification time are those it was read
    with; its front matter from `parsed` when an earlier build parsed the same text."""
    signature: tuple[int, ...] = ()
    if cache is not None:
        try:
            stat = file.lstat()
            signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino, int(must))
        except OSError:
            signature = ()
        found = cache.get(file)
        if signature and found is not None and found[0] == signature:
            return found[1]  # type: ignore[return-value]
    document = read_file(file, settings.root, parsed)
    item: Item | None = None
    item_problems: list[Problem] = []
    body: list[Problem] = []
    links: list[tuple[str, int, int]] = []
    if markdown:
        item, item_problems = read_item(document, must, settings.docs_prefix)
        if document.body:
            # a hand-written page keeps its HTML, images from elsewhere included, unless
            # clean_pages: then nothing will be removed from it, and only errors stand
            filtered = item is not None or must or settings.clean_pages
            hosts = frozenset(settings.remote_hosts) if filtered else None
            body = check_body(document.body, document.path, document.body_line, hosts, links)
            if not filtered:
                body = [p for p in body if p.severity == "error"]
            if item is not None or must:
                body += check_includes(document.body, document.path, document.body_line)
    result = (document, item, item_problems, body, links)
    if cache is not None and signature:
        cache[file] = (signature, result)
    return result


def scan(
    settings: Settings,
    cache: ReadCache | None = None,
    reserved: Callable[[Taxonomy], Mapping[str, str]] | None = None,
    outputs: Mapping[str, str] | None = None,
    parsed: ParseMemo | None = None,
) -> tuple[Library | None, list[Problem], int]:
    """Read and check everything; return the library (None on errors), problems, item count.

    `reserved` gives the src_uris of the pages the site generates (who publishes there), and
    `outputs` the folders the build writes its own files to (URL prefix -> what): no file may
    be published at either.

    `cache`, kept by the caller between scans (`mkdocs serve` rebuilds), lets a file whose
    size and modification time did not change be taken as read last time: the same Item
    object, so `is` tells an unchanged item from an edited one. Cross-file checks always run.
    `parsed`: front matter parsed by an earlier build, by its text (see ParseMemo)."""
    problems = _configured_paths(settings)
    if problems:
        return None, problems, 0
    taxonomy, problems = load_taxonomy(settings)
    items: dict[str, Item] = {}
    unchecked: list[_Refs] = []  # files whose model failed: still check their references
    count = 0
    docs_prefix = settings.docs_prefix
    pages: dict[str, str] = {}  # URL -> who publishes there: every page must have its own
    folded: dict[str, str] = {}  # the same, by URL up to letter case and Unicode form
    body_warnings: list[Problem] = []  # what the sanitizer will remove from bodies
    linking: list[tuple[str, str, list[tuple[str, int, int]]]] = []  # src_uri, path, links
    known: set[str] = set()  # the src_uri of every page: what a body's link may lead to
    if taxonomy is not None and reserved is not None:
        for src_uri, who in reserved(taxonomy).items():
            _claim(pages, folded, page_url(src_uri), who)
            known.add(src_uri)
    for file, must in source_files(settings):
        markdown = file.name.endswith(".md") or file.is_symlink()
        document, item, item_problems, checked_body, links = _read(
            file, must, markdown, settings, cache, parsed
        )
        if links:
            linking.append((document.path.removeprefix(docs_prefix), document.path, links))
        if not markdown:
            problems.append(
                Problem(
                    document.path,
                    1,
                    1,
                    f"'{file.name}' is not published: only files ending in .md are",
                    f"rename it to {file.name[: file.name.rfind('.')]}.md",
                )
            )
            count += 1
            continue
        problems.extend(item_problems)
        if item_problems:  # a link to it is fine once its own error, said above, is fixed
            known.add(document.path.removeprefix(docs_prefix))
        for problem in checked_body:
            (problems if problem.severity == "error" else body_warnings).append(problem)
        if not item_problems and (item is not None or not must):
            src_uri = document.path.removeprefix(docs_prefix)
            url = page_url(src_uri)
            collision = _url_collision(pages, folded, url) or _output_collision(outputs, url)
            if collision:
                problems.append(Problem(document.path, 1, 1, *collision))
                continue
            _claim(pages, folded, url, document.path)
            known.add(src_uri)
        if item is None:
            if item_problems:
                count += 1
                if document.data is not None:
                    unchecked.append(_Refs.of_raw(document))
            continue
        count += 1
        if item.id in items:
            # on every file that has it: a pull request's annotation lands on the new file,
            # whichever of the two the walk met first
            first = items[item.id]
            for this, other, said in ((item, first, "already"), (first, item, "also")):
                line, col = this.positions.of_value(("id",)) if this.meta.id else (1, 1)
                problems.append(
                    Problem(
                        this.path,
                        line,
                        col,
                        f"the id '{item.id}' is {said} used by {other.path}",
                        "ids must be unique across the library: rename the file or set "
                        "another `id:`",
                    )
                )
            continue
        items[item.id] = item
    if taxonomy is None:
        return None, problems, count
    checker = _Checker(taxonomy, items, {refs.id for refs in unchecked})
    for item in items.values():
        checker.check(_Refs.of_item(item))
        if isinstance(item.meta, MilestoneFramework):
            checker.milestones(item, item.meta)
    for refs in unchecked:
        checker.check(refs)
    problems.extend(checker.problems)
    body_warnings += _dead_links(linking, known)
    warnings = tuple(sorted([*checker.warnings, *body_warnings]))
    if problems:
        return None, sorted(problems) + list(warnings), count
    return _assemble(settings, taxonomy, items.values(), warnings), list(warnings), count


__all__ = ["Item", "Library", "Link", "scan", "replace"]
