"""The client's GraphQL documents; a test validates them against the server's schema.graphql."""

from __future__ import annotations

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
