"""What a Redis outage looks like to redis-py's callers: one tuple every Redis user catches."""

from __future__ import annotations

from redis.exceptions import RedisError

REDIS_FAILURES = (RedisError, OSError)
