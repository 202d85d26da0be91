"""GraphQL documents the tests send, as clients would."""

OUTCOME_FIELDS = """
  id actionType outcomeType status predictedConfidence conversationId dealId repId teamId
  metadata createdAt windowEndsAt resolvedAt resolutionReason
"""

RECORD = f"""
mutation Record($input: RecordOutcomeInput!) {{
  recordOutcome(input: $input) {{
    __typename
    ... on Outcome {{ {OUTCOME_FIELDS} }}
    ... on ValidationError {{ field message }}
  }}
}}
"""

RESOLVE = f"""
mutation Resolve($input: ResolveOutcomeInput!) {{
  resolveOutcome(input: $input) {{
    __typename
    ... on Outcome {{ {OUTCOME_FIELDS} }}
    ... on ValidationError {{ field message }}
    ... on NotFoundError {{ requestedId message }}
  }}
}}
"""

SIGNAL = f"""
mutation Signal($input: RecordSignalInput!) {{
  recordSignal(input: $input) {{
    __typename
    ... on SignalRecorded {{
      signal {{ id kind occurredAt payload }}
      resolved {{ {OUTCOME_FIELDS} }}
    }}
    ... on ValidationError {{ field message }}
  }}
}}
"""

OUTCOME = f"query One($id: ID!) {{ outcome(id: $id) {{ {OUTCOME_FIELDS} }} }}"

OUTCOMES = """
query Page($filter: OutcomeFilter, $first: Int, $after: String) {
  outcomes(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id status actionType repId createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

DETECT = """
mutation {
  runDetection { resolved jobs { name examined resolved positive negative ambiguous expired } }
}
"""
