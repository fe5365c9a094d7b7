"""The MkDocs plugin: events of a few lines, each handing its work to the build or session.

No content rule lives here: the library is loaded and checked by the core at `on_config`,
before MkDocs empties site_dir, so a bad file stops the build with the same errors as
`playbook check`. Only MkDocs' and Material's public plugin API is used.
"""

from __future__ import annotations

from typing import Any

from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from .build import Session, SiteBuild
from .config import PlaybookConfig


class PlaybookPlugin(BasePlugin[PlaybookConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.session = Session()
        self.build: SiteBuild | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.session.start(command, dirty)

    def on_shutdown(self) -> None:
        self.session.close()

    def on_config(self, config: Any) -> Any:
        self.build = None
        self.build = SiteBuild(config, self.config, self.session)
        return config

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        assert self.build is not None
        settings = self.build.settings
        for folder in settings.sources:
            if (settings.root / folder).is_dir():
                server.watch(str(settings.root / folder))
        server.watch(str(settings.root / settings.taxonomy))
        self.session.live = True
        return server

    def on_build_error(self, *, error: Exception) -> None:
        if self.build is not None:
            self.build.fail()
        else:
            self.session.forget()

    def on_files(self, files: Files, *, config: Any) -> Files:
        assert self.build is not None
        return self.build.files(files, config)

    @event_priority(-100)  # last: the nav as every plugin left it
    def on_nav(self, nav: Any, *, config: Any, files: Files) -> Any:
        assert self.build is not None
        return self.build.navigation(nav, config)

    def on_page_read_source(self, *, page: Page, config: Any) -> str | None:
        assert self.build is not None
        return self.build.read_source(page)

    @event_priority(100)  # first: escape before other plugins add their (HTML) meta
    def on_page_markdown(self, markdown: str, *, page: Page, config: Any, files: Files) -> str:
        assert self.build is not None
        return self.build.markdown(page, markdown)

    def on_page_content(self, html: str, *, page: Page, config: Any, files: Files) -> str:
        assert self.build is not None
        return self.build.content(page, html, config)

    @event_priority(-100)  # last: every plugin's templates and filters are in place
    def on_env(self, env: Any, *, config: Any, files: Files) -> Any:
        assert self.build is not None
        return self.build.env(env, config)

    @event_priority(100)  # first: every other plugin gets the page whole
    def _whole_page(self, output: str, *, page: Page, config: Any) -> str:
        assert self.build is not None
        return self.build.post_page(page, output, config)

    def _indexed_page(self, output: str, *, page: Page, config: Any) -> str:
        assert self.build is not None
        return self.build.indexed_page(page, output)

    on_post_page = CombinedEvent(_whole_page, _indexed_page)

    def _finish(self, *, config: Any) -> None:
        assert self.build is not None
        self.build.finish(config)

    @event_priority(-100)  # last: Pagefind reads what every plugin wrote
    def _index(self, *, config: Any) -> None:
        assert self.build is not None
        self.build.index(config)

    on_post_build = CombinedEvent(_finish, _index)
