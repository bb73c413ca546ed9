"""The Jinja2 environment of the site: package templates, autoescaping always on.

Every `{{ value }}` is escaped, and before that cleaned of the characters HTML
does not allow in text (controls, noncharacters) and of bidi overrides, which
could make text read in another order than its own. Page text is data: it can
never become markup here.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from functools import lru_cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from conductatlas_cli import __version__

_PACKAGE = "conductatlas_cli.site"
_INVALID = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff"
    "\U0001fffe\U0001ffff\U0010fffe\U0010ffff\ud800-\udfff]"
)


def clean(value):
    """VALUE as text HTML allows (Markup from the templates themselves passes as it is)."""
    if value is None:
        return ""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return _INVALID.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


_TAGS = {"ins": ("<ins>", "</ins>"), "del": ("<del>", "</del>")}


def segments(parts) -> Markup:
    """Word-diff segments as text with <ins>/<del> around the added and removed runs."""
    out = []
    for part in parts:
        text = str(escape(clean(part.text)))
        tags = _TAGS.get(part.kind)
        out.append(f"{tags[0]}{text}{tags[1]}" if tags else text)
    return Markup("".join(out))


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _iso(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader(_PACKAGE, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=clean,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(when=_when, day=_day, iso=_iso, segments=segments)
    env.globals["atlas_version"] = __version__
    return env


def render(template: str, **context) -> bytes:
    """The page TEMPLATE renders with CONTEXT, as UTF-8 bytes."""
    return environment().get_template(template).render(**context).encode("utf-8")


def static_file(name: str) -> bytes:
    """A file of the site's static folder (the stylesheet)."""
    return resources.files(_PACKAGE).joinpath("static", name).read_bytes()


@lru_cache(maxsize=1)
def layout_digest() -> str:
    """A digest of every template and static file and of atlas's version."""
    sha = hashlib.sha256(__version__.encode())
    for folder in ("templates", "static"):
        root = resources.files(_PACKAGE).joinpath(folder)
        for item in sorted(root.iterdir(), key=lambda p: p.name):
            if item.is_file():
                sha.update(item.name.encode() + b"\0" + item.read_bytes() + b"\0")
    return sha.hexdigest()
