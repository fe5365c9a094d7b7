#!/usr/bin/env bash
# Run the whole test suite: installs what it needs (Python packages in .venv, and Debian's
# Chromium and Poppler's PDF tools for the browser and print tests, Java for the HTML checker), then lint, the library check,
# the strict build and pytest. Extra arguments go to pytest.
source "$(dirname "$0")/bootstrap.sh"
apt_ensure poppler-utils
# Java, for the Nu HTML checker (tests/test_html_valid.py)
command -v java >/dev/null || apt_ensure default-jre-headless
# axe-core, pinned in tests/a11y, for the accessibility tests (npm may come with a non-Debian node)
command -v npm >/dev/null || apt_ensure nodejs npm
a11y=tests/a11y/node_modules/.installed-$(sha1sum <tests/a11y/package-lock.json | cut -c1-12)
[ -f "$a11y" ] || { npm ci --prefix tests/a11y --no-audit --no-fund --silent && touch "$a11y"; }
.venv/bin/ruff check plugins tests benchmarks
.venv/bin/playbook check
# never --quiet with --strict: --quiet hides the warnings --strict counts
.venv/bin/mkdocs build --strict --site-dir "$(mktemp -d)" 2>&1 | tail -n 3
test "${PIPESTATUS[0]}" = 0
exec .venv/bin/pytest "$@"
