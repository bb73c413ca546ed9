"""One `atlas fetch`: fetch, extract, decide, record, report.

Owns: `runner.py` (`run_fetch`: threads fetch, workers extract, the calling
thread records), `pages.py` (extract → normalize → guard → stream hash for one
body; worker processes), `decision.py` (the decision policy — new, changed,
unchanged, held, failed — as a pure function over `DocumentState`, and the
`Recorder` that applies it), `report.py` (`FetchStatus`, `DocumentReport`,
`FetchReport`), `known.py` (an unchanged document's recorded text known by
its blob id, not read), `site_evidence.py` (the archive's evidence for extraction: a
document's history, a site's shared blocks once its pages of the run are in),
`live.py` (`atlas check --live`) and `reextract.py`
(`atlas reextract`: captures through today's extractor, technical versions).

May import: `config`, `fetch`, `extract`, `snapshot`, `archive`, `diff`,
`errors`, `textsafe`. Never `render` or `cli`.
"""
