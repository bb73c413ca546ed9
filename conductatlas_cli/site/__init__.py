"""`atlas site`: the archive as a folder of static web pages (Jinja2 templates, one stylesheet).

Owns: the page model (`cards`, `text`), the templates and stylesheet, the
incremental writer (`writer`) and the build (`build`). Reads the archive only
through `data` and the change summary only through `cards`; imports nothing from
the CLI. Topics and feeds plug in through `hooks`.
"""

from conductatlas_cli.site.build import SiteResult, build_site
from conductatlas_cli.site.hooks import FeedLink, SiteHooks, Tagger, TopicInfo
from conductatlas_cli.site.writer import MANIFEST, SiteError

__all__ = [
    "MANIFEST",
    "FeedLink",
    "SiteError",
    "SiteHooks",
    "SiteResult",
    "Tagger",
    "TopicInfo",
    "build_site",
]
