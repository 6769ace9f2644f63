"""Markdown from the Jinja templates in pipelines/templates/: the dataset card and its sections."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).with_name("templates")


def _number(value: float, digits: int | None = None) -> str:
    """1,234 (or 1,234.57 with `digits`)."""
    return f"{value:,}" if digits is None else f"{value:,.{digits}f}"


def _figure(value: float | None, fmt: str = ".3f") -> str:
    """A measured figure, or "undefined" where it could not be measured."""
    return "undefined" if value is None else format(value, fmt)


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             autoescape=False)  # Markdown, not HTML
    env.filters |= {"n": _number, "figure": _figure, "fmt": format}
    return env


def render(template: str, **context) -> str:
    """A template of pipelines/templates/ rendered with `context`."""
    return _environment().get_template(template).render(**context)
