"""The client's GraphQL documents; a test validates them against the server's schema.graphql.
``python -m hindsight_client.documents`` prints them as a trusted-documents manifest."""

from __future__ import annotations

import hashlib
import json

RECORD_OUTCOMES = """
mutation HindsightRecordOutcomes($inputs: [RecordOutcomeInput!]!) {
  recordOutcomes(inputs: $inputs) { __typename ... on ValidationError { field message } }
}
"""

RECORD_SIGNALS = """
mutation HindsightRecordSignals($inputs: [RecordSignalInput!]!) {
  recordSignals(inputs: $inputs) { __typename ... on ValidationError { field message } }
}
"""

MULTIPLIER = """
query HindsightMultiplier($actionType: String!) {
  calibratedConfidence(actionType: $actionType, confidence: 1, method: MULTIPLIER) { multiplier }
}
"""

BATCHES = {
    "outcome": ("recordOutcomes", RECORD_OUTCOMES),
    "signal": ("recordSignals", RECORD_SIGNALS),
}


def manifest() -> dict[str, str]:
    """The client's documents by SHA-256 (hex) of their text: what a server running with
    trusted documents only (``HINDSIGHT_TRUSTED_DOCUMENTS``) must list for the agent."""
    texts = (RECORD_OUTCOMES, RECORD_SIGNALS, MULTIPLIER)
    return {hashlib.sha256(text.encode()).hexdigest(): text for text in texts}


if __name__ == "__main__":  # python -m hindsight_client.documents > client-documents.json
    print(json.dumps(manifest(), indent=2))
