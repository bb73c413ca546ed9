"""An unchanged document's recorded text, known by its blob id instead of read.

A 304 (or the very body last accepted) needs of the recorded text only that
there is one and its word count: `decision._current` gives the state's
`current` when its digest is the text's under today's `ignore` rules. The state
also keeps, in `DocumentState.extra[KNOWN]`, the blob id of the text that
`current` was last computed for, with the digest of the rules it was computed
under. When HEAD's tree holds that very blob for the snapshot (one `ls-tree`
per HEAD, `HeadBlobs`), the rules digest is today's and `current` is the one
kept beside it, the text is the one `current` describes: no blob is read.
Anything else (a foreign commit that changed the snapshot, new rules, a state
written by an older atlas) reads the text as before.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from conductatlas_cli.run.pages import sha256

if TYPE_CHECKING:
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.archive.state import DocumentState

# DocumentState.extra: [blob id, rules digest, current digest] (an older atlas keeps it as found)
KNOWN = "known_blob"


def rules_digest(ignore: tuple[str, ...]) -> str:
    """What a text's digest (`decision.text_digest`) depends on besides the text."""
    from conductatlas_cli.snapshot import MODEL_VERSION

    return sha256(json.dumps([MODEL_VERSION, *ignore]))


def remember_blob(archive: Archive, st: DocumentState, text: str, ignore: tuple[str, ...]) -> None:
    """Note in ST that its `current` describes TEXT (as recorded: UTF-8) under IGNORE."""
    if st.current is None:
        return
    blob = archive.git.object_id(b"blob", text.encode("utf-8"))
    st.extra[KNOWN] = [blob, rules_digest(ignore), st.current.digest]


class HeadBlobs:
    """The blob ids of HEAD's snapshots, read once per HEAD commit."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self._at: tuple[str, dict[str, tuple[int, str]]] | None = None

    def blob(self, key: str) -> str | None:
        """The blob HEAD holds at KEY's snapshot path, or None."""
        archive = self.archive
        with archive._mutex:
            head = archive.git.head()
            if head is None:
                return None
            if self._at is None or self._at[0] != head[0]:
                self._at = (head[0], archive.git.blobs_under(head[0], archive._snapshots_rel()))
            found = self._at[1].get(archive.snapshot_relpath(key))
        return found[1] if found else None

    def knows(self, st: DocumentState, key: str, ignore: tuple[str, ...]) -> bool:
        """Whether HEAD's text of KEY is the one ST's `current` describes under IGNORE."""
        noted = st.extra.get(KNOWN)
        if st.current is None or not isinstance(noted, list) or len(noted) != 3:
            return False
        blob, rules, digest = noted
        if digest != st.current.digest or rules != rules_digest(ignore):
            return False
        return blob == self.blob(key)
