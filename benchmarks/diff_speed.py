"""How fast is a change summary? Times summarize_changes + render_summary(plain).

Generates a policy-like Markdown pair (fixed seed) of about 60 KB and 600 KB with
scattered edits — reworded sentences, added and removed clauses, a moved section,
renumbering, a changed table cell — and prints the best of N runs for each.

    .venv/bin/python benchmarks/diff_speed.py [--runs 5]

Targets for the whole `atlas diff` process: 60 KB ≤ 0.3 s, 600 KB ≤ 1.5 s; Python
start-up and imports take ~0.1 s of that, so the in-process time must be well under.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conductatlas_cli.diff.summary import new_text, summarize_changes
from conductatlas_cli.render import render_summary

VOCAB = (
    "service services customer customers operator operators user users data content model "
    "models output outputs api platform policy agreement terms account law laws applicable "
    "obligation obligations right rights third party parties fees invoice days notice written "
    "consent personal information security incident breach liability damages indirect "
    "termination suspension confidential use uses prohibited permitted reasonable including "
    "without limitation provide provided comply compliance respect responsible may must shall "
    "not any all such other its their our your we you this that these those within under"
).split()
TITLES = (
    "Definitions Scope Eligibility Accounts Acceptable Use Prohibited Uses Fees Payment Taxes "
    "Confidentiality Privacy Security Intellectual Property Feedback Warranties Disclaimers "
    "Liability Indemnification Term Termination Suspension Export Controls Governing Law "
    "Disputes Notices Assignment Changes Miscellaneous Support Availability Data Retention"
).split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(VOCAB) for _ in range(rng.randint(8, 28))]
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), f"{rng.choice([7, 14, 30, 60, 90])} days")
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", ";"])


def section_body(rng: random.Random) -> list[str]:
    lines: list[str] = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.7:
            lines += [sentence(rng) for _ in range(rng.randint(2, 6))]
        elif kind < 0.9:
            lines += ["- " + sentence(rng) for _ in range(rng.randint(2, 6))]
        else:
            lines += ["| Plan | Limit | Support |", "|---|---|---|"]
            lines += [
                f"| {rng.choice(TITLES)} | {rng.randint(1, 9999)} | Email |" for _ in range(4)
            ]
        lines.append("")
    return lines


def document(rng: random.Random, target: int) -> list[list[str]]:
    """Sections as lists of lines: [heading, "", body…]."""
    sections = [["# Usage Policy", "", "These terms apply to your use of the services.", ""]]
    size, number = 0, 0
    while size < target:
        number += 1
        title = " ".join(rng.sample(TITLES, rng.randint(1, 3)))
        sections.append([f"## {number}. {title}", ""] + section_body(rng))
        for sub in range(rng.randint(0, 3)):
            sections.append(
                [f"### {number}.{sub + 1} {rng.choice(TITLES)}", ""] + section_body(rng)
            )
        size = sum(len(line) + 1 for s in sections for line in s)
    return sections


def edit(rng: random.Random, sections: list[list[str]]) -> list[list[str]]:
    """A new version: scattered edits, one moved section, one new clause (renumbering)."""
    new = [list(s) for s in sections]
    for _ in range(max(8, len(new) // 8)):
        s = rng.choice(new[1:])
        body = [i for i, line in enumerate(s) if i > 1 and line and not line.startswith("|")]
        if not body:
            continue
        i = rng.choice(body)
        action = rng.random()
        if action < 0.5:  # reword: replace a few words
            words = s[i].split()
            for _ in range(rng.randint(1, 3)):
                words[rng.randrange(len(words))] = rng.choice(VOCAB)
            s[i] = " ".join(words)
        elif action < 0.7:
            s.insert(i + 1, sentence(rng))
        elif action < 0.85:
            del s[i]
        else:
            s[i] = s[i].replace("30 days", "60 days").replace("'", "’")
    moved = new.pop(len(new) // 3)
    new.insert(2 * len(new) // 3, moved)
    at = next(i for i in range(len(new) // 2, len(new)) if new[i][0].startswith("## "))
    number = int(re.match(r"## (\d+)", new[at][0]).group(1))
    for s in new[at:]:  # everything after the new clause is renumbered
        s[0] = re.sub(r"^(#+ )(\d+)", lambda m: f"{m.group(1)}{int(m.group(2)) + 1}", s[0])
    clause = [f"## {number}. Operator Responsibility", "", sentence(rng), sentence(rng), ""]
    new.insert(at, clause)
    return new


def join(sections: list[list[str]]) -> str:
    return "\n".join(line for s in sections for line in s).rstrip("\n") + "\n"


def bench(size: int, runs: int) -> None:
    rng = random.Random(size)
    old_sections = document(rng, size)
    old, new = join(old_sections), join(edit(rng, old_sections))
    best = {"summarize": float("inf"), "render": float("inf")}
    for _ in range(runs):
        start = time.perf_counter()
        summary = summarize_changes(old, new)
        middle = time.perf_counter()
        out = render_summary(summary, fmt="plain", context=1)
        end = time.perf_counter()
        best["summarize"] = min(best["summarize"], middle - start)
        best["render"] = min(best["render"], end - middle)
    assert new_text(summary) == new
    print(
        f"{len(old) / 1000:7.0f} KB  sections {len(summary.sections):4d}  "
        f"summarize {best['summarize'] * 1000:7.1f} ms  render(plain) {best['render'] * 1000:6.1f} ms  "
        f"total {(best['summarize'] + best['render']) * 1000:7.1f} ms  | {out.splitlines()[-1]}"
    )


PROCESS = """
import sys
from pathlib import Path
from conductatlas_cli.diff.summary import summarize_changes
from conductatlas_cli.render import render_summary
old, new = (Path(p).read_text(encoding="utf-8") for p in sys.argv[1:3])
sys.stdout.write(render_summary(summarize_changes(old, new), fmt="plain"))
"""


def bench_process(size: int, runs: int) -> None:
    """A fresh interpreter: start-up, imports, read both files, summarize, render."""
    rng = random.Random(size)
    old_sections = document(rng, size)
    with tempfile.TemporaryDirectory() as tmp:
        old, new = Path(tmp, "old.md"), Path(tmp, "new.md")
        old.write_text(join(old_sections), encoding="utf-8")
        new.write_text(join(edit(rng, old_sections)), encoding="utf-8")
        best = float("inf")
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", PROCESS, str(old), str(new)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            best = min(best, time.perf_counter() - start)
    print(f"{size / 1000:7.0f} KB  whole process (python -c …): {best * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for size in (60_000, 600_000):
        bench(size, args.runs)
    for size in (60_000, 600_000):
        bench_process(size, args.runs)


if __name__ == "__main__":
    main()
