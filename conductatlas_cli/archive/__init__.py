"""The archive: snapshots in git, and the tool state beside them.

Owns: `archive.py` (`Archive`: snapshot paths, `record_version`, `repair`,
versions and REF resolution), `files.py` (writes that never follow a symbolic
link), `git.py` and `gitprocess.py` (git plumbing: loose objects, batch
processes, a controlled environment), `trees.py` (a commit's trees edited in
memory, each written once), `history.py` (which versions `diff`,
`log`, `show`, `status` look at), `index.py` (every document's versions from
one `git log` pass, cached per HEAD in `.git/atlas/history.json`),
`foreign.py` (restoring snapshots a commit made outside atlas dropped),
`commit_message.py` (the storage format of a
version's commit), `state.py` (`.atlas/state.json` as typed `State` /
`DocumentState`, and the fetch lock), `captures.py` (a version's raw capture:
the body as served and the browser's DOM, stored in the version's commit) and
`scaffold.py` (`atlas init`).

May import: `config`, `diff` (the summary model, for commit messages),
`atomic`, `errors`, `textsafe`.
"""
