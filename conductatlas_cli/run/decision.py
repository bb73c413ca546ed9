"""What to do with one fetched document: the decision policy of `atlas fetch`.

`decide` is a pure function: the extracted page, the recorded text and the
document's `DocumentState` in, a `Decision` (status, reason, the state after it)
out. `Recorder` applies decisions: it records a version when the decision says
so (the one effect), and keeps the state's bookkeeping (last checked, failing
since, last error).

- failed     the fetch or extraction failed; or a 304 / same body with nothing recorded
- unchanged  304, the very body last accepted, a change the change model calls cosmetic
             (`snapshot.change_model`: the same stream hash and the same structure), or a
             flip back to an earlier version seen only once (recorded if it persists)
- held       a change that would lose most of the document's content (unless forced):
             `snapshot.guards.check_shrink`, against the recorded text and, while the
             document keeps shrinking, the largest of those versions (`peak_words`)
- new / changed  record it
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from conductatlas_cli.archive.state import CurrentText, DocumentState, State
from conductatlas_cli.config.model import Source
from conductatlas_cli.errors import AtlasError
from conductatlas_cli.run.known import HeadBlobs, remember_blob
from conductatlas_cli.run.pages import Tags, noise_hash, sha256
from conductatlas_cli.run.report import DocumentReport, FetchStatus, Preview
from conductatlas_cli.timestamps import utc_now

if TYPE_CHECKING:
    from conductatlas_cli.archive.archive import Archive, Version
    from conductatlas_cli.diff.model import ChangeSummary

# Why a document is unchanged (the fetch JSON's `reason`).
NOT_MODIFIED = "not modified (304)"
SAME_BODY = "same body as last fetch"
ONLY_COSMETIC = "only cosmetic differences"
# How many changed sections a fetch report lists per document (the commit lists up to 50).
REPORT_SECTION_LINES = 10
# How many recorded versions' stream hashes are remembered to recognise a flip.
FLIP_MEMORY = 6


@dataclass
class Extracted:
    """What a fetch thread hands back to the recorder."""

    source: Source
    text: str | None = None
    error: str | None = None
    not_modified: bool = False  # 304
    same_body: bool = False  # the very bytes last accepted: nothing to extract
    etag: str | None = None
    last_modified: str | None = None
    body_key: str | None = None
    noise: str = ""
    words: int = 0
    elapsed: float = 0.0
    needs_browser: bool = False  # a JavaScript shell or bot wall (`render: auto` retries)
    fetched_at: str | None = None  # when the fetch began (the version's Atlas-Fetched-At)
    capture: dict[str, bytes | None] | None = None  # `capture_files`: the body as served
    # what extraction tells the archive (run/site_evidence.py), and the job to extract again with
    # the site's evidence
    blocks: frozenset[int] = frozenset()
    container: str | None = None
    job: object | None = None  # the PageJob, held (run.pages.HeldJob)
    tags: Tags | None = None  # the text's topics, when its extraction tagged it (a new document)
    extracted: str = ""  # PageText.extracted: what a second extraction compares its text with


@dataclass(frozen=True)
class Decision:
    """The outcome for one document; `record` means a version is to be written."""

    status: FetchStatus
    state: DocumentState  # the document's state after the decision (before any recording)
    reason: str | None = None
    words: int = 0

    @property
    def record(self) -> bool:
        return self.status in (FetchStatus.NEW, FetchStatus.CHANGED)


def text_digest(text: str, ignore: tuple[str, ...]) -> str:
    """Identifies a recorded text with the `ignore` rules and change model its hash depends on."""
    from conductatlas_cli.snapshot import MODEL_VERSION

    return sha256(json.dumps([MODEL_VERSION, *ignore]) + "\n" + text)


def decide(
    got: Extracted, *, old: str | None, state: DocumentState, force: bool = False
) -> Decision:
    """The decision for GOT given the recorded text OLD (None: nothing recorded yet)."""
    st = replace(state, recent=list(state.recent), extra=dict(state.extra))
    if got.error:
        return Decision(FetchStatus.FAILED, st, reason=got.error)
    ignore = got.source.ignore
    if got.not_modified or got.same_body:
        if old is None:
            st.etag = st.last_modified = st.body = None
            return Decision(FetchStatus.FAILED, st, "server says unchanged but nothing recorded")
        return _unchanged(got, st, _current(st, old, ignore).words)
    if old is None:
        return Decision(FetchStatus.NEW, st, words=got.words)
    new = got.text or ""
    if got.noise == _current(st, old, ignore).noise:
        from conductatlas_cli.snapshot.change_model import texts_cosmetic

        if texts_cosmetic(old, new, ignore=ignore):
            _accept(got, st)
            return Decision(FetchStatus.UNCHANGED, st, reason=ONLY_COSMETIC, words=got.words)
    if not force:
        from conductatlas_cli.snapshot.guards import check_shrink

        shrink = check_shrink(old, new, peak_words=st.peak_words)
        if shrink:
            return Decision(FetchStatus.HELD, st, reason=shrink, words=got.words)
        if _is_flip(st, got.noise):
            reason = "back to an earlier version; recorded if it persists"
            return Decision(FetchStatus.UNCHANGED, st, reason=reason, words=got.words)
    return Decision(FetchStatus.CHANGED, st, words=got.words)


def recorded(
    state: DocumentState, got: Extracted, *, text: str, at: str, old: str | None = None
) -> DocumentState:
    """The state after GOT's TEXT was recorded at AT (over OLD, the text recorded before)."""
    st = replace(state, recent=list(state.recent), extra=dict(state.extra))
    _accept(got, st)
    st.peak_words = _peak(st.peak_words, old, text, got.words)
    st.last_changed = at
    st.current = CurrentText(text_digest(text, got.source.ignore), got.noise, got.words)
    recent = [k for k in st.recent if k != got.noise]
    st.recent = (recent + [got.noise])[-FLIP_MEMORY:]
    return st


def _peak(peak: int, old: str | None, new: str, new_words: int) -> int:
    """The largest recent version's words while the document loses content, else 0."""
    from conductatlas_cli.snapshot.guards import lost_content
    from conductatlas_cli.snapshot.words import count_words

    old_words = count_words(old) if old is not None else 0
    if old is None or new_words >= old_words:
        return 0

    return max(peak, old_words) if lost_content(old, new) else 0


def _is_flip(st: DocumentState, new_key: str) -> bool:
    """A return to an earlier recorded version is only recorded once seen twice in a row."""
    if new_key not in st.recent[:-1]:
        st.pending = None
        return False
    if st.pending == new_key:
        return False
    st.pending = new_key
    return True


def _current(st: DocumentState, text: str, ignore: tuple[str, ...]) -> CurrentText:
    """Noise hash and words of the recorded TEXT, from the state when it still matches."""
    digest = text_digest(text, ignore)
    if st.current is None or st.current.digest != digest:
        from conductatlas_cli.snapshot.words import count_words

        st.current = CurrentText(digest, noise_hash(text, ignore), count_words(text))
    return st.current


def _unchanged(got: Extracted, st: DocumentState, words: int) -> Decision:
    """A 304 or the very body last accepted, over a recorded text of WORDS words."""
    _accept(got, st)
    why = NOT_MODIFIED if got.not_modified else SAME_BODY
    return Decision(FetchStatus.UNCHANGED, st, reason=why, words=words)


def _accept(got: Extracted, st: DocumentState) -> None:
    """The page is what is recorded: keep what lets the next run skip work."""
    st.etag, st.last_modified = got.etag, got.last_modified
    if got.body_key:
        st.body = got.body_key
    st.pending = None  # a flip back did not persist


class Recorder:
    """Applies decisions: records a version where one says so, and keeps the state."""

    def __init__(
        self,
        archive: Archive,
        state: State,
        *,
        force: bool,
        dry_run: bool,
        topics: Mapping[str, Any] | None = None,
        watch: Sequence[str] = (),
    ):
        self.archive = archive
        self.state = state
        self.force = force
        self.dry_run = dry_run
        self.topics = topics or {}  # the `topics:` of sources.yaml (issue 13)
        self.watch = tuple(watch)  # settings.watch
        self._heads = HeadBlobs(archive)

    def handle(self, got: Extracted) -> DocumentReport:
        source = got.source
        report = DocumentReport(
            key=source.key, url=source.display_url, elapsed=got.elapsed, title=source.title
        )
        st = self.state.document(source.key)
        st.last_checked = utc_now()
        if st.url and st.url != source.display_url:
            report.moved_from = st.url  # the URL changed in sources.yaml since the last fetch
        st.url = source.display_url
        try:
            unchanged = not got.error and (got.not_modified or got.same_body)
            if unchanged and self._heads.knows(st, source.key, source.ignore):
                old = None  # HEAD holds the text `current` describes (`run.known`): not read
                assert st.current is not None  # `knows` checked it
                state = replace(st, recent=list(st.recent), extra=dict(st.extra))
                decision = _unchanged(got, state, st.current.words)
            else:
                old = None if got.error else self.archive.read_latest(source.key)
                decision = decide(got, old=old, state=st, force=self.force)
                if unchanged and old is not None and not self.dry_run:
                    remember_blob(self.archive, decision.state, old, source.ignore)
            st = decision.state
            report.status, report.reason = decision.status, decision.reason
            report.words = decision.words
            if decision.record:
                st = self._record(got, report, st, old, got.text or "")
            self._keep_held(got, report, old)
        except AtlasError as exc:
            report.status, report.reason = FetchStatus.FAILED, str(exc)
        if report.reason:
            # One line without control sequences, whatever a library or a page put in the
            # message (libxml2 ends some with "\n"): it goes to JSON and the state file too.
            from conductatlas_cli.textsafe import plain

            report.reason = " ".join(plain(report.reason).split())
        if report.status == FetchStatus.FAILED:
            st.failing_since = st.failing_since or st.last_checked
        else:
            st.failing_since = None
        failed_or_held = report.status in (FetchStatus.FAILED, FetchStatus.HELD)
        st.last_error = report.reason if failed_or_held else None
        if got.text is not None and not self.dry_run:
            from conductatlas_cli.run.site_evidence import remember

            remember(st, got)  # what the next extraction's evidence is built from
        self.state.documents[source.key] = st
        return report

    def _keep_held(self, got: Extracted, report: DocumentReport, old: str | None) -> None:
        """A dry run's preview; else keep a held-back text, or forget it once it is settled."""
        from conductatlas_cli.archive import pending

        key, status = got.source.key, report.status
        if status == FetchStatus.FAILED or (got.text is None and status != FetchStatus.UNCHANGED):
            return  # a failure says nothing about the change held back before
        if self.dry_run:
            if status in (FetchStatus.HELD, FetchStatus.NEW, FetchStatus.CHANGED):
                base = self._base(key, old)
                report.preview = Preview(
                    old, got.text or "", base.commit if base else None, base.date if base else None
                )
        elif status == FetchStatus.HELD and (base := self._base(key, old)) is not None:
            held = pending.Pending(
                key=key,
                text=got.text or "",
                base=base.commit,
                fetched_at=got.fetched_at or utc_now(),
                reason=report.reason or "",
                url=got.source.display_url,
            )
            pending.save_pending(self.archive.state_dir, held)
        elif status != FetchStatus.HELD:
            pending.clear_pending(self.archive.state_dir, key)  # recorded, or back as recorded

    def _base(self, key: str, old: str | None) -> Version | None:
        """The recorded version OLD is (the history index is read only when asked)."""
        versions = self.archive.versions(key) if old is not None else []
        return versions[0] if versions else None

    def _topics(
        self,
        report: DocumentReport,
        summary: ChangeSummary,
        old: str | None,
        new: str,
        source: Source,
        tags: Tags | None = None,
    ) -> dict[str, str]:
        """Topics on the report (and `watched`), and the `Atlas-Topics` trailer.

        TAGS: a first version's topics as its extraction found them (`run.pages.tag_page`);
        without them the text is tagged here.
        """
        from conductatlas_cli.run.pages import text_tags
        from conductatlas_cli.topics import load_taxonomy
        from conductatlas_cli.topics.changes import annotate_topics, changed_topics, watched

        taxonomy = load_taxonomy(self.topics)
        watch = self.watch + tuple(getattr(source, "watch", ()))
        if old is None:
            tags = tags or text_tags(new, taxonomy)
            report.topics = list(tags.topics)
            headings = tags.headings
            patterns = [w for w in watch if w not in taxonomy]
            report.watched = bool(set(watch) & set(tags.topics)) or any(
                re.search(p, h, re.IGNORECASE) for p in patterns for h in headings
            )
            return _trailers(report)
        annotated = annotate_topics(summary, old, new, taxonomy)
        report.topics = list(changed_topics(annotated, taxonomy))
        report.watched = watched(annotated, watch, taxonomy)
        return _trailers(report)

    def _record(
        self, got: Extracted, report: DocumentReport, st: DocumentState, old: str | None, new: str
    ) -> DocumentState:
        from conductatlas_cli.archive.commit_message import (
            commit_message,
            section_lines,
            summary_subject,
        )
        from conductatlas_cli.diff.model import ChangeSummary, Stats
        from conductatlas_cli.diff.summary import summarize_changes
        from conductatlas_cli.extract.extractor import extractor_id

        source = got.source
        if old is None:
            # A first version's message only counts words: no section diff needed.
            stats = Stats(words_added=got.words, words=got.words)
            summary = ChangeSummary((), stats, first=True)
        else:
            summary = summarize_changes(old, new, ignore=source.ignore)
        report.words_added = summary.stats.words_added
        report.words_removed = summary.stats.words_removed
        trailers = {
            "Atlas-Title": source.title,  # 'Acme AI — Privacy Policy', from sources.yaml
            "Atlas-Source": source.display_url,
            "Atlas-Fetched-At": got.fetched_at or utc_now(),
            "Atlas-Content-SHA256": sha256(new),
            "Atlas-Extractor": extractor_id(),
        }
        tags = got.tags if old is None else None
        trailers.update(self._topics(report, summary, old, new, source, tags))  # issue 13
        message = commit_message(source.key, summary, trailers=trailers)
        report.summary = summary_subject(summary)
        report.sections = tuple(section_lines(summary, limit=REPORT_SECTION_LINES))
        if self.dry_run:
            return st
        extra = None
        if got.capture is not None:
            from conductatlas_cli.archive.captures import capture_extra

            extra = capture_extra(self.archive, source.key, got.capture)
        report.commit = self.archive.record_version(source.key, new, message=message, extra=extra)
        st = recorded(st, got, text=new, at=trailers["Atlas-Fetched-At"], old=old)
        remember_blob(self.archive, st, new, source.ignore)
        return st


def _trailers(report: DocumentReport) -> dict[str, str]:
    """`Atlas-Topics: a, b` (omitted when none) and `Atlas-Watched: yes` when a watch matched."""
    out = {"Atlas-Topics": ", ".join(report.topics)} if report.topics else {}
    if report.watched:
        out["Atlas-Watched"] = "yes"
    return out
