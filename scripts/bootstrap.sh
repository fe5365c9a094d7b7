# Sourced by serve.sh and test.sh: a virtual environment in .venv with the project installed.
# Safe to run again: it only installs what is missing or changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NO_MKDOCS_2_WARNING=1 PIP_DISABLE_PIP_VERSION_CHECK=1

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

# Debian packages: names given as arguments, installed only when missing.
apt_ensure() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Chromium lays the PDFs out (pdf_engine: auto), its headless shell where there is one (it
# starts faster); the whole browser runs the end-to-end tests. DejaVu is the printed pages'
# font. WeasyPrint, the engine where there is no Chromium, draws text with Pango; HarfBuzz's
# subsetter cuts the fonts it embeds three times as fast as fontTools, its fallback
apt_ensure chromium
apt_ensure chromium-headless-shell || echo "no chromium-headless-shell here: the PDFs use chromium"
apt_ensure libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core libharfbuzz-subset0

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv 2>/dev/null || { apt_ensure python3-venv && rm -rf .venv && python3 -m venv .venv; }
fi
# exactly the versions the suite passed with: constraints.txt (scripts/lock.sh refreshes it)
stamp=.venv/.installed-$(cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[test]"
  rm -f .venv/.installed-* && touch "$stamp"
fi
# the package's bytecode, as pip writes it for an installed (not editable) package: a machine
# with PYTHONDONTWRITEBYTECODE set (CI images often have it) would otherwise compile the
# plugin's modules again in every build, 0.2 s of each (only changed files are compiled)
.venv/bin/python -m compileall -q plugins
