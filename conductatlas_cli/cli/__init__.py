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
function in a `commands_*.py` module plus one entry in `app.COMMANDS`, the table
the lazy group reads: `atlas --help` imports no command module.
"""

from conductatlas_cli.cli.app import COMMANDS, app, main

__all__ = ["COMMANDS", "app", "main"]
