"""`atlas site`: the archive as a folder of static web pages (Jinja2 templates, one stylesheet).

Owns: the page model (`cards`, `text`), the templates and stylesheet, the
incremental writer (`writer`), version pages in worker processes (`versions`),
topic pages (`topics`) and the build (`build`: `build_site`, `build_project_site`).
Topics and feeds plug in through `hooks`.

May import: `archive` (only in `data`), `diff` (only in `cards`), `config`,
`atomic`, `errors`. Nothing but `cli` imports `site`.
"""

from conductatlas_cli.site.build import SiteResult, build_project_site, build_site
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
    "build_project_site",
    "build_site",
]
