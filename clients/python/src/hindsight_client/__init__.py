"""hindsight-client: how an agent reports to Hindsight without writing GraphQL.

``Hindsight`` (a background thread) and ``AsyncHindsight`` (a task; coroutine methods) queue
``record_outcome`` / ``record_signal`` and send them in batches, retried with the same
idempotency keys; ``calibrated_confidence`` computes locally. See docs/client.md.
"""

from hindsight_client.aio import AsyncHindsight
from hindsight_client.buffer import Stats
from hindsight_client.records import Rejected
from hindsight_client.sync import Hindsight

__all__ = ["AsyncHindsight", "Hindsight", "Rejected", "Stats"]
