"""Webhooks: partners' systems hear about their orders (issue 15, item 11).

``events`` (a low layer: the state machine and the numbers services call it inside their
transactions) records one delivery per subscribed endpoint and defers its job; ``tasks`` sends
it through ``services.delivery_send`` with retries and backoff; ``guard`` refuses addresses a
partner must not make Orion call; ``signing`` is the Standard Webhooks signature.
"""
