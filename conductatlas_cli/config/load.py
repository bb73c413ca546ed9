"""sources.yaml → the model (`config.model`), with validation that names file:line.

Validation walks the YAML node tree (not the constructed objects) so every
problem can name the line it is on. Aliases and anchors are refused outright:
a list of URLs has no use for them, and refusing them closes the door on
"billion laughs" expansion.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from conductatlas_cli.config.checks import NodeChecker
from conductatlas_cli.config.model import (
    SOURCES_FILE,
    Settings,
    Source,
    Sources,
)
from conductatlas_cli.errors import ConfigError

if TYPE_CHECKING:
    from conductatlas_cli.config.notify import Target

SETTINGS_KEYS = {
    "snapshots",
    "timeout",
    "jobs",
    "per_host",
    "delay",
    "user_agent",
    "max_bytes",
    "retries",
    "render",
    "captures",
    "commit_url",
    "watch",
}
PLATFORM_KEYS = {"name", "documents"}
DOCUMENT_KEYS = {
    "url",
    "type",
    "select",
    "remove",
    "ignore",
    "min_chars",
    "render",
    "wait_for",
    "timeout",
    "watch",
}
TOP_KEYS = {"settings", "platforms", "notify", "topics"}


def find_sources(start: Path | None = None) -> Path:
    """sources.yaml in START or the nearest parent folder that has one."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / SOURCES_FILE
        if candidate.is_file():
            return candidate
    raise ConfigError([f"no '{SOURCES_FILE}' in '{here}' or its parents (run 'atlas init')"])


def load_sources(path: Path) -> Sources:
    """Read and validate sources.yaml; raise ConfigError listing every problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: not UTF-8 text (byte {exc.start})"]) from None
    return parse_sources(text, path=Path(path).absolute())  # a relative root breaks git paths


def parse_sources(text: str, *, path: Path) -> Sources:
    """Validate the YAML TEXT of a sources file at PATH."""
    checker = _Checker(path)
    node = checker.compose(text)
    if not checker.problems:
        sources = checker.build(node)
    if checker.problems:
        raise ConfigError([_one_line(p) for p in sorted(checker.problems, key=_line_of)])
    return sources


def _one_line(problem: str) -> str:
    """PROBLEM with line breaks and other unprintable characters (from the file) escaped."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in problem
    )


def _line_of(problem: str) -> int:
    """The line number in 'file:LINE: message' (for sorting problems)."""
    try:
        return int(problem.split(":", 2)[1])
    except (IndexError, ValueError):
        return 0


class _Checker(NodeChecker):
    """Builds the model from the node tree, collecting every problem."""

    def build(self, node: yaml.Node | None) -> Sources:
        if node is None:
            self.problems.append(f"{self.name}:1: the file is empty (expected 'platforms:')")
            return Sources(path=self.path)
        settings = Settings()
        platforms_node = notify_node = None
        topics: dict = {}
        for key, key_node, value in self.mapping(node, "the top level", TOP_KEYS):
            if key == "settings":
                settings = self.build_settings(value)
                self.default_render = settings.render
            elif key == "notify":
                notify_node = value
            elif key == "topics":  # issue 13: user governance topics
                from conductatlas_cli.config.topics import check_topics

                topics = check_topics(value, self.problem)
            else:
                platforms_node = (key_node, value)
        if platforms_node is None:
            self.problem(node, "missing 'platforms:'")
            return Sources(path=self.path, settings=settings)
        sources: list[Source] = []
        for _pid_text, pid_node, pnode in self.mapping(platforms_node[1], "'platforms'", None):
            pid = self.slug(pid_node, "platform id")
            # A bad id is one problem; what is inside is still checked (and then dropped).
            built = self.build_platform(pid or str(pid_node.value)[:80], pnode)
            if pid is not None:
                sources.extend(built)
        notify: tuple[Target, ...] = ()
        if notify_node is not None:
            notify = self.build_notify(notify_node, frozenset(s.platform for s in sources))
        return Sources(
            path=self.path, settings=settings, sources=tuple(sources), notify=notify, topics=topics
        )

    def build_notify(self, node: yaml.Node, platforms: frozenset[str]) -> tuple[Target, ...]:
        """The `notify:` list: each entry's fields checked by `notify.targets`, with lines."""
        from conductatlas_cli.config.notify import build_target, target_problems

        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, "'notify' must be a list of targets (each with a 'url')")
            return ()
        targets: list[Target] = []
        for index, item in enumerate(node.value, start=1):
            fields: dict[str, object] = {}
            nodes: dict[str, yaml.Node] = {}
            for key, key_node, value in self.mapping(item, f"notify target {index}", None):
                nodes[key] = key_node
                if isinstance(value, yaml.ScalarNode):
                    fields[key] = str(value.value)
                elif isinstance(value, yaml.SequenceNode):
                    fields[key] = [
                        self.scalar(v, f"each entry of '{key}'") or "" for v in value.value
                    ]
                else:
                    self.problem(
                        value, f"'{key}' of notify target {index} must be a value or a list"
                    )
            if not isinstance(item, yaml.MappingNode):
                continue
            problems = target_problems(fields, platforms=platforms)
            for field_name, message in problems:
                self.problem(nodes.get(field_name or "", item), f"notify target {index}: {message}")
            if not problems:
                targets.append(build_target(fields, index=index, line=item.start_mark.line + 1))
        return tuple(targets)

    def build_settings(self, node: yaml.Node) -> Settings:
        values: dict[str, Any] = {}
        for key, _key_node, value in self.mapping(node, "'settings'", SETTINGS_KEYS):
            what = f"'settings.{key}'"
            if key == "timeout":
                values[key] = self.number(value, what, integer=False, minimum=0.1)
            elif key == "delay":
                values[key] = self.number(value, what, integer=False, minimum=0)
            elif key in ("jobs", "per_host", "max_bytes"):
                values[key] = self.number(value, what, integer=True, minimum=1)
            elif key == "retries":
                values[key] = self.number(value, what, integer=True, minimum=0)
            elif key == "watch":
                values[key] = self.watch(value, what)
            elif key == "render":
                values[key] = self.render(value, what)
            elif key == "captures":
                values[key] = self.boolean(value, what)
            elif key == "commit_url":
                text = self.scalar(value, what)
                if text is not None and (
                    urlsplit(text).scheme not in ("http", "https")
                    or ("{commit}" not in text and "{short}" not in text)
                ):
                    self.problem(value, f"{what} must be an http(s) URL with '{{commit}}' in it")
                    text = None
                values[key] = text
            else:
                text = self.scalar(value, what)
                if key == "snapshots" and text is not None:
                    parts = Path(text).parts
                    if not text or Path(text).is_absolute() or ".." in parts or ".git" in parts:
                        self.problem(value, f"{what} must be a folder inside the project")
                        text = None
                values[key] = text
        return Settings(**{k: v for k, v in values.items() if v is not None})

    def build_platform(self, pid: str, node: yaml.Node) -> list[Source]:
        name = pid
        documents_node = None
        for key, _key_node, value in self.mapping(node, f"platform '{pid}'", PLATFORM_KEYS):
            if key == "name":
                name = self.scalar(value, f"'{pid}.name'") or pid
            else:
                documents_node = value
        if documents_node is None:
            self.problem(node, f"platform '{pid}' has no 'documents:'")
            return []
        sources = []
        pairs = self.mapping(documents_node, f"'{pid}.documents'", None)
        for _doc_text, doc_node, value in pairs:
            doc = self.slug(doc_node, "document id")
            source = self.build_document(pid, name, doc or str(doc_node.value)[:80], value)
            if source is not None and doc is not None:
                sources.append(source)
        return sources

    def build_document(self, pid: str, pname: str, doc: str, node: yaml.Node) -> Source | None:
        where = f"'{pid}/{doc}'"
        if isinstance(node, yaml.ScalarNode):
            url = self.url(node, where)
            if url is None:
                return None
            return Source(
                platform=pid, document=doc, url=url, platform_name=pname, render=self.default_render
            )
        fields: dict[str, Any] = {}
        url = None
        has_url = False
        for key, _key_node, value in self.mapping(node, f"document {where}", DOCUMENT_KEYS):
            if key == "url":
                has_url = True
                url = self.url(value, where)
            elif key == "type":
                fields["type"] = self.scalar(value, f"{where} type") or ""
            elif key in ("select", "remove"):
                fields[key] = tuple(self.selectors(value, f"{where} {key}"))
            elif key == "ignore":
                fields[key] = tuple(self.regexes(value, f"{where} ignore"))
            elif key == "render":
                fields[key] = self.render(value, f"{where} render")
            elif key == "timeout":
                fields[key] = self.number(value, f"{where} timeout", integer=False, minimum=0.1)
            elif key == "wait_for":
                found = self.selectors(value, f"{where} wait_for")
                if len(found) == 1:
                    fields[key] = found[0]
                elif found:
                    self.problem(value, f"{where} wait_for must be one CSS selector")
            elif key == "min_chars":
                number = self.number(value, f"{where} min_chars", integer=True, minimum=0)
                if number is not None:
                    fields[key] = number
            elif key == "watch":
                fields[key] = self.watch(value, f"{where} watch")
        if not has_url:
            if isinstance(node, yaml.MappingNode):
                self.problem(node, f"document {where} has no 'url'")
            return None
        if url is None:
            return None
        fields["render"] = fields.get("render") or self.default_render
        return Source(platform=pid, document=doc, url=url, platform_name=pname, **fields)

    def watch(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        from conductatlas_cli.config.topics import check_watch  # issue 13

        return check_watch(self.string_list(node, what), what, self.problem)
