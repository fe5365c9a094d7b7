"""Synthetic libraries of any size, valid by construction, for tests and benchmarks."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = [
    "pathway",
    "coaching",
    "stretch",
    "feedback",
    "mentor",
    "project",
    "sprint",
    "circle",
    "review",
    "debrief",
    "pilot",
    "cohort",
    "portfolio",
    "launch",
    "merger",
    "turnaround",
    "growth",
    "region",
    "network",
    "clinic",
    "plant",
    "store",
    "platform",
    "service",
    "finance",
    "talent",
    "culture",
    "ethics",
    "strategy",
    "customer",
    "quality",
    "safety",
]
GROUPS = ("Leading the business", "Leading others", "Influence and relationships", "Leading self")
MODALITIES = [
    "stretch-assignment",
    "coaching",
    "formal-education",
    "peer-feedback",
    "micro-learning",
    "project-work",
    "mentoring",
    "peer-coaching",
]
LEVELS = ("emerging", "established", "senior", "executive")
MKDOCS_YML = """\
site_name: Synthetic playbook library
docs_dir: content
theme:
  name: material
  font: false  # system fonts, as in the bundled mkdocs.yml: no request to Google Fonts
plugins:
  - search
  - playbook:
      pdf: {pdf}
"""


def _q(text: str) -> str:
    return json.dumps(text)


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def taxonomy_yaml(competencies: int = 24) -> str:
    lines = ["competencies:"]
    for i in range(competencies):
        lines += [
            f"  - id: competency-{i:02d}",
            f"    name: Competency {i:02d}",
            f"    group: {GROUPS[i % len(GROUPS)]}",
            f"    description: What competency {i:02d} looks like in practice.",
        ]
    lines.append("modalities:")
    for m in MODALITIES:
        lines += [f"  - id: {m}", f"    name: {m.replace('-', ' ').capitalize()}"]
    lines.append("levels:")
    for level in LEVELS:
        lines += [f"  - id: {level}", f"    name: {level.capitalize()}"]
    return "\n".join(lines) + "\n"


def _competencies(rng: random.Random, total: int) -> str:
    # skewed: low-numbered competencies are common, high-numbered ones rare
    picked = sorted({min(int(rng.expovariate(0.15)), total - 1) for _ in range(rng.randint(1, 4))})
    return "[" + ", ".join(f"competency-{i:02d}" for i in picked) + "]"


def _common(rng: random.Random, kind: str, title: str, total: int) -> list[str]:
    return [
        "---",
        f"type: {kind}",
        f"title: {_q(title)}",
        f"summary: {_q(_words(rng, 14).capitalize() + '.')}",
        f"competencies: {_competencies(rng, total)}",
        f"levels: [{rng.choice(LEVELS)}]",
        f"updated: 20{rng.randint(22, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    ]


def _body(rng: random.Random) -> str:
    paragraphs = [_words(rng, 60).capitalize() + "." for _ in range(3)]
    return "\n## Context\n\n" + "\n\n".join(paragraphs) + "\n"


def generate(
    root: Path, items: int, seed: int = 1, competencies: int = 24, *, pdf: bool = False
) -> Path:
    """Write a project with `items` items (about 10% each of frameworks and templates,
    15% playbooks, the rest case studies) under root; return root. PDFs are off unless
    `pdf`: they have a benchmark of their own."""
    rng = random.Random(seed)
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "playbooks").mkdir(exist_ok=True)
    (root / "case_studies").mkdir(exist_ok=True)
    (root / "mkdocs.yml").write_text(MKDOCS_YML.format(pdf=str(pdf).lower()), encoding="utf-8")
    (root / "content" / "taxonomy.yml").write_text(taxonomy_yaml(competencies), encoding="utf-8")
    (root / "content" / "index.md").write_text("# Synthetic library\n", encoding="utf-8")
    n_frameworks = max(1, items // 10)
    n_templates = max(1, items // 10)
    n_playbooks = max(1, items * 15 // 100)
    n_cases = max(0, items - n_frameworks - n_templates - n_playbooks)
    frameworks = [f"framework-{i:05d}" for i in range(n_frameworks)]
    templates = [f"template-{i:05d}" for i in range(n_templates)]
    playbooks = [f"playbook-{i:05d}" for i in range(n_playbooks)]
    for ident in frameworks:
        lines = _common(rng, "milestone-framework", f"Framework {ident[-5:]}", competencies)
        lines.append("stages:")
        previous: list[str] = []
        for s in range(3):
            lines += [f"  - name: Stage {s + 1}", "    milestones:"]
            current = []
            for m in range(2):
                mid = f"m{s}-{m}"
                current.append(mid)
                lines += [
                    f"      - id: {mid}",
                    f"        title: {_q(_words(rng, 4).capitalize())}",
                    f"        competency: competency-{rng.randrange(competencies):02d}",
                    f"        evidence: {_q(_words(rng, 12).capitalize() + '.')}",
                    f"        weeks: {4 * s + m + 1}",
                    f"        requires: [{', '.join(previous)}]",
                ]
            previous = current
        _write(root / "playbooks" / f"{ident}.md", lines, rng)
    for ident in templates:
        lines = _common(rng, "feedback-template", f"Template {ident[-5:]}", competencies)
        lines += [
            f"purpose: {_q(_words(rng, 8).capitalize())}",
            "minutes: 20",
            "sections:",
            "  - {title: Observed, prompt: What did you see?, kind: text, lines: 4}",
            "  - title: Rating",
            "    prompt: How consistent was it?",
            "    kind: rating",
            "    scale: {min: 1, max: 5, low_label: Rarely, high_label: Always}",
            "  - {title: Next, prompt: Tick what applies, kind: checklist, items: [One, Two]}",
        ]
        _write(root / "playbooks" / f"{ident}.md", lines, rng)
    for ident in playbooks:
        lines = _common(rng, "playbook", f"Playbook {ident[-5:]}", competencies)
        uses = rng.sample(frameworks, 1) + rng.sample(templates, min(2, len(templates)))
        lines += [
            f"modalities: [{', '.join(rng.sample(MODALITIES, 3))}]",
            "phases:",
            "  - name: Launch",
            "    weeks: 4",
            f"    activities: [{_q(_words(rng, 5))}, {_q(_words(rng, 5))}]",
            f"    outputs: [{_q(_words(rng, 4))}]",
            "  - name: Practice",
            "    weeks: 8",
            f"    activities: [{_q(_words(rng, 5))}]",
            "measures:",
            f"  leading: [{_q(_words(rng, 5))}]",
            f"  lagging: [{_q(_words(rng, 5))}]",
            f"uses: [{', '.join(uses)}]",
        ]
        _write(root / "playbooks" / f"{ident}.md", lines, rng)
    for i in range(n_cases):
        lines = _common(rng, "case-study", f"Case {i:05d}: {_words(rng, 3)}", competencies)
        lines += [
            f"organization: {_q('A ' + _words(rng, 2) + ' organisation')}",
            f"industry: {rng.choice(['Retail', 'Healthcare', 'Energy', 'Software'])}",
            f"modalities: [{', '.join(rng.sample(MODALITIES, 2))}]",
            f"duration_months: {rng.randint(3, 24)}",
            "outcomes:",
            f"  - measure: {_q(_words(rng, 4))}",
            f'    before: "{rng.randint(30, 60)}%"',
            f'    after: "{rng.randint(61, 95)}%"',
            "    timeframe: 12 months",
            f"lessons: [{_q(_words(rng, 10))}]",
            f"playbooks: [{rng.choice(playbooks)}]",
        ]
        if i and rng.random() < 0.3:
            lines.append(f"related: [case-{rng.randrange(i):05d}]")
        _write(root / "case_studies" / f"case-{i:05d}.md", lines, rng)
    return root


def _write(path: Path, lines: list[str], rng: random.Random) -> None:
    path.write_text("\n".join([*lines, "---", _body(rng)]), encoding="utf-8")
