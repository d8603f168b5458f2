"""orion.core.forms_renderer writes the plain input widgets in Python: the HTML must be Django's,
byte for byte, for every value (hostile ones included), and Django's templates must still be
the ones it writes out."""

from __future__ import annotations

import datetime
from pathlib import Path

import django.forms
import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from orion.core.forms_renderer import INPUT_TEMPLATES, TEXTAREA_TEMPLATE, FormRenderer

WIDGETS = Path(django.forms.__file__).parent / "templates"

OURS, DJANGOS = FormRenderer(), DjangoTemplates()

HOSTILE = ['<script>alert("x")</script>', "a & b", "'quoted' \"double\"", "=cmd|' /C calc'!A0",
           "ünïcödé ✓", "line\nbreak", "  spaced  "]
VALUES = [None, "", "plain", 0, 3, 2.5, datetime.date(2026, 12, 3), ("a", 1),
          mark_safe("<b>safe</b>"), *HOSTILE]
ATTRS = [{}, {"required": True, "disabled": False, "maxlength": 80, "class": "wide"},
         {"data-x": '"><img src=x onerror=alert(1)>', "aria-label": mark_safe("a &amp; b"),
          "placeholder": "<name>", "min": 0, "autofocus": True, "checked": False}]


def _widgets() -> list[forms.Widget]:
    return [forms.TextInput(), forms.NumberInput(), forms.EmailInput(), forms.URLInput(),
            forms.PasswordInput(render_value=True), forms.PasswordInput(),
            forms.HiddenInput(), forms.DateInput(), forms.DateTimeInput(), forms.TimeInput(),
            forms.SearchInput(), forms.TelInput(), forms.ColorInput(), forms.FileInput(),
            forms.CheckboxInput(), forms.Textarea(), forms.Textarea(attrs={"rows": 3}),
            forms.DateInput(attrs={"type": "date"})]


def test_djangos_templates_are_the_ones_written_out():
    """A Django upgrade that changes these templates fails here, not silently in a page."""
    root = WIDGETS / "django" / "forms" / "widgets"
    include = '{% include "django/forms/widgets/input.html" %}\n'
    for name in INPUT_TEMPLATES - {"django/forms/widgets/input.html"}:
        assert (WIDGETS / name).read_text() == include, name
    assert (root / "input.html").read_text() == (
        '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %}'
        ' value="{{ widget.value|stringformat:\'s\' }}"{% endif %}'
        '{% include "django/forms/widgets/attrs.html" %}>\n')
    assert (root / "attrs.html").read_text() == (
        "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
        "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
        "{% endfor %}")
    assert (WIDGETS / TEXTAREA_TEMPLATE).read_text() == (
        '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
        "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>\n")
    # every widget template that is only the include is one this renderer writes out
    for path in root.glob("*.html"):
        if path.read_text() == include:
            assert f"django/forms/widgets/{path.name}" in INPUT_TEMPLATES, path.name


def test_orion_renders_forms_with_it():
    assert isinstance(get_default_renderer(), FormRenderer)


@pytest.mark.parametrize("widget", _widgets(), ids=lambda w: type(w).__name__)
def test_the_html_is_djangos(widget):
    for value in VALUES:
        for attrs in ATTRS:
            for name in ("field", 'na"me<x>'):
                ours = widget.render(name, value, attrs=dict(attrs), renderer=OURS)
                djangos = widget.render(name, value, attrs=dict(attrs), renderer=DJANGOS)
                assert ours == djangos, (type(widget).__name__, value, attrs)


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.none(), st.text(), st.integers(), st.booleans()),
       attr=st.one_of(st.text(), st.integers(), st.booleans(), st.none()),
       attr_name=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1,
                         max_size=8),
       textarea=st.booleans())
def test_any_value_renders_as_django_does(value, attr, attr_name, textarea):
    widget = forms.Textarea() if textarea else forms.TextInput()
    attrs = {attr_name: attr, "class": "x"}
    assert (widget.render("f", value, attrs=dict(attrs), renderer=OURS)
            == widget.render("f", value, attrs=dict(attrs), renderer=DJANGOS))


def test_a_bound_form_field_renders_as_django_does():
    class Contact(forms.Form):
        name = forms.CharField(max_length=80, help_text="<b>Full</b> name")
        email = forms.EmailField(required=False)
        notes = forms.CharField(widget=forms.Textarea, required=False)
        agree = forms.BooleanField(required=False)
        start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    data = {"name": '<img src=x onerror="1">', "email": "not-an-email", "notes": "a\n<b>",
            "agree": "on", "start": "2026-12-03"}
    ours, djangos = Contact(data, renderer=OURS), Contact(data, renderer=DJANGOS)
    for field in ("name", "email", "notes", "agree", "start"):
        assert str(ours[field]) == str(djangos[field])
    assert str(ours) == str(djangos)
