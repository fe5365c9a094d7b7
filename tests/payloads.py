"""A library whose every contributor-written value is a script payload.

Each payload, if it ever ran, would open a dialog (`alert`) naming where it came from, so a
browser test can tell which one got through. Text payloads go into every text field of every
item type and of the taxonomy; the Markdown payloads go into every body.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import yaml
from conftest import MKDOCS_YML, Project

TEXT_PAYLOADS = (
    '<script>alert("text-script")</script>',
    '"><img src=x onerror=alert("text-img")>',
    "'><svg onload=alert('text-svg')>",
    '</title><script>alert("text-title")</script>',
    '</style><script>alert("text-style")</script>',
    "<a href=\"javascript:alert('text-link')\">link</a>",
    "javascript:alert('text-url')",
    "{{ 7*7 }} {% if true %}jinja{% endif %} ${7*7}",
    "</textarea><iframe srcdoc=\"<script>alert('text-iframe')</script>\"></iframe>",
    '\\"-alert("text-json")-\\"</script><script>alert("text-json2")</script>',
)

BODY_PAYLOADS = """\
## Kept: a heading

| Measure | Value |
|:--------|------:|
| kept    | 1     |

!!! note "Kept admonition"
    The admonition stays.

??? info "Kept details"
    Details stay.

```python
print("<script>alert('code')</script>")  # shown as code, never run
```

<script>alert("body-script")</script>
<iframe src="javascript:alert('body-iframe')"></iframe>
<iframe srcdoc="<script>alert('body-srcdoc')</script>"></iframe>
<img src="x" onerror="alert('body-onerror')">
<p onmouseover="alert('body-hover')" style="position:fixed;inset:0">hover me</p>
<svg onload="alert('body-svg')"><circle r="5"/></svg>
<details open ontoggle="alert('body-toggle')"><summary>toggle</summary>x</details>
<input autofocus onfocus="alert('body-focus')">
<form action="javascript:alert('body-form')"><button>go</button></form>
<object data="javascript:alert('body-object')"></object>
<embed src="javascript:alert('body-embed')">
<meta http-equiv="refresh" content="0;url=javascript:alert('body-meta')">
<base href="javascript:alert('body-base')//">
<style>body { background: url("javascript:alert('body-style')") }</style>
<math><mtext><a xlink:href="javascript:alert('body-math')">math</a></mtext></math>
<a href="JaVaScRiPt:alert('body-case')">mixed case</a>
<a href=" &#x6A;avascript:alert('body-entity')">entity encoded</a>
<a href="java&#x09;script:alert('body-tab')">tab inside</a>
<div markdown="1" onclick="alert('body-md-in-html')">markdown in html</div>
<span title="&lt;img src=x &#111;nerror=alert('body-tooltip')&gt;">tooltip, entity written</span>
<abbr title="<img src=x onerror=alert('body-abbr-tooltip')>">abbr</abbr>
<div class="md-dialog md-dialog--active">a fake dialog, <a href="https://example.org/">sign in again</a></div>

A paragraph with an attribute list.
{: onclick="alert('body-attr-list')" id="__search" }

## A heading with attributes { onmouseover="alert('body-heading-attr')" }

[plain javascript](javascript:alert('body-link'))
[entity javascript](&#106;avascript:alert('body-link-entity'))
[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgnZGF0YScpPC9zY3JpcHQ+)
[attribute list link](https://example.org/){: onclick="alert('body-link-attr')" }
[tooltip link](https://example.org/ "<img src=x onerror=alert('body-link-tooltip')>")
[reference javascript][evil]
[reference data][evil-data]
![image javascript](javascript:alert('body-img'))

[evil]: javascript:alert('body-reference')
[evil-data]: data:text/html,<script>alert('body-reference-data')</script>
"""


def _texts() -> Iterator[str]:
    return itertools.cycle(TEXT_PAYLOADS)


def _front_matter(data: dict[str, Any], body: str) -> str:
    dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{dumped}---\n\n{body}"


def write_payload_library(project: Project, *, pdf: bool = False, clean_pages: bool = True) -> None:
    """Replace the fixture library with one where every written value is a payload. Its
    hand-written pages come by pull request too: `clean_pages` filters them as items are."""
    text = _texts()
    t = lambda: next(text)  # noqa: E731 - each call takes the next payload
    project.write(
        "mkdocs.yml",
        MKDOCS_YML.replace(
            "  - playbook\n",
            f"  - playbook:\n      pdf: {str(pdf).lower()}\n"
            f"      clean_pages: {str(clean_pages).lower()}\n",
        ).replace(
            "  name: material\n",
            "  name: material\n  font: false\n  features:\n    - content.tooltips\n",
        )
        + "site_url: https://playbooks.example.org/\n"
        + "markdown_extensions:\n  - admonition\n  - attr_list\n  - md_in_html\n"
        + "  - tables\n  - toc:\n      permalink: true\n  - pymdownx.details\n"
        + "  - pymdownx.superfences\n",
    )
    taxonomy = {
        "competencies": [
            {"id": cid, "name": t(), "group": t(), "description": t()}
            for cid in ("strategic-thinking", "delegation", "feedback-practice")
        ],
        "modalities": [{"id": "coaching", "name": t(), "description": t()}],
        "levels": [{"id": "emerging", "name": t()}],
    }
    project.write("content/taxonomy.yml", yaml.safe_dump(taxonomy, allow_unicode=True))
    project.write("content/index.md", f"# Home\n\n{BODY_PAYLOADS}")
    project.write("content/about.md", f"# About\n\n{BODY_PAYLOADS}")
    common = {"competencies": ["strategic-thinking", "delegation", "feedback-practice"]}
    items = {
        "playbooks/peer-circles.md": {
            "type": "playbook",
            "title": t(),
            "summary": t(),
            **common,
            "levels": ["emerging"],
            "modalities": ["coaching"],
            "authors": [t()],
            "phases": [{"name": t(), "weeks": 2, "activities": [t()], "outputs": [t()]}],
            "measures": {"leading": [t()], "lagging": [t()]},
            "uses": ["review-form", "circle-milestones"],
            "updated": "2026-01-05",
        },
        "playbooks/review-form.md": {
            "type": "feedback-template",
            "title": t(),
            "summary": t(),
            **common,
            "purpose": t(),
            "audience": t(),
            "minutes": 20,
            "names": [t()],
            "signatures": [t()],
            "sections": [
                {"title": t(), "prompt": t(), "kind": "text", "lines": 3},
                {
                    "title": t(),
                    "prompt": t(),
                    "kind": "rating",
                    "scale": {"min": 1, "max": 5, "low_label": t(), "high_label": t()},
                },
                {"title": t(), "prompt": t(), "kind": "checklist", "items": [t(), t()]},
            ],
        },
        "playbooks/circle-milestones.md": {
            "type": "milestone-framework",
            "title": t(),
            "summary": t(),
            **common,
            "stages": [
                {
                    "name": t(),
                    "milestones": [
                        {
                            "id": "norms",
                            "title": t(),
                            "competency": "delegation",
                            "evidence": t(),
                        },
                        {
                            "id": "first-feedback",
                            "title": t(),
                            "competency": "feedback-practice",
                            "evidence": t(),
                            "requires": ["norms"],
                        },
                    ],
                }
            ],
        },
        "case_studies/hospital-circles.md": {
            "type": "case-study",
            "title": t(),
            "summary": t(),
            **common,
            "organization": t(),
            "industry": t(),
            "function": t(),
            "modalities": ["coaching"],
            "outcomes": [{"measure": t(), "before": t(), "after": t(), "timeframe": t()}],
            "lessons": [t(), t()],
            "playbooks": ["peer-circles"],
            "related": ["review-form"],
        },
    }
    for path, data in items.items():
        project.write(path, _front_matter(data, BODY_PAYLOADS))
