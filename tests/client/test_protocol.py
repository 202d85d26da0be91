"""The client's rules without a server: what each answer means, the backoff, the bounded
queue and the multiplier cache (plain values in, decisions out)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from hindsight_client import Hindsight, records
from hindsight_client.buffer import Buffer
from hindsight_client.calibration import Multipliers
from hindsight_client.protocol import Backoff, Pause, Post, Retry, Settled, Split, deliver, judge


def outcome(n: int) -> records.Record:
    return records.outcome(
        action_type="a", outcome_type="ENGAGEMENT", predicted_confidence=0.5, conversation_id=f"{n}"
    )


def answer(status: int, body: Any, **headers: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers)


def error(code: str, message: str = "no", **extensions: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


TWO = [outcome(0), outcome(1)]


@pytest.mark.parametrize(
    "reply",
    [
        httpx.ConnectError("refused"),
        answer(500, b"oops"),
        answer(502, b"<html>bad gateway</html>"),
        answer(503, error("SERVICE_UNAVAILABLE")),
        answer(200, error("SERVICE_UNAVAILABLE")),  # application/json: the code says it
        answer(429, b""),
        answer(200, b"not json"),
    ],
)
def test_retryable_answers(reply: httpx.Response | Exception) -> None:
    assert isinstance(judge("outcome", TWO, reply), Retry)


def test_retry_after_is_honoured_within_the_cap() -> None:
    verdict = judge("outcome", TWO, answer(429, b"", **{"retry-after": "3"}))
    assert isinstance(verdict, Retry) and verdict.after == 3.0
    assert Backoff(base=0.1, cap=10).delay(0, verdict.after) == 3.0
    assert Backoff(base=0.1, cap=2).delay(0, verdict.after) == 2.0


def test_each_item_is_sent_or_rejected_by_its_own_result() -> None:
    results = [{"__typename": "Outcome"}, {"__typename": "ValidationError", "field": "f"}]
    results[1]["message"] = "is wrong"
    verdict = judge("outcome", TWO, answer(200, {"data": {"recordOutcomes": results}}))
    assert isinstance(verdict, Settled)
    assert verdict.sent == TWO[:1]
    assert [(r.idempotency_key, r.field, r.message) for r in verdict.rejected] == [
        (TWO[1].key, "f", "is wrong")
    ]


def test_bad_input_for_the_whole_call_is_split_then_rejected_alone() -> None:
    refused = answer(400, error("BAD_USER_INPUT", "Variable '$inputs' got invalid value"))
    assert isinstance(judge("outcome", TWO, refused), Split)
    verdict = judge("outcome", TWO[:1], refused)
    assert isinstance(verdict, Settled) and len(verdict.rejected) == 1


def test_an_error_a_retry_cannot_fix_rejects_the_batch() -> None:
    verdict = judge("signal", TWO, answer(200, error("UNAUTHENTICATED", "bad token")))
    assert isinstance(verdict, Settled)
    assert [r.message for r in verdict.rejected] == ["bad token", "bad token"]


def test_backoff_grows_exponentially_with_full_jitter_under_the_cap() -> None:
    backoff = Backoff(base=0.25, cap=10.0)
    for attempt in range(12):
        ceiling = min(10.0, 0.25 * 2**attempt)
        delays = [backoff.delay(attempt) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered, so retrying clients do not march in step


def test_a_delivery_sends_the_same_body_again_and_gives_up_only_when_told() -> None:
    delivery = deliver("outcome", TWO, Backoff())
    first = next(delivery)
    assert isinstance(first, Post)
    pause = delivery.send(httpx.ReadTimeout("lost"))
    assert isinstance(pause, Pause) and pause.records == 2
    again = delivery.send(True)
    assert again == first  # the same inputs, so the same idempotency keys
    delivery.send(answer(503, b""))
    with pytest.raises(StopIteration) as done:
        delivery.send(False)  # the client is closing past its deadline
    assert done.value.value == Settled(dropped=TWO)


def test_a_full_queue_drops_its_oldest_and_flush_waits_for_what_came_before() -> None:
    buffer = Buffer(max_queue=3)
    for n in range(5):
        buffer.put(outcome(n))
    assert [r.input["conversationId"] for r in buffer.queue] == ["2", "3", "4"]
    assert buffer.stats().dropped == 2 and buffer.settled(2) and not buffer.settled(3)
    taken = buffer.take(2)
    assert not buffer.settled(3)  # in flight
    buffer.done(taken)
    assert buffer.settled(4) and not buffer.settled(5)


def test_multipliers_are_read_once_per_ttl_and_a_failed_read_keeps_the_last() -> None:
    now = [0.0]
    multipliers = Multipliers(ttl=60, clock=lambda: now[0])
    assert multipliers.known("a") is None
    assert multipliers.store("a", None) == 1.0  # nothing known yet: uncalibrated
    assert multipliers.store("a", 0.9) == 0.9
    now[0] = 59.0
    assert multipliers.due() == []
    now[0] = 60.0
    assert multipliers.due() == ["a"] and multipliers.due() == []  # one refresh at a time
    assert multipliers.store("a", None) == 0.9 and multipliers.known("a") == 0.9


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({}, "HINDSIGHT_URL"),
        ({"url": "127.0.0.1:8000/graphql"}, "http(s)://"),
        ({"url": "http://h/graphql", "flush_at": 501}, "flush_at"),
        ({"url": "http://h/graphql", "max_queue": 0}, "max_queue"),
    ],
)
def test_settings_that_cannot_work_are_refused_at_construction(
    monkeypatch: pytest.MonkeyPatch, options: dict[str, Any], complaint: str
) -> None:
    monkeypatch.delenv("HINDSIGHT_URL", raising=False)
    with pytest.raises(ValueError, match=re.escape(complaint)):
        Hindsight(**options)


def test_url_and_token_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HINDSIGHT_URL", "http://agent.example/graphql")
    monkeypatch.setenv("HINDSIGHT_TOKEN", "t0k")
    with Hindsight() as hs:
        assert hs.config.url == "http://agent.example/graphql"
        assert hs.config.headers()["authorization"] == "Bearer t0k"
