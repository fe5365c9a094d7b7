#!/usr/bin/env bash
# Refresh constraints.txt: install the project's dependencies afresh (the newest versions that
# pyproject.toml allows) in a throwaway environment, and write down every version installed.
# Run the test suite after it (bash scripts/test.sh) before committing the new file.
set -euo pipefail
cd "$(dirname "$0")/.."
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
python3 -m venv "$fresh"
"$fresh/bin/python" -m pip install -q --upgrade pip
"$fresh/bin/python" -m pip install -q -e ".[test]"
{
  echo "# Every package the test suite runs with, pinned. Made by scripts/lock.sh; installed by"
  echo "# scripts/bootstrap.sh (pip install -c constraints.txt). Do not edit by hand."
  "$fresh/bin/python" -m pip freeze --exclude-editable | grep -v '^-e ' | sort -f
} > constraints.txt
echo "wrote constraints.txt ($(grep -vc '^#' constraints.txt) packages)"
