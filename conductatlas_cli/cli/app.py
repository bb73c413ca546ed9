"""The `atlas` command: arguments, options, exit codes. No business logic here.

Heavy modules (requests, trafilatura, rich tables) are imported inside the
commands that need them, so `atlas --help`, `log` and `diff` start fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from typer.core import TyperGroup

from conductatlas_cli import __version__
from conductatlas_cli.errors import AtlasError, ConfigError, ExitCode, UsageError


class _AtlasGroup(TyperGroup):
    """Turns expected failures into one line on stderr and the documented exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AtlasError as exc:
            problems = exc.problems if isinstance(exc, ConfigError) else [str(exc)]
            for problem in problems:
                _err(problem)
            ctx.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            _err("interrupted")
            ctx.exit(int(ExitCode.INTERRUPTED))


app = typer.Typer(
    cls=_AtlasGroup,
    name="atlas",
    help="A git-backed archive of AI platforms' policy documents: fetch, record, diff.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _err(message: str) -> None:
    """One line on stderr, never interpreted as markup."""
    from conductatlas_cli.textsafe import plain

    sys.stderr.write(f"atlas: error: {_one_line(plain(message))}\n")
    sys.stderr.flush()


def _one_line(text: str) -> str:
    """TEXT with its line breaks (and the blanks around them) folded into one space."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _load(config: Path | None):
    from conductatlas_cli.config.load import find_sources, load_sources

    path = config if config is not None else find_sources()
    if not path.exists():
        raise ConfigError([f"'{path}' does not exist (run 'atlas init')"])
    return load_sources(path)


ConfigOption = typer.Option(
    None, "--config", "-c", help="Path to sources.yaml (default: the nearest one upwards)."
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"atlas {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """A git-backed archive of AI platforms' policy documents: fetch, record, diff."""


@app.command()
def init(
    directory: Path = typer.Argument(Path("."), help="Folder to set up (created if missing)."),
) -> None:
    """Create sources.yaml, snapshots/, .gitignore and a git repository; never overwrites."""
    from conductatlas_cli.archive.archive import init_project

    for line in init_project(directory):
        typer.echo(line)


@app.command()
def check(
    config: Path | None = ConfigOption,
    live: bool = typer.Option(
        False, "--live", help="Also fetch and extract each document twice to prove it is stable."
    ),
) -> None:
    """Validate sources.yaml: one line per problem, exit 2 when there is any."""
    sources = _load(config)
    if not live:
        typer.echo(f"{sources.path.name}: ok ({len(sources.sources)} documents)")
        return
    from conductatlas_cli.run.runner import check_live
    from conductatlas_cli.textsafe import plain

    failed = 0
    for source, problem in check_live(sources):
        if problem:
            failed += 1
            typer.echo(f"{source.key}: {_one_line(plain(problem))}")
        else:
            typer.echo(f"{source.key}: stable")
    if failed:
        raise typer.Exit(ExitCode.PARTIAL)


@app.command()
def fetch(
    targets: list[str] = typer.Argument(
        None, help="platform or platform/document (default: everything in sources.yaml)."
    ),
    config: Path | None = ConfigOption,
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print nothing when nothing changed and nothing failed."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON report on stdout."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Fetch and report; write nothing."),
    force: bool = typer.Option(False, "--force", help="Record changes held back by the guards."),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", min=1, max=64, help="Documents fetched at once."
    ),
    wait: bool = typer.Option(
        False, "--wait", help="Wait for another running fetch instead of exiting with 75."
    ),
) -> None:
    """Fetch documents, record each changed one as a commit, and report."""
    from conductatlas_cli.run.runner import run_fetch
    from conductatlas_cli.render.fetch_report import plain_lines, print_table, to_json

    sources = _load(config)
    progress = None
    if not (quiet or as_json) and sys.stderr.isatty() and not _no_color_env():
        progress = _Progress()
    try:
        report = run_fetch(
            sources,
            targets=tuple(targets or ()),
            force=force,
            dry_run=dry_run,
            jobs=jobs,
            wait_for_lock=wait,
            on_start=progress.start if progress else None,
            on_done=progress.advance if progress else None,
            warn=_warn,
        )
    finally:
        if progress:
            progress.stop()
    if as_json:
        typer.echo(to_json(report))
    elif sys.stdout.isatty() and not quiet:
        print_table(report, _console())
    else:
        for line in plain_lines(report, quiet=quiet):
            typer.echo(line)
    raise typer.Exit(int(report.exit_code))


@app.command()
def status(config: Path | None = ConfigOption) -> None:
    """Per document: versions, last checked, last changed, failing since, last error."""
    from conductatlas_cli.archive.history import status_rows
    from conductatlas_cli.archive.archive import Archive, load_state
    from conductatlas_cli.textsafe import plain

    sources = _load(config)
    with Archive.from_sources(sources) as archive:
        rows = status_rows(sources, archive, load_state(sources.state_dir, warn=_warn))
    width = max((len(r["document"]) for r in rows), default=8)
    columns = ("versions", "last_checked", "last_changed", "failing_since")
    typer.echo(
        f"{'document':<{width}}  versions  {'last checked':<20}  {'last changed':<20}  "
        f"{'failing since':<20}  last error"
    )
    for r in rows:
        cells = [f"{r['document']:<{width}}", f"{r[columns[0]]:>8}"]
        cells += [f"{r[c] or '-':<20}" for c in columns[1:]]
        cells.append(plain(r["last_error"] or ""))
        typer.echo("  ".join(cells).rstrip())


FORMAT_HELP = "rich (terminal default), plain (piped default), markdown, or json."


@app.command()
def diff(
    target: str | None = typer.Argument(None, help="platform or platform/document."),
    from_ref: str | None = typer.Option(
        None, "--from", help="A date (YYYY-MM-DD, the version in force then), a commit, or ~N."
    ),
    to_ref: str | None = typer.Option(None, "--to", help="Same forms as --from; default latest."),
    since: str | None = typer.Option(
        None, "--since", help="Every document that changed since DATE (YYYY-MM-DD)."
    ),
    stat: bool = typer.Option(False, "--stat", help="Only the counts per document."),
    context: int = typer.Option(
        0, "--context", "-C", min=0, max=1000, help="Unchanged sentences around each change."
    ),
    show_all: bool = typer.Option(False, "--all", help="Also show cosmetic changes."),
    fmt: str | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    exit_code: bool = typer.Option(False, "--exit-code", help="Exit 3 when there are differences."),
    config: Path | None = ConfigOption,
) -> None:
    """What changed, section by section: default previous version → latest."""
    import json

    from conductatlas_cli.archive import history
    from conductatlas_cli.diff.summary import summarize_changes
    from conductatlas_cli.render.summary_text import render_summary, stat_line, summary_to_dict
    from conductatlas_cli.archive.archive import Archive

    fmt = _format(fmt)
    if target is None and since is None:
        raise UsageError("give a TARGET (platform or platform/document) or --since DATE")
    sources = _load(config)
    with Archive.from_sources(sources) as archive:
        keys = history.matching_keys(archive, sources, target)
        if since is not None:
            comparisons = history.comparisons_since(archive, history.parse_day(since), keys)
        else:
            lenient = len(keys) > 1
            comparisons = [
                history.compare(archive, k, from_ref=from_ref, to_ref=to_ref, lenient=lenient)
                for k in keys
            ]
    color = fmt == "rich" and _color_wanted()
    differs = False
    documents, chunks = [], []
    for comp in comparisons:
        summary = summarize_changes(comp.old_text, comp.new_text)
        differs = differs or summary.has_changes(show_all=show_all)
        if fmt == "json":
            data = summary_to_dict(
                summary,
                from_ref=comp.old.commit if comp.old else None,
                to_ref=comp.new.commit,
            )
            documents.append({"key": comp.key, **data})
        elif stat:
            chunks.append(f"{comp.label}\n  {stat_line(summary, show_all=show_all)}\n")
        else:
            chunks.append(
                render_summary(
                    summary,
                    fmt=fmt,
                    context=context,
                    show_all=show_all,
                    title=comp.label,
                    color=color,
                    width=_width(),
                )
            )
    if fmt == "json":
        typer.echo(json.dumps({"documents": documents}, ensure_ascii=False, indent=2))
    elif not chunks:
        typer.echo(f"no changes since {since}" if since else "no changes")
    else:
        sys.stdout.write("\n".join(chunks))
        sys.stdout.flush()
    if exit_code and differs:
        raise typer.Exit(int(ExitCode.DIFFERENCES))


@app.command()
def log(
    target: str | None = typer.Argument(None, help="platform or platform/document (default all)."),
    since: str | None = typer.Option(None, "--since", help="Only versions since DATE."),
    as_json: bool = typer.Option(False, "--json", help="One JSON list on stdout."),
    config: Path | None = ConfigOption,
) -> None:
    """Versions, newest first: date, commit, document, what changed."""
    import json

    from conductatlas_cli.archive import history
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.textsafe import plain

    sources = _load(config)
    day = history.parse_day(since) if since else None
    with Archive.from_sources(sources) as archive:
        keys = history.matching_keys(archive, sources, target)
        entries = history.log_entries(archive, keys, day)
    if as_json:
        rows = [
            {
                "key": key,
                "date": v.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "commit": v.commit,
                "summary": history.one_line(key, v),
            }
            for key, v in entries
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max((len(key) for key, _ in entries), default=0)
    for key, v in entries:
        line = f"{v.date:%Y-%m-%d %H:%M}  {v.short}  {key:<{width}}  {history.one_line(key, v)}"
        typer.echo(plain(line))


@app.command()
def show(
    target: str = typer.Argument(..., help="platform/document."),
    at: str | None = typer.Option(None, "--at", help="A date, a commit, or ~N (default latest)."),
    config: Path | None = ConfigOption,
) -> None:
    """The text of one version of a document."""
    from conductatlas_cli.archive.archive import Archive, split_key
    from conductatlas_cli.textsafe import plain

    split_key(target)
    sources = _load(config)
    with Archive.from_sources(sources) as archive:
        version = archive.resolve_ref(target, at)
        text = archive.read_version(target, version.commit)
    sys.stdout.write(plain(text))
    sys.stdout.flush()


@app.command()
def demo(
    directory: Path | None = typer.Argument(
        None, help="A new or empty folder for the demo archive (default: a new temporary one)."
    ),
) -> None:
    """An offline first run: fetch two versions of a bundled sample policy, then diff them."""
    import tempfile

    from conductatlas_cli.diff.summary import summarize_changes
    from conductatlas_cli.demo import DEMO_KEY, run_demo
    from conductatlas_cli.render.summary_text import render_summary
    from conductatlas_cli.archive.archive import Archive

    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="atlas-demo-"))
    sources = run_demo(directory, say=typer.echo)
    typer.echo(f"$ atlas diff {DEMO_KEY}")
    with Archive.from_sources(sources) as archive:
        new, old = archive.versions(DEMO_KEY)[:2]
        summary = summarize_changes(
            archive.read_version(DEMO_KEY, old.commit), archive.read_version(DEMO_KEY, new.commit)
        )
    fmt = _format(None)
    out = render_summary(summary, fmt=fmt, color=fmt == "rich" and _color_wanted(), width=_width())
    sys.stdout.write(out)
    typer.echo(f"\nThe archive is in {directory}: try 'cd {directory} && atlas log'.")


def _format(fmt: str | None) -> str:
    from conductatlas_cli.render.summary_text import FORMATS

    if fmt is None:
        return "rich" if sys.stdout.isatty() else "plain"
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})")
    return fmt


def _color_wanted() -> bool:
    return sys.stdout.isatty() and not _no_color_env() and os.environ.get("TERM") != "dumb"


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def _warn(message: str) -> None:
    from conductatlas_cli.textsafe import plain

    sys.stderr.write(f"atlas: warning: {_one_line(plain(message))}\n")


def _no_color_env() -> bool:
    import os

    return bool(os.environ.get("NO_COLOR"))


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, no_color=_no_color_env() or None, highlight=False, markup=False)


class _Progress:
    """A rich progress bar on stderr while documents are fetched."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("fetching"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=_console(stderr=True),
            transient=True,
        )
        self.task = None

    def start(self, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("", total=total)

    def advance(self, doc) -> None:
        self.bar.update(self.task, advance=1, description=doc.key)

    def stop(self) -> None:
        self.bar.stop()


def main() -> None:
    """Entry point for the `atlas` script."""
    import signal

    # A file-size limit (`ulimit -f`) must make a write fail with EFBIG, which becomes a
    # one-line error for that document, not kill the run: CPython ignores SIGXFSZ at
    # start-up; say so here too, for interpreters that embed us without doing it.
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        app()
    except SystemExit as exc:
        if exc.code == ExitCode.INTERRUPTED:
            # Commits are atomic, so stopping now loses nothing; os._exit does not wait
            # for fetches still in flight in worker threads.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(ExitCode.INTERRUPTED))
        raise
