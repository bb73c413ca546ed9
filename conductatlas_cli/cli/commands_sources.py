"""`atlas add` and `atlas rm`: manage sources.yaml without losing its comments."""

from __future__ import annotations

from pathlib import Path

import typer

from conductatlas_cli.cli.console import ConfigOption, sources_path


def add(
    key: str = typer.Argument(..., metavar="PLATFORM/DOCUMENT", help="The new document's key."),
    url: str = typer.Argument(..., metavar="URL", help="Where the document is published."),
    type: str | None = typer.Option(
        None, "--type", metavar="TYPE", help="What it is, e.g. 'Privacy Policy'."
    ),
    name: str | None = typer.Option(
        None, "--name", metavar="NAME", help="The platform's name, for a new platform."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Add a document to sources.yaml (validated; comments and order kept).

    Example: atlas add acme/privacy https://acme.example/privacy --type "Privacy Policy"
    """
    from conductatlas_cli.config.edit import add_document

    path = sources_path(config)
    sources = add_document(path, key, url, type=type, name=name)
    typer.echo(f"added {key} to {path.name} ({len(sources.sources)} documents)")


def rm(
    key: str = typer.Argument(
        ..., metavar="PLATFORM/DOCUMENT", help="The document to stop tracking."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Stop tracking a document: remove it from sources.yaml; its history stays in git.

    Example: atlas rm acme/privacy
    """
    from conductatlas_cli.archive.pending import clear_pending
    from conductatlas_cli.config.edit import remove_document

    path = sources_path(config)
    sources = remove_document(path, key)
    clear_pending(sources.state_dir, key)  # a later `atlas add` of KEY starts with nothing held
    typer.echo(f"removed {key} from {path.name} ({len(sources.sources)} documents)")


def mv(
    old: str = typer.Argument(..., metavar="OLD", help="The document's key now (PLATFORM/DOC)."),
    new: str = typer.Argument(..., metavar="NEW", help="Its new key (PLATFORM/DOC)."),
    config: Path | None = ConfigOption,
) -> None:
    """Rename a document's key: sources.yaml, snapshot, capture and state; history follows.

    The snapshot and capture move in one commit (as 'git mv' would, with an
    Atlas-Renamed-From trailer), so 'atlas log NEW' and 'atlas diff NEW' show the
    versions recorded under OLD too. sources.yaml keeps its comments and order.

    Examples:

    \b
      atlas mv acme/privacy acme/privacy-policy
      atlas mv open-ai/terms openai/terms     (to another platform)

    Exit codes: 0 moved; 2 OLD not tracked, NEW tracked already, a bad key, or a
    repository that cannot take a commit now (nothing is changed); 75 a fetch is running.
    """
    from conductatlas_cli.run.move import move_tracked

    path = sources_path(config)
    moved = move_tracked(path, old, new)
    where = f" in {moved.commit[:10]}" if moved.commit else " (nothing recorded yet)"
    typer.echo(f"moved {old} to {new}{where}; {path.name} updated")
