"""Judging one document's replay against its references: scores, noise commits, missed changes.

Used by benchmarks/realpages.py (see its docstring for what each figure means).
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract_quality import score, sentences  # noqa: E402
from realpages_capture import Capture, cased_words, plain_words  # noqa: E402

CONTEXT = 4  # words of context either side of a reference hunk
FIRST_SNAPSHOT_MIN_RECALL = 0.2
USABLE_SENTENCES = 5  # a reference with fewer sentences is partial: not scored
GONE_MIN_LETTERS = 12  # a removed sentence this long can show that the reference lags


@dataclass
class Step:
    """What the replay did with one capture."""

    status: str  # new, changed, unchanged, held, failed
    reason: str | None
    extracted: str  # atlas's (or the baseline's) own text for this capture, normalized
    snapshot: str | None  # the recorded text after this capture
    ms: float
    # commits made at later runs while this capture was still the one served (the page
    # did not change: each is noise), with the text each recorded
    later_commits: list[str] = field(default_factory=list)


@dataclass
class DocResult:
    key: str
    service: str = ""
    collection: str = ""
    share: str = ""
    captures: int = 0
    scored: int = 0
    rec: float = 0.0
    prec: float = 0.0
    head: float = 0.0
    commits: int = 0
    noise: int = 0
    dated: int = 0  # noise commits in which the page's own date stamp moved (see _date_moved)
    lagged: int = 0  # commits not counted as noise: the reference lags the page (see _lags)
    cased: int = 0  # commits not counted as noise: the reference changed in case or punctuation
    stale: int = 0  # captures not scored: their reference lags the page (Capture.stale)
    # the three scores over every usable capture, stale references included (the old figures)
    strict: tuple[float, float, float] = (0.0, 0.0, 0.0)
    strict_scored: int = 0
    changes: int = 0
    missed: int = 0
    unreached: int = 0
    held: int = 0
    failed: int = 0
    ms: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lowest: tuple[float, float, float] = (1.0, 1.0, 1.0)  # worst capture's rec, prec, head


# --- judging ----------------------------------------------------------------------


def hunks(old: str, new: str, context: int = CONTEXT) -> list[tuple[str, str, str]]:
    """The word-level differences of two word strings: (old phrase, new phrase, op) with context.

    op is difflib's: "insert" (the old phrase is context only), "delete" (the new one is),
    or "replace".
    """
    a, b = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        lo_a, lo_b = max(0, i1 - context), max(0, j1 - context)
        out.append((" ".join(a[lo_a : i2 + context]), " ".join(b[lo_b : j2 + context]), op))
    return out


CASED_CONTEXT = 2  # words of context either side of a case or punctuation edit


def carries_edit(old_ref: str, new_ref: str, before: str, after: str) -> bool:
    """Whether atlas's commit (BEFORE → AFTER) made one of the reference's cased edits.

    OLD_REF and NEW_REF are `cased_words`; an edit is carried when its new wording (two
    words of context either side) came into atlas's text with the commit, or, for a
    deletion, its old wording left it. A commit that changed something else while the
    reference changed a case or a comma is not excused by it.
    """
    got_before, got_after = cased_words(before), cased_words(after)
    for old_phrase, new_phrase, op in hunks(old_ref, new_ref, CASED_CONTEXT):
        if op != "delete" and _has(new_phrase, got_after) and not _has(new_phrase, got_before):
            return True
        if op != "insert" and _has(old_phrase, got_before) and not _has(old_phrase, got_after):
            return True
    return False


def _cut(phrase: str, limit: int = 160) -> str:
    return phrase if len(phrase) <= limit else phrase[: limit - 1] + "…"


def _has(phrase: str, text_words: str) -> bool:
    return f" {phrase} " in f" {text_words} "


def judge_change(
    old_ref: str, new_ref: str, prev_extracted: str, extracted: str, snapshot: str | None
) -> tuple[str, list[str], list[str]]:
    """'reflected', 'missed' or 'unreached' for a reference change atlas did not commit.

    Also the explanation lines, and the new wordings found in the snapshot.
    """
    ext_new, ext_old = plain_words(extracted), plain_words(prev_extracted)
    snap = plain_words(snapshot or "")
    reached, unreflected = 0, 0
    lines, found = [], []
    for old_phrase, new_phrase, op in hunks(old_ref, new_ref):
        # a phrase that is context alone (nothing inserted or nothing deleted) shows nothing
        has_new = op != "delete" and _has(new_phrase, ext_new)
        if not (has_new or (op != "insert" and _has(old_phrase, ext_old))):
            lines.append(f"    out of reach: -[{_cut(old_phrase)}] +[{_cut(new_phrase)}]")
            continue
        reached += 1
        ok = _has(new_phrase, snap) if has_new else not _has(old_phrase, snap)
        if not ok:
            unreflected += 1
        elif has_new:
            found.append(new_phrase)
        state = "reflected" if ok else "NOT in snapshot"
        lines.append(f"    {state}: -[{_cut(old_phrase)}] +[{_cut(new_phrase)}]")
    if not reached:
        return "unreached", lines, found
    return ("missed" if unreflected else "reflected"), lines, found


_MONTH_NUMBER = {
    name: n
    for n, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ),
        start=1,
    )
    for name in names.split()
}
_MONTH_WORD = "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True))
_WORD_DATE = re.compile(
    rf"\b(?:({_MONTH_WORD}) (\d{{1,2}})(?:st|nd|rd|th)? (\d{{4}})"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)? ({_MONTH_WORD}) (\d{{4}}))\b"
)


def _day(m: re.Match[str]) -> str:
    month, day, year = (m.group(1), m.group(2), m.group(3)) if m.group(1) else m.group(5, 4, 6)
    return f"{year}{_MONTH_NUMBER[month]:02d}{int(day):02d}"


def same_dates(old_words: str, new_words: str) -> bool:
    """Whether two different word strings differ only in how dates are written (same days)."""
    return old_words != new_words and _WORD_DATE.sub(_day, old_words) == _WORD_DATE.sub(
        _day, new_words
    )


def _last_text(step: Step) -> str | None:
    """The recorded text when the next capture came: after any later commit."""
    return step.later_commits[-1] if step.later_commits else step.snapshot


def _not_noise(res: DocResult, noise: tuple[str, str], before: str | None, why: str) -> None:
    """Count the noise commit NOISE ((stamp, text before)) as a true change after all: WHY."""
    res.noise -= 1
    res.dated -= bool(_date_moved(noise[1], before or ""))
    res.notes.append(f"  commit at {noise[0]} not noise after all: it {why}")


def judge(key: str, caps: list[Capture], steps: list[Step], explain: bool) -> DocResult:
    res = DocResult(key=key, captures=len(caps))
    sums = [0.0, 0.0, 0.0]
    strict = [0.0, 0.0, 0.0]
    lowest = [1.0, 1.0, 1.0]
    recorded_ref: str | None = None  # reference words at atlas's last commit
    recorded_cased = ""  # and its cased_words
    last_noise: tuple[str, str] | None = None  # (stamp, text before) of a noise commit
    for i, (cap, step) in enumerate(zip(caps, steps, strict=True)):
        res.ms.append(step.ms)
        res.held += step.status == "held"
        res.failed += step.status == "failed"
        if step.status in ("held", "failed"):
            res.notes.append(f"  {step.status} at {cap.stamp}: {step.reason}")
        if cap.usable:
            r, p, h = score(step.snapshot or "", cap.reference or "")
            strict = [a + b for a, b in zip(strict, (r, p, h), strict=True)]
            res.strict_scored += 1
            if cap.stale:
                res.stale += 1
            else:
                sums = [a + b for a, b in zip(sums, (r, p, h), strict=True)]
                res.scored += 1
                lowest = [min(a, b) for a, b in zip(lowest, (r, p, h), strict=True)]
        committed = step.status in ("new", "changed")
        before = _last_text(steps[i - 1]) if i else None
        if i:
            _later_commits(res, caps[i - 1], steps[i - 1], explain)
        earlier_noise = last_noise  # a commit at this capture replaces it below
        if committed:
            res.commits += 1
            if recorded_ref is None:
                ref = cap.reference or _next_reference(caps, i)
                noise = (
                    ref is None or score(step.snapshot or "", ref)[0] < FIRST_SNAPSHOT_MIN_RECALL
                )
            else:
                noise = cap.ref_words == recorded_ref or same_dates(recorded_ref, cap.ref_words)
                if (
                    cap.ref_words == recorded_ref
                    and cap.ref_cased != recorded_cased
                    and carries_edit(
                        recorded_cased, cap.ref_cased, before or "", step.snapshot or ""
                    )
                ):
                    noise = False  # the reference changed too: the words compared hide it
                    res.cased += 1
                    res.notes.append(
                        f"  commit at {cap.stamp} not counted as noise: the reference changed"
                        " too, in case or punctuation only, and the commit made that edit"
                    )
                    if explain:
                        res.notes.extend(_diff(before or "", step.snapshot or ""))
            last_noise = None
            lag = _lags(before or "", step.snapshot or "", cap, caps, i) if noise else ""
            if lag:
                noise = False
                res.lagged += 1
                res.notes.append(
                    f"  commit at {cap.stamp} not counted as noise: the reference lags the page"
                    f" ({lag})"
                )
                if explain:
                    res.notes.extend(_diff(before or "", step.snapshot or ""))
            if noise:
                res.noise += 1
                last_noise = (cap.stamp, before or "")
                moved = _date_moved(before or "", step.snapshot or "")
                res.dated += bool(moved)
                res.notes.append(
                    f"  noise commit at {cap.stamp} ({step.status})"
                    + _outside(before or "", step.snapshot or "", cap, caps, i)
                    + (
                        f"; the page's own date moved ({moved}): the reference lags"
                        if moved
                        else ""
                    )
                )
                if explain:
                    res.notes.extend(_diff(before or "", step.snapshot or ""))
            recorded_ref, recorded_cased = cap.ref_words, cap.ref_cased
        if not (i and caps[i - 1].ref_words and cap.ref_words):
            continue
        if caps[i - 1].ref_words == cap.ref_words:
            if (
                earlier_noise
                and cap.reference is not None
                and caps[i - 1].reference is not None
                and caps[i - 1].ref_cased != cap.ref_cased
                and carries_edit(
                    caps[i - 1].ref_cased, cap.ref_cased, earlier_noise[1], before or ""
                )
            ):
                res.cased += 1  # it made the reference's case or punctuation edit before it did
                _not_noise(
                    res,
                    earlier_noise,
                    before,
                    f"made the reference's case or punctuation edit of {cap.stamp} early",
                )
                if last_noise is earlier_noise:
                    last_noise = None
            continue
        if cap.reference is None or caps[i - 1].reference is None:
            continue  # a borrowed reference: no known change here
        if cap.usable != caps[i - 1].usable:
            res.notes.append(
                f"  not counted: the reference at {caps[i - 1 if cap.usable else i].stamp} is"
                " partial (under 5 sentences: its own selectors failed), so its change is the"
                " reference's"
            )
            continue
        if same_dates(caps[i - 1].ref_words, cap.ref_words):
            res.notes.append(
                f"  not counted: the reference at {cap.stamp} only writes a date another way"
                " (the same day, the month spelled or placed otherwise)"
            )
            continue
        res.changes += 1
        if earlier_noise and (
            _recorded_early(caps[i - 1].ref_words, cap.ref_words, before, earlier_noise[1])
            or carries_edit(caps[i - 1].ref_cased, cap.ref_cased, earlier_noise[1], before or "")
        ):
            # that commit recorded this change before the reference had it
            _not_noise(
                res, earlier_noise, before, f"recorded the reference's change at {cap.stamp} early"
            )
            if last_noise is earlier_noise:
                last_noise = None
        if committed:
            continue
        verdict, lines, _found = judge_change(
            caps[i - 1].ref_words,
            cap.ref_words,
            steps[i - 1].extracted,
            step.extracted,
            step.snapshot,
        )
        if verdict == "reflected":
            continue
        if verdict == "missed":
            res.missed += 1
        else:
            res.unreached += 1
        res.notes.append(
            f"  {verdict} change at {cap.stamp} (atlas: {step.status}"
            + (f", {step.reason}" if step.reason else "")
            + ")"
        )
        if explain:
            res.notes.extend(lines[:12])
    if caps:
        _later_commits(res, caps[-1], steps[-1], explain)
    if res.scored:
        res.rec, res.prec, res.head = (s / res.scored for s in sums)
        res.lowest = (lowest[0], lowest[1], lowest[2])
    if res.strict_scored:
        a, b, c = (s / res.strict_scored for s in strict)
        res.strict = (a, b, c)
    return res


def _lags(old: str, new: str, cap: Capture, caps: list[Capture], i: int) -> str:
    """Why a commit the reference did not follow records the page, or "".

    The commit removed a sentence that the reference (of this capture, or the next one it
    borrows) still holds while the page's markup holds it nowhere: the reference keeps a
    text the page no longer has, so its words not changing says nothing about the page.
    A removal is evidence of the page's own change; an addition is not (a banner that
    comes is an addition too), so additions alone never clear a commit.
    """
    ref = cap.reference or _next_reference(caps, i)
    if ref is None or not cap.page_letters:
        return ""
    in_ref = set(sentences(ref))
    kept = set(sentences(new))
    gone = [s for s in dict.fromkeys(sentences(old)) if s not in kept and s in in_ref]
    absent = [s for s in gone if len(s) >= GONE_MIN_LETTERS and cap.absent(s)]
    if not absent:
        return ""
    return f"{len(absent)} sentence(s) it removed are in the reference and nowhere on the page"


def _later_commits(res: DocResult, cap: Capture, step: Step, explain: bool) -> None:
    """Commits at runs that served the same capture again: the page did not change, noise."""
    text = step.snapshot or ""
    for later in step.later_commits:
        res.commits += 1
        res.noise += 1
        res.notes.append(f"  noise commit after {cap.stamp}: the same page, another run")
        if explain:
            res.notes.extend(_diff(text, later))
        text = later


def _recorded_early(old_ref: str, new_ref: str, snapshot: str | None, before: str) -> bool:
    """Whether SNAPSHOT already held a new wording of the reference change that BEFORE lacked."""
    snap, prior = plain_words(snapshot or ""), plain_words(before)
    return any(
        _has(new_phrase, snap) and not _has(new_phrase, prior)
        for _old, new_phrase, op in hunks(old_ref, new_ref)
        if op != "delete"
    )


_STAMP = re.compile(
    r"^\W*(?:last |date of last )?(?:updated|modified|revised|amended|effective(?: date)?)\b"
    r".{0,40}\d",
    re.IGNORECASE,
)


def _stamps(text: str) -> dict[str, str]:
    """{words, dates folded: line} of TEXT's date-stamp lines ("Last updated: …") in its head.

    Folded by the judge itself (`same_dates`' rule), not by the change model under test.
    """
    head = [ln.strip() for ln in text.split("\n")[:40]]
    return {
        _WORD_DATE.sub(_day, plain_words(ln)): ln
        for ln in head
        if _STAMP.match(ln) and len(ln) < 120
    }


def _date_moved(old: str, new: str) -> str:
    """ "OLD → NEW" when the document's own date stamp changed, else "".

    Only a stamp that says another day counts (a date written another way is the same
    date): the page says it is a new version, whatever the reference says.
    """
    a, b = _stamps(old), _stamps(new)
    if not a or not b or a.keys() == b.keys():
        return ""
    gone = [ln for k, ln in a.items() if k not in b] or list(a.values())
    came = [ln for k, ln in b.items() if k not in a] or list(b.values())
    return f"{_cut(gone[0], 60)} → {_cut(came[0], 60)}"


def _outside(old: str, new: str, cap: Capture, caps: list[Capture], i: int) -> str:
    """A note when none of the lines atlas changed is a sentence of the reference."""
    ref = cap.reference or _next_reference(caps, i)
    if ref is None:
        return ""
    in_ref = set(sentences(ref))
    changed = [
        line[1:]
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    got = {s for line in changed for s in sentences(line)}
    if got and not got & in_ref:
        return ": none of the lines it changed is in the reference (text the reference omits)"
    return ""


def _next_reference(caps: list[Capture], i: int) -> str | None:
    for cap in caps[i:]:
        if cap.reference is not None:
            return cap.reference
    return None


def _diff(old: str, new: str, limit: int = 40) -> list[str]:
    lines = list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), "before", "after", n=0, lineterm=""
        )
    )
    shown = ["    " + ln[:200] for ln in lines[2 : 2 + limit]]
    if len(lines) > 2 + limit:
        shown.append(f"    … {len(lines) - 2 - limit} more diff lines")
    return shown
