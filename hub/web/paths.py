"""Where the web assets live: ``static/`` (scripts, styles, vendored clients) and
``templates/`` (Jinja2 pages), both at the project root."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATES_DIR = ROOT / "templates"
