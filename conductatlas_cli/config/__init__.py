"""sources.yaml: what is tracked and how.

Owns: the model (`model.py`: frozen `Settings`, `Source`, `Sources`; the one
slug and `platform/document` key parser; `redact_url`) and the loader
(`load.py`: YAML → model, every problem one line naming `file:line`).

Also `notify.py`: the `notify:` entries (`Target`, `Event`, their checks).

May import: `atomic` (`atlas add`, `rm` and `mv` rewrite sources.yaml), `errors`.
Imported by every other package.
"""
