"""``{% powercrud_bundle %}``: the tags for PowerCRUD's packaged front-end bundle.

PowerCRUD ships a Vite build (``powercrud/assets``) with a manifest naming the hashed files.
Projects using django-vite load it with ``{% vite_asset %}``; this demo reads the manifest
itself so it needs no extra package.  ``powercrud/assets`` is in ``STATICFILES_DIRS``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

ENTRY = "config/static/js/main.js"


@cache
def _entry_files() -> tuple[tuple[str, ...], str]:
    manifest_path = resources.files("powercrud").joinpath("assets", "manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    entry = manifest[ENTRY]
    return tuple(entry.get("css", [])), entry["file"]


@register.simple_tag
def powercrud_bundle() -> SafeString:
    stylesheets, script = _entry_files()
    links = format_html_join(
        "\n", '<link rel="stylesheet" href="{}">', ((static(path),) for path in stylesheets)
    )
    return format_html('{}\n<script type="module" src="{}"></script>', links, static(script))
