"""sources.yaml → the model (`config.model`), with validation that names file:line.

Validation walks the YAML node tree (not the constructed objects) so every
problem can name the line it is on. Aliases and anchors are refused outright:
a list of URLs has no use for them, and refusing them closes the door on
"billion laughs" expansion.
"""

from __future__ import annotations

import re
from pathlib import Path
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

SETTINGS_KEYS = {
    "snapshots",
    "timeout",
    "jobs",
    "per_host",
    "user_agent",
    "max_bytes",
    "retries",
    "watch",
}
PLATFORM_KEYS = {"name", "documents"}
DOCUMENT_KEYS = {"url", "type", "select", "remove", "ignore", "min_chars", "watch"}
TOP_KEYS = {"settings", "platforms", "topics"}
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

    def problem(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
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

    def mapping(self, node: yaml.Node, what: str, allowed: set[str] | None):
        """Pairs (key, key_node, value_node) of a mapping, checking keys."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping")
            return []
        seen: dict[str, int] = {}
        pairs = []
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

    def number(self, node, what: str, *, integer: bool, minimum: float):
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

    def slug(self, node, what: str) -> str | None:
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
        platforms_node = None
        topics: dict = {}
        for key, key_node, value in self.mapping(node, "the top level", TOP_KEYS):
            if key == "settings":
                settings = self.build_settings(value)
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
            if pid is None:
                continue
            sources.extend(self.build_platform(pid, pnode))
        return Sources(path=self.path, settings=settings, sources=tuple(sources), topics=topics)

    def build_settings(self, node: yaml.Node) -> Settings:
        values: dict[str, object] = {}
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
            if doc is None:
                continue
            source = self.build_document(pid, name, doc, value)
            if source is not None:
                sources.append(source)
        return sources

    def build_document(self, pid: str, pname: str, doc: str, node: yaml.Node) -> Source | None:
        where = f"'{pid}/{doc}'"
        if isinstance(node, yaml.ScalarNode):
            url = self.url(node, where)
            if url is None:
                return None
            return Source(platform=pid, document=doc, url=url, platform_name=pname)
        fields: dict[str, object] = {}
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
        """Topic ids or heading patterns; a pattern must be a valid regex (issue 13)."""
        good = []
        for entry, item in self.string_list(node, what):
            try:
                re.compile(entry, re.IGNORECASE)
            except (re.error, RecursionError, OverflowError) as exc:
                self.problem(
                    item,
                    f"{what}: '{entry}' is neither a topic nor a valid heading pattern ({exc})",
                )
                continue
            good.append(entry)
        return tuple(good)

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
