"""Leadership for the scheduler: a Redis key held with a TTL and renewed while its holder lives.

`RedisLease.hold()` takes the key when it is free (SET NX PX) or renews it when this holder has
it (a compare-and-expire script), and says whether this holder leads. A holder that dies stops
renewing; the key expires after the TTL and the next `hold()` of another holder takes it. A
holder that stops cleanly deletes the key (compare-and-delete) so the next one need not wait.
`LocalLease` is the one-process case (the embedded profile): always the leader.
"""

from __future__ import annotations

import os
import secrets
import socket
from typing import Protocol

import redis

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class Lease(Protocol):
    def hold(self) -> bool: ...

    def release(self) -> None: ...


class LocalLease:
    """The only scheduler of a single process."""

    def hold(self) -> bool:
        return True

    def release(self) -> None:
        return None


def holder_id() -> str:
    """host:pid:random, so an operator (or a test) can tell which process leads."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class RedisLease:
    def __init__(
        self,
        client: redis.Redis,
        ttl_seconds: float,
        *,
        key: str,
        holder: str | None = None,
    ) -> None:
        self.client = client
        self.key = key
        self.ttl_ms = max(1, int(ttl_seconds * 1000))
        self.holder = holder or holder_id()
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def hold(self) -> bool:
        if self._renew(keys=[self.key], args=[self.holder, self.ttl_ms]):
            return True
        return bool(self.client.set(self.key, self.holder, nx=True, px=self.ttl_ms))

    def release(self) -> None:
        self._release(keys=[self.key], args=[self.holder])

    def leader(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if isinstance(value, bytes) else None
