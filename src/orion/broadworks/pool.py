"""A few authenticated OCI-P sessions shared by threads, with requests in flight bounded.

BroadWorks binds a session to its socket and allow-lists provisioning sources, and an
overloaded application server hurts every customer on it; so Orion keeps a small, fixed
number of logged-in connections instead of one per job, and a job waits for a free one.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from broadworks_ocip.base import OCIResponse

from orion.broadworks.client import BroadWorksClient, ExchangeHook, OCIResult, RequestLike
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.exceptions import OCITimeout


class BroadWorksPool:
    """Up to ``size`` clients, created lazily; each borrowed by one thread at a time."""

    def __init__(
        self,
        config: BroadWorksConfig,
        *,
        size: int | None = None,
        on_exchange: ExchangeHook | None = None,
        acquire_timeout: float | None = None,
    ) -> None:
        self.config = config
        self.size = size or config.pool_size
        self.on_exchange = on_exchange
        self.acquire_timeout = acquire_timeout
        self._idle: queue.LifoQueue[BroadWorksClient] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(self.size)
        self._all: list[BroadWorksClient] = []
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> BroadWorksPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def connection(self) -> Iterator[BroadWorksClient]:
        """Borrow a client; blocks while ``size`` requests are already in flight."""
        if not self._slots.acquire(timeout=self.acquire_timeout):
            raise OCITimeout(f"no free BroadWorks connection within {self.acquire_timeout} s")
        try:
            client = self._take()
            try:
                yield client
            finally:
                self._idle.put(client)
        finally:
            self._slots.release()

    @contextmanager
    def spare(self, most: int) -> Iterator[list[BroadWorksClient]]:
        """Up to ``most`` more clients whose slots are free right now, for one burst of
        concurrent documents; never waits. A run that holds one connection and waited for
        another could wait on a run doing the same: so it takes what is free, maybe none,
        and the pool's bound on requests in flight holds as ever."""
        taken: list[BroadWorksClient] = []
        try:
            while len(taken) < most and self._slots.acquire(blocking=False):
                try:
                    taken.append(self._take())
                except BaseException:
                    self._slots.release()
                    raise
            yield taken
        finally:
            for client in taken:
                self._idle.put(client)
                self._slots.release()

    def _take(self) -> BroadWorksClient:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                if self._closed:
                    raise RuntimeError("BroadWorksPool is closed") from None
                client = BroadWorksClient(self.config, on_exchange=self.on_exchange)
                self._all.append(client)
                return client

    def request(self, name: str, /, **fields: Any) -> OCIResponse:
        with self.connection() as client:
            return client.request(name, **fields)

    def batch(self, requests: Sequence[RequestLike]) -> list[OCIResult]:
        with self.connection() as client:
            return client.batch(requests)

    def batch_or_raise(self, requests: Sequence[RequestLike]) -> list[OCIResponse]:
        with self.connection() as client:
            return client.batch_or_raise(requests)

    def close(self) -> None:
        """Log out every session; borrowed clients close when their holders are done."""
        with self._lock:
            self._closed = True
            clients, self._all = self._all, []
        for client in clients:
            client.close()
