"""`python -m playbook.mkdocs ARGS`: MkDocs' own command line (what `playbook build` runs),
with an error writing the site (a full disk, a read-only folder) said in one line instead of
a traceback. The site before it is untouched: `playbook build` publishes a build only when
this exits 0."""

from __future__ import annotations

import sys

from mkdocs.__main__ import cli


def main() -> None:
    try:
        cli.main(prog_name="mkdocs", standalone_mode=True)
    except OSError as error:
        where = f" at {error.filename}" if error.filename else ""
        print(f"error: the site could not be written{where}: {error.strerror}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
