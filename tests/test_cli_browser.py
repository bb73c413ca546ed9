"""`atlas fetch` with render: http | browser | auto, against a real Chromium and real git."""

from __future__ import annotations

import pytest
from browserkit import require_browser
from typer.testing import CliRunner

from conductatlas_cli.cli import app

runner = CliRunner()

CLAUSES = "".join(
    f"<h2>{i}. Clause</h2><p>Operators must keep records of clause {i} for 30 days. "
    "Each end user must follow it too, without exception.</p>"
    for i in range(1, 6)
)
# A JavaScript shell: the policy text is written by a script after the page loaded.
SCRIPTED = (
    "<!doctype html><html><head><title>Usage Policy</title></head><body><div id='root'></div>"
    "<noscript>You need to enable JavaScript to run this app.</noscript><script>"
    "addEventListener('load', () => setTimeout(() => {"
    "document.getElementById('root').innerHTML = "
    f"'<main><h1>Usage Policy</h1>{CLAUSES}</main>'}}, 50));</script></body></html>"
)
NEEDS = "needs a browser (set render: browser)"


def use(project, server, render: str, **doc) -> None:
    url = server.set("/policy", SCRIPTED)
    project.write_sources(
        {"acme": {"documents": {"usage-policy": {"url": url, **doc}}}},
        settings={"render": render, "timeout": 10},
    )


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("render", ["browser", "auto"])
def test_scripted_policy_is_recorded_in_the_browser(in_project, server, render):
    """render: browser and render: auto record the text a script wrote after load."""
    require_browser()
    use(in_project, server, render)
    result = invoke("fetch")
    assert result.exit_code == 0, result.output
    text = in_project.snapshot("acme/usage-policy").read_text()
    assert "## 3. Clause" in text
    assert "Operators must keep records of clause 3 for 30 days." in text


def test_scripted_policy_over_http_needs_a_browser(in_project, server):
    """render: http fails a JavaScript shell with the needs-a-browser line."""
    use(in_project, server, "http")
    result = invoke("fetch")
    assert result.exit_code == 1
    assert result.output.splitlines()[0].split(None, 2) == ["failed", "acme/usage-policy", NEEDS]


def test_served_bytes_equal_show_raw(in_project, server):
    """`atlas show --raw` writes exactly the bytes served; --rendered the DOM with the text."""
    require_browser()
    use(in_project, server, "browser")
    assert invoke("fetch").exit_code == 0
    raw = runner.invoke(app, ["show", "acme/usage-policy", "--raw"])
    assert raw.stdout_bytes == SCRIPTED.encode()
    dom = runner.invoke(app, ["show", "acme/usage-policy", "--rendered"])
    assert b"clause 3 for 30 days" in dom.stdout_bytes


def test_http_capture_is_the_body_as_served(in_project, server):
    """Over HTTP the capture is the served body, byte for byte; git log -p snapshots/ has no capture."""
    page = f"<html><head><title>T</title></head><body><main><h1>Terms – données</h1>{CLAUSES}</main></body></html>"
    url = server.set(
        "/terms", page.encode("cp1252"), content_type="text/html; charset=windows-1252"
    )
    in_project.write_sources({"acme": {"documents": {"terms": url}}})
    assert invoke("fetch").exit_code == 0
    assert runner.invoke(app, ["show", "acme/terms", "--raw"]).stdout_bytes == page.encode("cp1252")
    assert "captures/" not in in_project.git("log", "-p", "--", "snapshots/")
    assert "captures" not in in_project.git("status", "--porcelain")  # work tree = HEAD


def test_captures_false_keeps_no_capture(in_project, server):
    """settings: captures: false records the snapshot only; --raw says there is none."""
    page = f"<html><body><main><h1>Terms – données</h1>{CLAUSES}</main></body></html>"
    url = server.set("/terms", page)
    in_project.write_sources({"acme": {"documents": {"terms": url}}}, settings={"captures": False})
    assert invoke("fetch").exit_code == 0
    assert in_project.git("show", "--name-only", "--format=", "HEAD").split() == [
        "snapshots/acme/terms.md"
    ]
    result = runner.invoke(app, ["show", "acme/terms", "--raw"])
    assert result.exit_code == 2
    assert "has no capture" in result.output


def test_reextract_after_a_remove_change_records_one_technical_version(in_project, server):
    """Changing `remove:` then `atlas reextract` records one technical version, no fetch."""
    page = (
        "<html><body><main><h1>Terms</h1><div class='promo'>Try our new model today for free.</div>"
        f"{CLAUSES}</main></body></html>"
    )
    url = server.set("/terms", page)
    in_project.write_sources({"acme": {"documents": {"terms": url}}})
    assert invoke("fetch").exit_code == 0
    hits = server.hits["/terms"]
    assert "Try our new model" in in_project.snapshot("acme/terms").read_text()
    in_project.write_sources({"acme": {"documents": {"terms": {"url": url, "remove": ".promo"}}}})
    result = invoke("reextract")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("technical  acme/terms  extraction changed: 1 section changed")
    assert server.hits["/terms"] == hits
    assert "Try our new model" not in in_project.snapshot("acme/terms").read_text()
    message = in_project.git("log", "-1", "--format=%B")
    assert "Atlas-Technical: settings" in message
    assert invoke("reextract").output.startswith("unchanged  acme/terms")
    log = invoke("log", "acme/terms").output.splitlines()[1:]  # under the title line
    assert len(log) == 2 and "[technical: settings] extraction changed: " in log[0]
    diff = invoke("diff", "acme/terms").output
    assert "extraction changed: settings, not an edit by the platform" in diff.splitlines()[0]


def test_check_warns_when_the_browser_cannot_start(in_project, server, monkeypatch):
    """atlas check warns up front when render: browser documents cannot get a browser."""
    use(in_project, server, "browser")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("ATLAS_CHROMIUM", raising=False)
    result = invoke("check")
    assert result.exit_code == 0
    assert "atlas: warning: 1 document with render: browser or auto will fail: " in result.output
    assert "apt-get install chromium" in result.output


def test_bad_render_and_wait_for_name_the_line(in_project):
    """A bad render value and a bad wait_for selector are errors naming their line."""
    (in_project.root / "sources.yaml").write_text(
        "settings:\n  render: magic\nplatforms:\n  acme:\n    documents:\n      terms:\n"
        "        url: https://example.com/\n        wait_for: 'main['\n",
        encoding="utf-8",
    )
    result = invoke("check")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert any(
        line.startswith("atlas: error: sources.yaml:2:")
        and "must be one of http, browser, auto" in line
        for line in lines
    )
    assert any(
        line.startswith("atlas: error: sources.yaml:8:") and "bad CSS selector 'main['" in line
        for line in lines
    )


def test_auto_retries_a_bot_wall_in_the_browser(in_project, server):
    """render: auto fetches a page that is a bot wall over HTTP again in the browser."""
    require_browser()
    wall = (
        "<html><head><title>Just a moment...</title></head><body><main id='m'>"
        "<p>Checking your browser before accessing the site.</p></main><script>"
        "document.getElementById('m').innerHTML = "
        f"'<h1>Usage Policy</h1>{CLAUSES}'; document.title = 'Usage Policy';</script></body></html>"
    )
    url = server.set("/policy", wall)
    in_project.write_sources(
        {"acme": {"documents": {"usage-policy": {"url": url, "render": "auto"}}}}
    )
    result = invoke("fetch")
    assert result.exit_code == 0, result.output
    assert "clause 3 for 30 days" in in_project.snapshot("acme/usage-policy").read_text()
    assert server.hits["/policy"] == 2  # once over HTTP, once in the browser


def test_auto_on_a_plain_page_never_starts_a_browser(in_project, server, tmp_path, monkeypatch):
    """render: auto on a page that extracts over HTTP starts no browser at all."""
    log = tmp_path / "starts.log"
    spy = tmp_path / "chromium-spy"
    spy.write_text(f"#!/bin/sh\necho started >> '{log}'\nexit 1\n")
    spy.chmod(0o755)
    monkeypatch.setenv("ATLAS_CHROMIUM", str(spy))
    url = server.set("/terms", f"<html><body><main><h1>Terms</h1>{CLAUSES}</main></body></html>")
    in_project.write_sources({"acme": {"documents": {"terms": url}}}, settings={"render": "auto"})
    assert invoke("fetch").exit_code == 0
    assert not log.exists()
    assert server.hits["/terms"] == 1


def test_reextract_all_rederives_every_capture_oldest_first(in_project, server):
    """--all lists every captured version in history order and records only the latest."""
    promo = "<div class='promo'>Try our new model today for free.</div>"
    pages = [
        f"<html><body><main><h1>Terms</h1>{promo}{CLAUSES}</main></body></html>",
        f"<html><body><main><h1>Terms</h1>{promo}{CLAUSES}<p>A new clause for all.</p></main></body></html>",
    ]
    url = server.set("/terms", pages[0])
    in_project.write_sources({"acme": {"documents": {"terms": url}}})
    assert invoke("fetch").exit_code == 0
    server.set("/terms", pages[1])
    assert invoke("fetch").exit_code == 0
    first, second = in_project.git("log", "--format=%h", "--abbrev=10").split()[1::-1]
    in_project.write_sources({"acme": {"documents": {"terms": {"url": url, "remove": ".promo"}}}})
    lines = invoke("reextract", "--all").output.splitlines()
    assert lines[:2] == [
        f"  acme/terms  {first}  differs from the recorded text",
        f"  acme/terms  {second}  differs from the recorded text",
    ]
    assert lines[2].startswith("technical  acme/terms  extraction changed: ")
    assert len(in_project.commits()) == 4  # init, two versions, one technical


def test_switching_to_http_removes_the_rendered_capture(in_project, server):
    """A version fetched over HTTP after a browser one keeps no stale rendered.gz anywhere."""
    require_browser()
    use(in_project, server, "browser")
    assert invoke("fetch").exit_code == 0
    rendered = in_project.root / "captures/acme/usage-policy/rendered.gz"
    assert rendered.exists()
    url = server.set(
        "/policy",
        f"<html><body><main><h1>Usage Policy</h1>{CLAUSES}<p>One more clause.</p></main></body></html>",
    )
    in_project.write_sources({"acme": {"documents": {"usage-policy": url}}})
    assert invoke("fetch").exit_code == 0
    tree = in_project.git("ls-tree", "-r", "--name-only", "HEAD", "captures").split()
    assert tree == ["captures/acme/usage-policy/meta.json", "captures/acme/usage-policy/served.gz"]
    assert not rendered.exists()
    assert "captures" not in in_project.git("status", "--porcelain")
