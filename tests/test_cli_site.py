"""`atlas site`, `atlas fetch --site` and the demo's site hint, through the real CLI."""

from __future__ import annotations

from sitekit import SiteArchive, link_problems
from test_cli_fetch import policy_html
from test_site import KEY, PLATFORMS, V1, V2
from typer.testing import CliRunner

from conductatlas_cli.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_site_builds_beside_sources_yaml(in_project):
    """`atlas site` writes site/ next to sources.yaml and says how many pages and where."""
    kit = SiteArchive(in_project.root, PLATFORMS)
    kit.record(KEY, V1, "2026-01-10T09:00:00Z")
    kit.record(KEY, V2, "2026-02-10T09:00:00Z")
    result = invoke("site")
    assert result.exit_code == 0, result.output
    index = in_project.root / "site" / "index.html"
    # 7 pages of the archive and 13 topic pages (the index and one per shipped topic)
    assert result.output == f"site: 20 pages, 21 files written; open {index.resolve().as_uri()}\n"
    assert (in_project.root / "site" / KEY / "index.html").is_file()
    assert link_problems(in_project.root / "site") == []


def test_site_again_writes_nothing(in_project):
    """A second `atlas site` over an unchanged archive writes no file and says so."""
    kit = SiteArchive(in_project.root, PLATFORMS)
    kit.record(KEY, V1, "2026-01-10T09:00:00Z")
    invoke("site")
    result = invoke("site", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert ", 0 files written;" in result.output


def test_site_refuses_a_folder_of_other_files(in_project):
    """A non-empty folder not made by `atlas site` is exit 2 with one line, untouched."""
    SiteArchive(in_project.root, PLATFORMS).record(KEY, V1, "2026-01-10T09:00:00Z")
    (in_project.root / "docs").mkdir()
    (in_project.root / "docs" / "notes.md").write_text("mine\n")
    result = invoke("site", "docs")
    assert result.exit_code == 2
    assert "'docs' is not empty and was not made by 'atlas site'" in result.output
    assert [p.name for p in (in_project.root / "docs").iterdir()] == ["notes.md"]


def test_fetch_with_site_refreshes_it(in_project, server):
    """`atlas fetch --site DIR` records the new version, then the site has its page."""
    server.set("/policy", policy_html())
    in_project.write_sources({"acme": {"documents": {"usage-policy": server.url("/policy")}}})
    result = invoke("fetch", "--site", "public")
    assert result.exit_code == 0, result.output
    assert "site: " in result.output.splitlines()[-1]
    pages = list((in_project.root / "public" / "acme" / "usage-policy").glob("*-*.html"))
    assert len(pages) == 1


def test_fetch_quiet_with_site_prints_nothing(in_project, server):
    """With -q an unchanged fetch stays silent, site refresh included."""
    server.set("/policy", policy_html())
    in_project.write_sources({"acme": {"documents": {"usage-policy": server.url("/policy")}}})
    invoke("fetch", "--site", "public")
    result = invoke("fetch", "-q", "--site", "public")
    assert result.exit_code == 0 and result.output == ""


def test_fetch_site_failure_is_a_warning_after_recording(in_project, server):
    """A site that cannot be written is a warning and exit 1; the version is still recorded."""
    server.set("/policy", policy_html())
    in_project.write_sources({"acme": {"documents": {"usage-policy": server.url("/policy")}}})
    (in_project.root / "docs").mkdir()
    (in_project.root / "docs" / "notes.md").write_text("mine\n")
    result = invoke("fetch", "--site", "docs")
    assert result.exit_code == 1
    assert "atlas: warning: the site in 'docs' was not refreshed" in result.output
    assert (in_project.root / "snapshots" / "acme" / "usage-policy.md").is_file()


def test_demo_says_how_to_build_and_open_its_site(tmp_path):
    """`atlas demo` ends with the command that builds its site and the page to open."""
    folder = tmp_path / "demo"
    result = invoke("demo", str(folder))
    assert result.exit_code == 0, result.output
    index = (folder / "site" / "index.html").resolve().as_uri()
    assert result.output.splitlines()[-1] == (
        f"Its website: 'cd {folder} && atlas site', then open {index}"
    )
