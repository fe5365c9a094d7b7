"""The `playbook` command: a thin face over the core for contributors and CI."""

from __future__ import annotations

import functools
import logging
import subprocess
import sys
from logging.handlers import BufferingHandler
from pathlib import Path

import click

from .builders import (
    BUILDERS,
    DEFAULT,
    BuildError,
    ZensicalBuild,
    describe,
    found,
    serve_zensical,
)
from .builders import Project as BuildProject
from .builders import command as builder_command
from .core import issueform
from .core import problems as report
from .core.frontmatter import read_file
from .core.library import load_taxonomy
from .core.problems import ContentError
from .core.scaffold import ScaffoldError, scaffold
from .core.schema import write_schemas
from .core.settings import Settings, find_root
from .core.types import ITEM_TYPES, TYPES
from .outputs.publish import PublishError, publish, rollback
from .site import scan


def _project(function):  # noqa: ANN001, ANN201
    """--root and --config-file, turned into the project's Settings (as `settings`), read
    from mkdocs.yml by MkDocs' own config loader: the build's configuration, exactly."""

    @click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The project folder (holding mkdocs.yml). Default: the nearest one above here.",
    )
    @click.option(
        "-f",
        "--config-file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="The MkDocs configuration file. Default: ROOT/mkdocs.yml.",
    )
    @functools.wraps(function)
    def wrapper(root: Path | None, config_file: Path | None, **kwargs):  # noqa: ANN202
        return function(settings=_settings(root, config_file), **kwargs)

    return wrapper


def _config_file(root: Path | None, config_file: Path | None) -> Path:
    if config_file is not None:
        return config_file.resolve()
    return (root if root is not None else find_root(Path.cwd())).resolve() / "mkdocs.yml"


def _settings(root: Path | None, config_file: Path | None) -> Settings:
    from mkdocs.exceptions import Abort, ConfigurationError

    from .mkdocs.config import read_settings

    path = _config_file(root, config_file)
    if not path.is_file():
        raise click.ClickException(
            f"no MkDocs configuration at {path}: run this in the project (the folder of "
            "mkdocs.yml, or below it), or give --root or --config-file"
        )
    said = BufferingHandler(capacity=10_000)  # what MkDocs logs about the configuration
    said.setLevel(logging.ERROR)
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(said)
    try:
        return read_settings(path)
    except (ConfigurationError, Abort) as error:  # what MkDocs logged says what is wrong
        why = "; ".join(record.getMessage() for record in said.buffer) or str(error)
        raise click.ClickException(f"{path.name}: {why}") from None
    finally:
        mkdocs_log.removeHandler(said)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="playbook-library")
def cli() -> None:
    """Check, scaffold and describe a leadership playbook library."""


BUILDER = click.option(
    "--builder",
    type=click.Choice(list(BUILDERS)),
    default=DEFAULT,
    show_default=True,
    help="mkdocs and properdocs run the playbook plugin; zensical is handed the library's "
    "pages (it ignores plugins: a bare `zensical build` drops the library).",
)


@cli.command()
@_project
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "json"]),
    default="text",
    show_default=True,
    help="text for people, github for Actions annotations, json for tools.",
)
@BUILDER
def check(settings: Settings, fmt: str, builder: str) -> None:
    """Check every item and the taxonomy; exit 1 when there are errors. Says which builders
    are installed and which one `playbook build --builder BUILDER` will use."""
    library, problems, count = scan(settings)
    form = settings.root / issueform.FORM_PATH
    stale = (  # the issue form's choices follow the library
        library is not None
        and form.is_file()
        and form.read_text(encoding="utf-8") != issueform.form_text(library)
    )
    if stale:
        problems.append(
            report.Problem(
                issueform.FORM_PATH,
                1,
                1,
                "the issue form for new case studies is out of date with the library (its "
                "choices are the taxonomy's competencies, levels and modalities, and the "
                "library's playbooks)",
                "run `playbook issue-form` and commit the file it writes",
            )
        )
    if fmt == "json":
        click.echo(report.as_json(problems))
    elif fmt == "github":
        for problem in problems:
            click.echo(report.github_annotation(problem))
        click.echo(report.summary(problems, count))
    else:  # the builders first, the verdict last
        click.echo(describe(builder))
        if builder not in found():
            click.echo(f"{builder} is not installed here: `playbook build` would stop")
        for problem in problems:
            click.echo(str(problem))
        click.echo(report.summary(problems, count))
    sys.exit(1 if any(p.severity == "error" for p in problems) else 0)


@cli.command()
@_project
@click.argument("kind", metavar="TYPE", type=click.Choice(TYPES))
@click.argument("title")
def new(settings: Settings, kind: str, title: str) -> None:
    """Write a new TYPE item titled TITLE, every key commented, as a draft."""
    taxonomy, _problems = load_taxonomy(settings)
    try:
        made = scaffold(settings, kind, title, taxonomy)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    shown = made.path.relative_to(settings.root).as_posix()
    made.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with made.path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(made.text)
    except FileExistsError:
        raise click.ClickException(
            f"{shown} already exists; it was left as it is. Choose another title, or edit it."
        ) from None
    click.echo(f"wrote {shown}: fill it in, then run `playbook check`")


@cli.command()
@_project
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder for the JSON Schemas (relative to the project).",
)
def schema(settings: Settings, out: Path) -> None:
    """Write a JSON Schema per item type and one for the taxonomy."""
    folder = out if out.is_absolute() else settings.root / out
    for path in write_schemas(folder):
        click.echo(f"wrote {path}")


SITE_DIR = click.option(
    "--site-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="The published site (a link to the current build). Default: site_dir of mkdocs.yml.",
)


def _site(settings: Settings, site_dir: Path | None) -> Path:
    return settings.root / (site_dir if site_dir is not None else settings.site_dir)


def _builder_found(builder: str) -> None:
    """Say which builders are here and which is used; stop if that one is not installed."""
    click.echo(describe(builder), err=True)
    if builder not in found():
        raise click.ClickException(
            f"{builder} is not installed here: install the project with its locked "
            "dependencies (see README.md), or choose another --builder"
        )


@cli.command()
@_project
@SITE_DIR
@BUILDER
@click.option("--strict", is_flag=True, help="Fail on warnings too, as `mkdocs build --strict`.")
def build(settings: Settings, site_dir: Path | None, builder: str, strict: bool) -> None:
    """Build the site into a fresh folder and publish it only if the build succeeded.

    The site folder becomes a link to the new build, switched in one rename; the build
    before it is kept for `playbook rollback`. A failed or killed build publishes nothing.
    """
    site = _site(settings, site_dir)
    _builder_found(builder)
    config_file = settings.root / settings.config_file

    def write(folder: Path, lock_fd: int) -> bool:
        if builder == "zensical":
            return _zensical_build(config_file, folder, strict)
        # the builder's own command, with a failure to write said in one line (a full disk)
        command = builder_command(builder, "build", config_file) + ["--clean"]
        command += ["--site-dir", str(folder)] + (["--strict"] if strict else [])
        return subprocess.run(command, cwd=settings.root, pass_fds=(lock_fd,)).returncode == 0

    try:
        published = publish(site, write, waiting=lambda message: click.echo(message, err=True))
    except PublishError as exc:
        raise click.ClickException(str(exc)) from None
    if published is None:
        click.echo(f"the build failed: nothing was published, {site.name} is as it was", err=True)
        sys.exit(1)
    kept = f"; {published.previous.name} kept for `playbook rollback`" if published.previous else ""
    click.echo(f"published {site.name} -> {published.build.name}{kept}")


def _zensical_build(config_file: Path, folder: Path, strict: bool) -> bool:
    def say(line: str) -> None:
        click.echo(line, err=True)

    try:
        ZensicalBuild(BuildProject.load(config_file), say).build(folder, strict=strict)
    except ContentError as error:
        for problem in error.problems:
            say(str(problem))
        say(f"the playbook library has {len(error.problems)} error(s), above")
        return False
    except BuildError as error:
        say(f"error: {error}")
        return False
    return True


@cli.command(name="rollback")
@_project
@SITE_DIR
def rollback_command(settings: Settings, site_dir: Path | None) -> None:
    """Switch the published site back to the build before the current one."""
    site = _site(settings, site_dir)
    try:
        done = rollback(site)
    except PublishError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"rolled back {site.name} -> {done.build.name} (from {done.previous.name})")


@cli.command(name="issue-form")
@_project
def issue_form_command(settings: Settings) -> None:
    """Write the GitHub issue form for a new case study (.github/ISSUE_TEMPLATE/), its
    choices taken from the taxonomy and the library."""
    library, problems, _count = scan(settings)
    if library is None:
        raise click.ClickException("the library has errors; run `playbook check` first")
    path = settings.root / issueform.FORM_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(issueform.form_text(library), encoding="utf-8")
    click.echo(f"wrote {issueform.FORM_PATH}")


@cli.command(name="from-issue")
@_project
@click.argument("body_file", type=click.File("r", encoding="utf-8"))
def from_issue(settings: Settings, body_file) -> None:  # noqa: ANN001
    """Turn a submitted case-study issue form (BODY_FILE: the issue's Markdown body, `-` for
    standard input) into case_studies/<slug>.md, checked; problems are named by the form's
    fields, and nothing is left behind when there are any (exit 1)."""
    library, _problems, _count = scan(settings)
    if library is None:
        raise click.ClickException("the library has errors; run `playbook check` first")
    submission = issueform.case_from_issue(body_file.read(), library)
    if not submission.problems:
        relative = f"{ITEM_TYPES['case-study'].folder}/{submission.slug}.md"
        path = settings.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(submission.text)
        except FileExistsError:
            raise click.ClickException(
                f"{relative} already exists: give the case another title"
            ) from None
        _library, problems, _count = scan(settings)
        errors = [p for p in problems if p.path == relative and p.severity == "error"]
        if not errors:
            click.echo(f"wrote {relative}")
            return
        document = read_file(path, settings.root)
        keys = {line: key[0] for key, (line, _col) in document.positions.keys.items()}
        keys.update((document.body_line + n, "body") for n in range(document.body.count("\n") + 1))
        path.unlink()
        submission.problems = [issueform.in_form_words(p, keys) for p in errors]
    for problem in submission.problems:
        click.echo(f"- {problem}")
    click.echo(f"{len(submission.problems)} problem(s): nothing was written", err=True)
    sys.exit(1)


@cli.command(context_settings={"ignore_unknown_options": True})
@_project
@BUILDER
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def serve(settings: Settings, builder: str, args: tuple[str, ...]) -> None:
    """Preview the site with live reload. With MkDocs (and ProperDocs), only the pages an edit
    changes are rendered again (`serve --dirty`); with Zensical, the library's pages are
    handed to `zensical serve` again after each save. Other arguments go to the builder's
    `serve` (e.g. --dev-addr 127.0.0.1:8001)."""
    _builder_found(builder)
    config_file = settings.root / settings.config_file
    if builder == "zensical":
        try:
            code = serve_zensical(
                BuildProject.load(config_file), lambda line: click.echo(line, err=True), list(args)
            )
        except ContentError as error:
            for problem in error.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(
                f"the playbook library has {len(error.problems)} error(s), above"
            ) from None
        except BuildError as error:
            raise click.ClickException(str(error)) from None
        sys.exit(code)
    command = builder_command(builder, "serve", config_file) + ["--dirty", *args]
    try:
        sys.exit(subprocess.run(command, cwd=settings.root).returncode)
    except KeyboardInterrupt:
        sys.exit(0)


def main() -> None:
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
