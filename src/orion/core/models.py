"""Rows that belong to no business app: the throttling counters (see ``orion.core.throttle``)."""

from __future__ import annotations

from django.db import models


class ThrottleCounter(models.Model):
    """How many times ``key`` did ``scope`` in the fixed window starting at ``window_start``.

    Kept in PostgreSQL so that every web process behind the load balancer shares one count
    (no extra server). ``key`` is a keyed hash of the address, username or e-mail, never the
    value itself.
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "window_start"],
                                    name="throttle_counter_once_per_window"),
        ]
        indexes = [models.Index(fields=["window_start"], name="throttle_counter_window")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]}… {self.count} since {self.window_start:%H:%M:%S}"
