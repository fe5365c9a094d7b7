#!/usr/bin/env bash
# Build and serve the site with the bundled library at http://127.0.0.1:8000 (live reload).
# Extra arguments go to `mkdocs serve`, e.g. bash scripts/serve.sh --dev-addr 0.0.0.0:8000
source "$(dirname "$0")/bootstrap.sh"
.venv/bin/playbook check
exec .venv/bin/mkdocs serve "$@"
