"""The `playbook` command: a thin face over the core for contributors and CI."""

from __future__ import annotations

import functools
import logging
import subprocess
import sys
from pathlib import Path

import click

from .core import problems as report
from .core.library import load_taxonomy
from .core.scaffold import ScaffoldError, scaffold
from .core.schema import write_schemas
from .core.settings import Settings, find_root
from .core.types import TYPES
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

    from .mkdocs.config import load_project, settings_of

    path = _config_file(root, config_file)
    if not path.is_file():
        raise click.ClickException(
            f"no MkDocs configuration at {path}: run this in the project (the folder of "
            "mkdocs.yml, or below it), or give --root or --config-file"
        )
    said: list[str] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(handler)
    try:
        return settings_of(*load_project(path))
    except (ConfigurationError, Abort) as error:  # what MkDocs logged says what is wrong
        raise click.ClickException(f"{path.name}: " + ("; ".join(said) or str(error))) from None
    finally:
        mkdocs_log.removeHandler(handler)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="playbook-library")
def cli() -> None:
    """Check, scaffold and describe a leadership playbook library."""


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
def check(settings: Settings, fmt: str) -> None:
    """Check every item and the taxonomy; exit 1 when there are errors."""
    _library, problems, count = scan(settings)
    if fmt == "json":
        click.echo(report.as_json(problems))
    elif fmt == "github":
        for problem in problems:
            click.echo(report.github_annotation(problem))
        click.echo(report.summary(problems, count))
    else:
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


@cli.command()
@_project
@SITE_DIR
@click.option("--strict", is_flag=True, help="Fail on warnings too, as `mkdocs build --strict`.")
def build(settings: Settings, site_dir: Path | None, strict: bool) -> None:
    """Build the site into a fresh folder and publish it only if the build succeeded.

    The site folder becomes a link to the new build, switched in one rename; the build
    before it is kept for `playbook rollback`. A failed or killed build publishes nothing.
    """
    site = _site(settings, site_dir)

    def write(folder: Path, lock_fd: int) -> bool:
        # MkDocs' own command, with a failure to write said in one line (a full disk)
        command = [sys.executable, "-m", "playbook.mkdocs", "build", "--clean"]
        command += ["--site-dir", str(folder)]
        command += ["--config-file", str(settings.root / settings.config_file)]
        command += ["--strict"] if strict else []
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


@cli.command(context_settings={"ignore_unknown_options": True})
@_project
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def serve(settings: Settings, args: tuple[str, ...]) -> None:
    """Preview the site with live reload, rendering after each save only the pages the edit
    changes (`mkdocs serve --dirty`). Other arguments go to `mkdocs serve`."""
    command = [sys.executable, "-m", "mkdocs", "serve", "--dirty"]
    command += ["--config-file", str(settings.root / settings.config_file), *args]
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
