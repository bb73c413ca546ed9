"""Checks of single values in sources.yaml's node tree, each problem naming its line.

`NodeChecker` holds the problems found so far and the value checks (mappings
with known keys, strings, numbers, slugs, URLs, CSS selectors, regexes); the
loader (`load._Checker`) builds the model with them.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from conductatlas_cli.config.model import MAX_ID_LENGTH, RESERVED_IDS, SLUG, redact_url

# libyaml's parser when PyYAML has it: 15x faster, which `atlas log` and `status` feel.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SPACE_OR_CONTROL = re.compile(r"[\x00-\x1f\s]")
RENDER_MODES = ("http", "browser", "auto")  # as fetch.registry knows them


class NodeChecker:
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

    def url(self, node: yaml.Node, where: str) -> str | None:
        value = self.scalar(node, f"{where} url")
        if value is None:
            return None

        def shown() -> str:  # only for a problem: 10,000 URLs load on every command
            return redact_url(value)[:200]

        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            self.problem(node, f"{where} has an invalid URL '{shown()}'")
            return None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.problem(node, f"{where} URL '{shown()}' is not an http(s) URL")
            return None
        if _SPACE_OR_CONTROL.search(value):
            self.problem(node, f"{where} URL '{shown()}' contains spaces or control characters")
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

    def regexes(self, node: yaml.Node, what: str) -> list[str]:
        good = []
        for pattern, item in self.string_list(node, what):
            try:
                re.compile(pattern)
                _compile_bounded(pattern)
            except (re.error, RecursionError, OverflowError, ValueError) as exc:
                self.problem(item, f"{what}: bad regex '{pattern}' ({exc})")
                continue
            good.append(pattern)
        return good


def _compile_bounded(pattern: str) -> None:
    """Compile PATTERN as `ignore` rules run (the regex module; its error is a ValueError)."""
    import regex

    try:
        regex.compile(pattern)
    except regex.error as exc:
        raise ValueError(str(exc)) from None
