"""The command-line layer: the only importer of typer.

Owns: the `atlas` typer app and its one error edge (`app.py`), the commands by
family (`commands_fetch.py`: check, fetch; `commands_history.py`: status, diff,
log, show; `commands_reextract.py`: reextract; `commands_sources.py`: add, rm, mv;
`commands_alerts.py`: notify, digest, feed; `commands_site.py`: site;
`commands_setup.py`: init, demo), the summaries of what a fetch did not record
(`previews.py`: fetch --dry-run, diff --pending), and console helpers
(`console.py`: format, colour, width, warnings, the progress bar). Each command
parses its arguments, calls one core function, renders the result; `AtlasError`
becomes `atlas: error: …` and its exit code in `app._AtlasGroup` alone.

May import every other package; nothing imports `cli`. A new command is a
function in a `commands_*.py` module plus one line in `COMMANDS` below.
"""

from conductatlas_cli.cli.app import app, main
from conductatlas_cli.cli.commands_alerts import digest, feed, notify
from conductatlas_cli.cli.commands_fetch import check, fetch
from conductatlas_cli.cli.commands_history import diff, log, show, status
from conductatlas_cli.cli.commands_reextract import reextract
from conductatlas_cli.cli.commands_setup import demo, init
from conductatlas_cli.cli.commands_site import site
from conductatlas_cli.cli.commands_sources import add, mv, rm
from conductatlas_cli.cli.commands_topics import compare, topics

COMMANDS = (
    init,
    check,
    fetch,
    status,
    diff,
    log,
    show,
    topics,
    compare,
    reextract,
    digest,
    feed,
    notify,
    site,
    add,
    rm,
    mv,
    demo,
)  # the order `--help` lists
for _command in COMMANDS:
    app.command()(_command)

__all__ = ["app", "main"]
