"""One live registry (the dashboard hub, shared reads, outbox tails) per process: keyed by
the process's broker, held weakly, so an app that goes away (in tests) takes its own along."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from hindsight.events.broker import Broker
from hindsight.services import Services

T = TypeVar("T")


class PerProcess(Generic[T]):
    """``registry(services)``: the one ``T`` of that process, made by ``make`` on first use."""

    def __init__(self, make: Callable[[Services], T]) -> None:
        self._make = make
        self._made: weakref.WeakKeyDictionary[Broker, T] = weakref.WeakKeyDictionary()

    def __call__(self, services: Services) -> T:
        found = self._made.get(services.broker)
        if found is None:
            found = self._made[services.broker] = self._make(services)
        return found
