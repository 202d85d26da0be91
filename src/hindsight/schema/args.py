"""Argument descriptions shared by several root fields."""

from __future__ import annotations

import strawberry

INPUT = strawberry.argument(
    description="What to write; a mistake comes back as ValidationError naming the field."
)
PERIOD = strawberry.argument(
    description="Which days (inclusive, in period.timeZone); default: the 30 ending today."
)
ACTION_TYPE = strawberry.argument(description="An action type, as outcomes carry it.")
ID = strawberry.argument(description="The id the object was returned with.")
REP_ID = strawberry.argument(description="The rep (the `repId` outcomes carry).")
TEAM_ID = strawberry.argument(description="The team (the `teamId` outcomes carry).")
INPUTS = strawberry.argument(
    description="Up to 500 items; one result per item, in order; the valid ones commit together."
)
