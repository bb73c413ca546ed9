"""One `atlas fetch`: fetch, extract, decide, record, report.

Owns: `runner.py` (`run_fetch`: threads fetch, workers extract, the calling
thread records), `pages.py` (extract → normalize → guard → noise hash for one
body; worker processes), `decision.py` (the decision policy — new, changed,
unchanged, held, failed — as a pure function over `DocumentState`, and the
`Recorder` that applies it), `report.py` (`FetchStatus`, `DocumentReport`,
`FetchReport`), `live.py` (`atlas check --live`) and `reextract.py`
(`atlas reextract`: captures through today's extractor, technical versions).

May import: `config`, `fetch`, `extract`, `snapshot`, `archive`, `diff`,
`errors`, `textsafe`. Never `render` or `cli`.
"""
