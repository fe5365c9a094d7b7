#!/usr/bin/env bash
# Build and serve the site with the bundled library at http://127.0.0.1:8000 (live reload).
# After each save only the pages the edit changes are rendered again (`playbook serve`, which is
# `mkdocs serve --dirty`). Extra arguments go to `mkdocs serve`, e.g. --dev-addr 0.0.0.0:8000
source "$(dirname "$0")/bootstrap.sh"
.venv/bin/playbook check
exec .venv/bin/playbook serve "$@"
