"""The theme's navigation, rendered once per place for the pages outside it.

Every page embeds the whole nav. Pages outside the nav (items, hubs) show the same nav but for
its relative links, which depend on how deep the page sits and which of the nav's folders it
shares (case_studies/a/ and case_studies/b/ get the same links, competencies/c/ does not: its
link to competencies/ is ../). The theme's own `partials/nav.html` (or a custom_dir override)
still renders it; this only keeps the result. Through Jinja's public API: a loader in front of
the theme's that answers for the partial's name.
"""

from __future__ import annotations

from typing import Any

from jinja2 import ChoiceLoader, DictLoader, PackageLoader, PrefixLoader, pass_context
from markupsafe import Markup

NAV = "partials/nav.html"
PREFIX = "playbook-theme"  # the theme's own templates stay reachable under this prefix


def _folders_to(url: str) -> list[str]:
    """The folders on the way to url, the shallowest first (a, a/b, a/b/c for a/b/c/)."""
    parts = url.strip("/").split("/")
    return ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]


def nav_folders(items: Any) -> set[str]:
    """Every folder on the way to a page or link of the nav."""
    folders: set[str] = set()
    for item in items:
        url = getattr(item, "url", None)
        if isinstance(url, str) and "://" not in url:
            folders.update(_folders_to(url))
        folders |= nav_folders(getattr(item, "children", None) or [])
    return folders


def nav_place(url: str, folders: set[str]) -> tuple[int, str]:
    """What the nav's relative links depend on for the page at url: its depth and the
    deepest of the nav's folders it sits in."""
    deepest = next((f for f in reversed(_folders_to(url)) if f in folders), "")
    return url.count("/"), deepest


def replace_templates(env: Any, replaced: dict[str, str]) -> None:
    """Answer for the templates named in `replaced` before the theme does; the theme's own
    stay reachable as PREFIX/name."""
    original = env.loader
    env.loader = ChoiceLoader(
        [
            DictLoader(replaced),
            PrefixLoader({PREFIX: original}),
            original,
            PackageLoader("playbook", "templates"),  # ours, for the partials that include them
        ]
    )


def cached_nav(env: Any, outside: set[str], nav: Any) -> str:
    """Install the cached nav; returns the template that stands in for the theme's partial."""
    cache: dict[tuple[int, str], Markup] = {}
    folders = nav_folders(nav.items if nav is not None else [])

    @pass_context
    def playbook_nav(context: Any) -> Markup:
        page = context.get("page")
        template = env.get_template(f"{PREFIX}/{NAV}")
        if page is None or page.file.src_uri not in outside:
            return Markup(template.render(context.get_all()))
        place = nav_place(page.url, folders)
        if place not in cache:
            cache[place] = Markup(template.render(context.get_all()))
        return cache[place]

    env.globals["playbook_nav"] = playbook_nav
    return "{{ playbook_nav() }}"
