"""The form renderer: Django's own, with the plain input widgets written out in Python.

Every ``<input>`` and ``<textarea>`` Django renders goes through three nested templates
(``text.html`` includes ``input.html``, which includes ``attrs.html``); on the order form that
was a fifth of the page's CPU for fourteen fields. This renderer produces the same HTML, byte
for byte, from the same widget context, and leaves every other template (selects, radio
lists, label and error templates, a widget's own template) to Django. ``tests/core/
test_forms_renderer.py`` renders widgets both ways, hostile values included, and checks that
Django's templates are still the ones written out here.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData

# Django's widget templates that are exactly ``{% include "django/forms/widgets/input.html" %}``.
INPUT_TEMPLATES = frozenset(f"django/forms/widgets/{name}.html" for name in (
    "checkbox", "color", "date", "datetime", "email", "file", "hidden", "input", "number",
    "password", "search", "tel", "text", "time", "url"))
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


class FormRenderer(DjangoTemplates):
    """``FORM_RENDERER``: the plain input widgets in Python, everything else as Django does."""

    def render(self, template_name: str, context: dict[str, Any],
               request: Any = None) -> str:
        if template_name in INPUT_TEMPLATES:
            return input_html(context["widget"])
        if template_name == TEXTAREA_TEMPLATE:
            return textarea_html(context["widget"])
        return super().render(template_name, context, request)


def input_html(widget: dict[str, Any]) -> str:
    """``input.html``: type, name, value unless None, then the attributes."""
    value = widget["value"]
    return (f'<input type="{conditional_escape(widget["type"])}" '
            f'name="{conditional_escape(widget["name"])}"'
            f'{"" if value is None else " value=" + _quoted(value)}{attrs_html(widget)}>')


def textarea_html(widget: dict[str, Any]) -> str:
    """``textarea.html``: the value (if any) after a newline, as browsers drop the first one."""
    value = widget["value"]
    return (f'<textarea name="{conditional_escape(widget["name"])}"{attrs_html(widget)}>\n'
            f'{conditional_escape(value) if value else ""}</textarea>')


def attrs_html(widget: dict[str, Any]) -> str:
    """``attrs.html``: `` name="value"``, a bare `` name`` for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else "=" + _quoted(value))
        for name, value in widget["attrs"].items() if value is not False)


def _quoted(value: object) -> str:
    """``"{{ value|stringformat:'s' }}"``: the text of the value, escaped unless marked safe."""
    try:
        text = "%s" % (str(value) if isinstance(value, tuple) else value)
    except (ValueError, TypeError):
        text = ""
    return f'"{text if isinstance(value, SafeData) else escape(text)}"'
