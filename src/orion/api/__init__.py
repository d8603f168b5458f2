"""Orion's REST API (django-ninja) and the personal API tokens that authenticate it."""
