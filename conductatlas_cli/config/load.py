"""sources.yaml → the model (`config.model`), with validation that names file:line.

Validation walks the YAML node tree (not the constructed objects) so every
problem can name the line it is on. Aliases and anchors are refused outright:
a list of URLs has no use for them, and refusing them closes the door on
"billion laughs" expansion.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from conductatlas_cli.config.model import (
    MAX_ID_LENGTH,
    RESERVED_IDS,
    SLUG,
    SOURCES_FILE,
    Settings,
    Source,
    Sources,
    redact_url,
)
from conductatlas_cli.errors import ConfigError

if TYPE_CHECKING:
    from conductatlas_cli.config.notify import Target

SETTINGS_KEYS = {"snapshots", "timeout", "jobs", "per_host", "user_agent", "max_bytes", "retries"}
SETTINGS_KEYS |= {"render", "captures", "commit_url", "watch"}
PLATFORM_KEYS = {"name", "documents"}
DOCUMENT_KEYS = {"url", "type", "select", "remove", "ignore", "min_chars", "render", "wait_for"}
DOCUMENT_KEYS |= {"timeout", "watch"}
RENDER_MODES = ("http", "browser", "auto")  # as fetch.registry knows them
TOP_KEYS = {"settings", "platforms", "notify", "topics"}
# libyaml's parser when PyYAML has it: 15x faster, which `atlas log` and `status` feel.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    return parse_sources(text, path=path)


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


class _Checker:
    def __init__(self, path: Path):
        self.path = path
        self.name = path.name
        self.problems: list[str] = []
        self.default_render = "http"

    def problem(self, node: yaml.Node | yaml.Event | None, message: str) -> None:
        mark = node.start_mark if node is not None else None
        line = mark.line + 1 if mark is not None else 1
        self.problems.append(f"{self.name}:{line}: {message}")

    # -- YAML ---------------------------------------------------------------

    def compose(self, text: str) -> yaml.Node | None:
        if "\x00" in text:
            self.problems.append(f"{self.name}:1: contains a NUL character")
            return None
        try:
            for event in yaml.parse(text, Loader=_LOADER):
                if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                    self.problem(event, "YAML anchors and aliases are not allowed")
                    return None
            return yaml.compose(text, Loader=_LOADER)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            what = (exc.problem or exc.context or "invalid YAML").strip()
            self.problems.append(f"{self.name}:{line}: invalid YAML: {what}")
        except yaml.YAMLError as exc:
            first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
            self.problems.append(f"{self.name}:1: invalid YAML: {first}")
        except RecursionError:
            self.problems.append(f"{self.name}:1: invalid YAML: nested too deeply")
        return None

    def mapping(
        self, node: yaml.Node, what: str, allowed: set[str] | None
    ) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """Pairs (key, key_node, value_node) of a mapping, checking keys."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping")
            return []
        seen: dict[str, int] = {}
        pairs: list[tuple[str, yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, f"{what} has a key that is not a plain name")
                continue
            key = str(key_node.value)
            if key in seen:
                self.problem(
                    key_node, f"duplicate key '{key}' in {what} (first on line {seen[key]})"
                )
                continue
            seen[key] = key_node.start_mark.line + 1
            if allowed is not None and key not in allowed:
                known = ", ".join(sorted(allowed))
                self.problem(key_node, f"unknown key '{key}' in {what} (known: {known})")
                continue
            pairs.append((key, key_node, value_node))
        return pairs

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{what} must be a single value")
            return None
        return str(node.value)

    def string_list(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        if isinstance(node, yaml.ScalarNode):
            return [(str(node.value), node)]
        if isinstance(node, yaml.SequenceNode):
            items = []
            for item in node.value:
                value = self.scalar(item, f"each entry of {what}")
                if value is not None:
                    items.append((value, item))
            return items
        self.problem(node, f"{what} must be a string or a list of strings")
        return []

    def render(self, node: yaml.Node, what: str) -> str | None:
        value = self.scalar(node, what)
        if value is not None and value not in RENDER_MODES:
            self.problem(node, f"{what} must be one of {', '.join(RENDER_MODES)}, not '{value}'")
            return None
        return value

    def boolean(self, node: yaml.Node, what: str) -> bool | None:
        value = self.scalar(node, what)
        if value is None:
            return None
        lowered = value.lower()
        if lowered in ("true", "yes", "on", "false", "no", "off"):
            return lowered in ("true", "yes", "on")
        self.problem(node, f"{what} must be true or false, not '{value}'")
        return None

    def number(self, node: yaml.Node, what: str, *, integer: bool, minimum: float) -> float | None:
        value = self.scalar(node, what)
        if value is None:
            return None
        try:
            number = int(value) if integer else float(value)
        except ValueError:
            kind = "a whole number" if integer else "a number"
            self.problem(node, f"{what} must be {kind}, not '{value}'")
            return None
        if number < minimum or number != number or number == float("inf"):
            self.problem(node, f"{what} must be at least {minimum:g}, not '{value}'")
            return None
        return number

    def slug(self, node: yaml.Node, what: str) -> str | None:
        value = str(node.value)
        if not SLUG.match(value) or len(value) > MAX_ID_LENGTH or value in RESERVED_IDS:
            self.problem(
                node,
                f"{what} '{value[:80]}' is not a slug (lowercase letters, digits and '-', "
                f"starting with a letter or digit, at most {MAX_ID_LENGTH} characters)",
            )
            return None
        return value

    # -- building -------------------------------------------------------------

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

    def url(self, node: yaml.Node, where: str) -> str | None:
        value = self.scalar(node, f"{where} url")
        if value is None:
            return None
        shown = redact_url(value)[:200]
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            self.problem(node, f"{where} has an invalid URL '{shown}'")
            return None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.problem(node, f"{where} URL '{shown}' is not an http(s) URL")
            return None
        if any(ch.isspace() or ord(ch) < 32 for ch in value):
            self.problem(node, f"{where} URL '{shown}' contains spaces or control characters")
            return None
        return value

    def selectors(self, node: yaml.Node, what: str) -> list[str]:
        from cssselect import GenericTranslator, SelectorError

        good = []
        for selector, item in self.string_list(node, what):
            try:
                GenericTranslator().css_to_xpath(selector)
            except SelectorError as exc:
                self.problem(item, f"{what}: bad CSS selector '{selector}' ({exc})")
                continue
            except Exception:  # cssselect raises assorted errors on odd input
                self.problem(item, f"{what}: bad CSS selector '{selector}'")
                continue
            good.append(selector)
        return good

    def watch(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        from conductatlas_cli.config.topics import check_watch  # issue 13

        return check_watch(self.string_list(node, what), what, self.problem)

    def regexes(self, node: yaml.Node, what: str) -> list[str]:
        good = []
        for pattern, item in self.string_list(node, what):
            try:
                re.compile(pattern)
            except (re.error, RecursionError, OverflowError) as exc:
                self.problem(item, f"{what}: bad regex '{pattern}' ({exc})")
                continue
            good.append(pattern)
        return good
