"""`atlas fetch --shard K/N`: machines split the documents by host and join with pull --rebase."""

from __future__ import annotations

import json

import pytest
from conftest import LocalServer, git
from test_cli_fetch import policy_html
from typer.testing import CliRunner

from conductatlas_cli.cli import app
from conductatlas_cli.errors import UsageError
from conductatlas_cli.fetch.shard import Shard, parse_shard, shard_of

runner = CliRunner()


def test_parse_shard():
    """'K/N' with 1 ≤ K ≤ N; anything else is a usage error naming it."""
    assert parse_shard("2/3") == Shard(2, 3)
    for bad in ("0/3", "4/3", "1", "a/b", "1/0"):
        with pytest.raises(UsageError):
            parse_shard(bad)


def test_every_host_is_in_exactly_one_shard():
    """Over N shards each host is held by one, and the split is stable."""
    hosts = [f"h{i}.example" for i in range(200)]
    for host in hosts:
        held = [k for k in (1, 2, 3) if Shard(k, 3).holds(f"https://{host}/x")]
        assert held == [shard_of(host, 3)]
    assert {shard_of(h, 3) for h in hosts} == {1, 2, 3}


@pytest.fixture
def two_hosts():
    """Two loopback hosts that fall into different shards of two."""
    picked: dict[int, str] = {}
    for i in range(2, 60):
        host = f"127.0.0.{i}"
        picked.setdefault(shard_of(host, 2), host)
        if len(picked) == 2:
            break
    servers = [LocalServer(host=picked[1]), LocalServer(host=picked[2])]
    yield servers
    for srv in servers:
        srv.close()


def _clone(origin, path, name):
    git(path.parent, "clone", "-q", str(origin), str(path))
    git(path, "config", "user.name", name)
    git(path, "config", "user.email", f"{name}@example.com")
    return path


def test_two_shards_record_into_clones_and_join_with_pull_rebase(
    project, two_hosts, tmp_path, monkeypatch
):
    """Shard 1 and shard 2 fetch in two clones, push, and `git pull --rebase` joins them."""
    one, two = two_hosts
    docs = {}
    for n, srv in enumerate((one, two)):
        for i in range(2):
            docs[f"d{n}{i}"] = {"url": srv.set(f"/d{i}", policy_html(title=f"Doc {n}{i}"))}
    project.write_sources({"acme": {"documents": docs}})
    (project.root / ".gitignore").write_text(".atlas/\n")
    project.git("add", "sources.yaml", ".gitignore")
    project.git("commit", "-qm", "sources")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(project.root), str(origin))
    a = _clone(origin, tmp_path / "a", "cron-a")
    b = _clone(origin, tmp_path / "b", "cron-b")

    monkeypatch.chdir(a)
    result = runner.invoke(app, ["fetch", "--shard", "1/2", "--json"])
    assert result.exit_code == 0, result.output
    assert sorted(d["key"] for d in json.loads(result.stdout)["documents"]) == [
        "acme/d00",
        "acme/d01",
    ]
    git(a, "push", "-q", "origin", "HEAD")

    monkeypatch.chdir(b)
    result = runner.invoke(app, ["fetch", "--shard", "2/2", "--json"])
    assert sorted(d["key"] for d in json.loads(result.stdout)["documents"]) == [
        "acme/d10",
        "acme/d11",
    ]
    git(b, "pull", "-q", "--rebase", "origin", "main")
    git(b, "push", "-q", "origin", "HEAD")

    rows = json.loads(runner.invoke(app, ["log", "--json"]).stdout)
    assert sorted(row["key"] for row in rows) == ["acme/d00", "acme/d01", "acme/d10", "acme/d11"]
    git(a, "pull", "-q", "--rebase", "origin", "main")
    monkeypatch.chdir(a)
    assert len(json.loads(runner.invoke(app, ["log", "--json"]).stdout)) == 4
    assert git(a, "status", "--porcelain") == ""
    result = runner.invoke(app, ["fetch", "--shard", "1/2", "--json"])
    assert {d["status"] for d in json.loads(result.stdout)["documents"]} == {"unchanged"}
