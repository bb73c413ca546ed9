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
    from conductatlas_cli.config.edit import remove_document

    path = sources_path(config)
    sources = remove_document(path, key)
    typer.echo(f"removed {key} from {path.name} ({len(sources.sources)} documents)")
