"""Proof in a browser: no payload of tests/payloads.py runs, on any page, after any click.

Chromium opens every page of the payload site (built with PDFs and their print bands on),
listens for dialogs (every payload calls alert), page errors and console errors, then follows
every distinct link that remains on the site, clicking it as a reader would.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from browser import chromium, serve
from payloads import write_payload_library
from test_site import html_pages

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("builder", ["mkdocs", "zensical"])
def test_no_payload_runs_on_any_page_or_link(tmp_path, builder):
    from conftest import Project, build_site
    from test_zensical import zensical_site

    project = Project(tmp_path / "lib")
    write_payload_library(project, pdf=True)
    if builder == "mkdocs":
        out = build_site(project.root, strict=False)  # the broken <img src="x"> is warned about
    else:
        out = zensical_site(project.root)
    pages = sorted(html_pages(out))
    assert len(pages) >= 15
    executed: list[str] = []
    errors: list[str] = []
    with serve(out) as base, chromium() as browser:
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        tab = context.new_page()
        tab.on("dialog", lambda d: (executed.append(f"{tab.url}: {d.message}"), d.dismiss()))
        tab.on("pageerror", lambda e: errors.append(f"{tab.url}: {e}"))
        tab.on(
            "console",
            lambda m: (
                m.type == "error"
                and not m.text.startswith("Failed to load resource")  # reported below, with its URL
                and errors.append(f"{tab.url}: console: {m.text}")
            ),
        )
        # The payloads' <img src="x"> is broken on purpose; any other failed load is an error.
        expected = lambda url: url.endswith("/x")  # noqa: E731
        tab.on(
            "response",
            lambda r: (
                r.status >= 400
                and not expected(r.url)
                and errors.append(f"{tab.url}: {r.status} {r.url}")
            ),
        )
        tab.on(
            "requestfailed",
            lambda r: (
                not expected(r.url)
                and r.failure != "net::ERR_ABORTED"  # cut short by the next navigation
                and errors.append(f"{tab.url}: {r.failure} {r.url}")
            ),
        )
        links: dict[str, str] = {}  # each distinct link -> a page that carries it
        hovered = 0
        for url in pages:
            tab.goto(base + url, wait_until="load")
            tab.mouse.move(640, 450)  # hover, in case a handler waits for the pointer
            tab.keyboard.press("Tab")  # and focus, for autofocus/onfocus payloads
            # hover and focus every visible element with a title: Material's tooltips
            # (content.tooltips) show a title as HTML
            titled = tab.locator("[title]")
            for n in range(titled.count()):
                element = titled.nth(n)
                if element.is_visible():  # as a pointer would (another may lie on top)
                    element.dispatch_event("mouseenter")
                    element.dispatch_event("mouseover")
                    element.focus()
                    hovered += 1
            hrefs = tab.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            for href in hrefs:
                links.setdefault(href, url)
        assert not [h for h in links if h.lower().startswith(("javascript:", "data:"))]
        followed = 0
        for href, url in sorted(links.items()):
            target = urlsplit(href)
            if target.netloc != urlsplit(base).netloc:
                continue  # other origins are unreachable here (no network): the href was checked
            tab.goto(base + url, wait_until="load")
            # the same click a reader makes, on the first element carrying this very link
            click = (
                "href => [...document.querySelectorAll('a[href]')].find(a => a.href === href)"
                ".click()"
            )
            here = urlsplit(tab.url)
            if target.fragment and (target.path, target.query) == (here.path, here.query):
                tab.evaluate(click, href)  # a jump within the page (no fragment: a reload)
            elif target.path.endswith(".pdf"):
                with tab.expect_download():
                    tab.evaluate(click, href)
            else:
                with tab.expect_navigation(wait_until="load"):
                    tab.evaluate(click, href)
            followed += 1
        context.close()
    assert not executed, f"payloads ran: {executed}"
    assert not errors, f"errors in the browser: {errors}"
    assert followed >= 30, f"only {followed} links followed"
    assert hovered >= 20, f"only {hovered} elements with a title hovered"
    print(
        f"\npayload site ({builder}): {len(pages)} pages opened, {followed} links followed, "
        f"{hovered} titles hovered, 0 ran"
    )


def test_payloads_in_urls_do_not_run(tmp_path):
    """A reader following a crafted link (payload in the query or fragment) to browse or the
    pack page, whose scripts read the URL, sees no script run."""
    from conftest import Project, build_site

    project = Project(tmp_path / "lib")
    write_payload_library(project)
    out = build_site(project.root, strict=False)  # the bodies' payloads are warned about
    payload = "%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"
    urls = [
        f"browse/?q={payload}&type={payload}&competency={payload}",
        f"print/?pick={payload}",
        f"browse/#{payload}",
        f"?q={payload}#{payload}",
    ]
    executed: list[str] = []
    errors: list[str] = []
    with serve(out) as base, chromium() as browser:
        tab = browser.new_page()
        tab.on("dialog", lambda d: (executed.append(d.message), d.dismiss()))
        tab.on("pageerror", lambda e: errors.append(str(e)))
        for url in urls:
            tab.goto(urljoin(base, url), wait_until="load")
            tab.wait_for_timeout(200)
    assert not executed
    assert not errors
