"""A real archive for the alert, digest and feed tests: pages on a local server, real fetches."""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from test_cli_fetch import CLAUSES, policy_html

from conductatlas_cli.archive.archive import Archive
from conductatlas_cli.config.load import load_sources
from conductatlas_cli.run.runner import run_fetch


def policy(days: int = 30, *, extra: tuple[str, str] | None = None, title: str = "Usage Policy"):
    """The test policy page, its retention clause saying DAYS, optionally one more clause."""
    clauses = list(CLAUSES)
    clauses[2] = ("3. Data Retention", f"We keep API inputs for {days} days and then delete them.")
    if extra:
        clauses.append(extra)
    return policy_html(clauses, title=title)


@dataclass
class Bench:
    """A project tracking documents served by the local server at /<platform>/<document>."""

    project: object
    server: object
    titles: dict | None = None

    def track(
        self,
        documents: dict[str, dict],
        *,
        names: dict[str, str] | None = None,
        notify: list[dict] | None = None,
        settings: dict | None = None,
    ):
        """Write sources.yaml for DOCUMENTS ({key: extra fields}) and serve version 1 of each."""
        platforms: dict = {}
        for key, fields in documents.items():
            platform, document = key.split("/")
            entry = platforms.setdefault(platform, {"documents": {}})
            if names and platform in names:
                entry["name"] = names[platform]
            entry["documents"][document] = {"url": self.server.url(f"/{key}"), **fields}
            self.titles = {**(self.titles or {}), key: fields.get("type", "Usage Policy")}
            self.publish(key)
        path = self.project.root / "sources.yaml"
        data: dict = {"settings": settings} if settings else {}
        data["platforms"] = platforms
        if notify is not None:
            data["notify"] = notify
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    def publish(self, key: str, days: int = 30, *, extra: tuple[str, str] | None = None):
        """Serve a version of KEY's policy: retention DAYS, optionally one more clause."""
        self.serve(key, policy(days, extra=extra, title=(self.titles or {}).get(key, "Policy")))

    def serve(self, key: str, body: str = "", **page) -> None:
        self.server.set(f"/{key}", body, **page)

    def sources(self):
        return load_sources(self.project.root / "sources.yaml")

    def fetch(self, **options):
        return run_fetch(self.sources(), **options)

    def archive(self) -> Archive:
        return Archive.from_sources(self.sources())
