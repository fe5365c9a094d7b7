#!/usr/bin/env bash
# Run the whole test suite: installs what it needs (Python packages in .venv, and Debian's
# Chromium and Poppler's PDF tools for the browser and print tests), then lint, the library check,
# the strict build and pytest. Extra arguments go to pytest.
source "$(dirname "$0")/bootstrap.sh"
apt_ensure chromium poppler-utils
.venv/bin/ruff check plugins tests benchmarks
.venv/bin/playbook check
.venv/bin/mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
exec .venv/bin/pytest "$@"
