"""``{% load money %}{{ line.amount|money }}`` -> ``$24.95``; ``{% currency %}`` -> ``USD``."""

from __future__ import annotations

from django import template

from orion.core.money import currency as _currency
from orion.core.money import format_money

register = template.Library()


@register.filter
def money(amount: object) -> str:
    return format_money(amount)


@register.simple_tag
def currency() -> str:
    return _currency()
