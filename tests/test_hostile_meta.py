"""Front matter of hand-written pages that Material prints raw: escaped, whatever Material reads.

A hand-written page is left as its author wrote it, but some keys of its front matter are
printed by Material's templates without escaping, in the page and in the navigation of every
page (`subtitle`, `status` inside a class attribute, ...). The plugin escapes every key on a
list; this test reads the installed Material's templates, so that a key a new Material starts
to read cannot slip through unseen.
"""

from __future__ import annotations

import logging
import re
from importlib import resources

from conftest import MKDOCS_YML, build_site
from playbook.site.meta import MATERIAL_META

PAYLOAD = '"><img src=x onerror=alert(1)>'
RAW = "<img src=x onerror=alert(1)>"
# page.meta.x, nav_item.meta.x, meta["x"], meta.get("x") in Material's templates
_READ = re.compile(r"\bmeta(?:\.([a-z_]+)|\[[\"']([a-z_]+)[\"']\]|\.get\([\"']([a-z_]+)[\"'])")
NOT_PRINTED = {"get"}  # meta.get(...) itself


def material_meta_keys() -> set[str]:
    templates = resources.files("material") / "templates"
    keys: set[str] = set()
    stack = [templates]
    while stack:
        folder = stack.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                if entry.name != "languages":  # translations: "meta.source" is a text's key
                    stack.append(entry)
            elif entry.name.endswith(".html"):
                for found in _READ.finditer(entry.read_text(encoding="utf-8")):
                    keys.add(next(g for g in found.groups() if g))
    return keys - NOT_PRINTED


def test_every_key_materials_templates_read_is_made_safe():
    keys = material_meta_keys()
    assert {"title", "subtitle", "status", "hide"} <= keys  # the reading works
    assert keys <= set(MATERIAL_META), f"new keys read by Material: {keys - set(MATERIAL_META)}"


def test_hostile_front_matter_of_a_hand_written_page_prints_as_text(project, caplog):
    project.write(
        "mkdocs.yml",
        MKDOCS_YML
        + "nav:\n  - index.md\n  - about.md\n"
        + "extra:\n  status:\n    new: Recently added\n",
    )
    texts = "".join(
        f"{key}: '{PAYLOAD}'\n" for key, kind in MATERIAL_META.items() if kind == "text"
    )
    project.write(
        "content/about.md",
        f"---\n{texts}icon: ../../../etc/passwd\ntemplate: ../../main.html\n---\n\n# About\n",
    )
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.playbook"):
        site = build_site(project.root, strict=False)
    pages = list(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        assert RAW not in page.read_text(encoding="utf-8"), page
    about = (site / "about/index.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in about  # shown, as text
    said = caplog.text
    assert "content/about.md: the front matter key 'icon' must name a Material icon" in said
    assert "the front matter key 'template' must name a template" in said
