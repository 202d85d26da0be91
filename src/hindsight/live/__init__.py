"""Live updates and shared reads, beside ``events/``: ``hub`` (the ``dashboardUpdates`` hub:
one computing task per tenant and scope), ``shared_reads`` (one read per key shared by
concurrent subscribers), ``coalesce`` (a burst of events folded into its newest value) and
``caching`` (report caching keyed by the tenant's cache version) and ``groups`` (subscriptions
whose subscribers see alike run once per group; used by ``ws``)."""

from hindsight.live.caching import cached
from hindsight.live.coalesce import coalesce
from hindsight.live.hub import LiveScope, Snapshot, hub_for
from hindsight.live.shared_reads import SharedReads, reads_for

__all__ = ["LiveScope", "SharedReads", "Snapshot", "cached", "coalesce", "hub_for", "reads_for"]
