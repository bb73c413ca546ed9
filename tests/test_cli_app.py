"""The `atlas` group: global options that every command shares."""

from __future__ import annotations

from typer.testing import CliRunner

from conductatlas_cli.cli import app

runner = CliRunner()


def test_dash_c_runs_as_if_started_in_dir(project, server, monkeypatch, tmp_path):
    """`atlas -C DIR check` reads DIR's sources.yaml, wherever it is started."""
    project.write_sources({"acme": {"documents": {"policy": server.url("/p")}}})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = runner.invoke(app, ["-C", str(project.root), "check"])
    assert result.exit_code == 0, result.output
    assert result.output == "sources.yaml: ok (1 documents)\n"


def test_dash_c_to_a_missing_folder_is_a_usage_error(tmp_path):
    """`-C` to a folder that does not exist is exit 2 with one line naming it."""
    result = runner.invoke(app, ["-C", str(tmp_path / "nope"), "check"])
    assert result.exit_code == 2
    assert f"cannot change to '{tmp_path / 'nope'}'" in result.output


def test_config_given_a_folder_uses_its_sources_yaml(project, server, monkeypatch, tmp_path):
    """`--config FOLDER` means FOLDER/sources.yaml."""
    project.write_sources({"acme": {"documents": {"policy": server.url("/p")}}})
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", "--config", str(project.root)])
    assert result.exit_code == 0, result.output
    assert result.output == "sources.yaml: ok (1 documents)\n"


def test_demo_into_a_relative_folder_records_there(tmp_path, monkeypatch):
    """`atlas demo DIR` with a relative DIR keeps its snapshots in DIR (not DIR/DIR)."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo", "rel"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rel" / "snapshots" / "example-ai" / "usage-policy.md").is_file()
    assert not (tmp_path / "rel" / "rel").exists()
