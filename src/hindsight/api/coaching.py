"""Coaching fields of the Query root (docs/concepts/coaching.md): each asks one resolver and maps
the domain patterns it returns onto ``CoachingPattern`` (``schema/coaching.py``).

Statistics: success rate = POSITIVE / (POSITIVE + NEGATIVE) with a 95% Wilson interval;
``confidence`` is the statistic ``evidence.confidenceMeasure`` names — the Wilson lower
bound for rankings, 1 − the Benjamini–Hochberg adjusted p of a two-proportion z-test for
comparisons, 1 − the Wilson upper bound (the failure rate's lower bound) for failing areas.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from hindsight.resolvers import coaching as resolvers
from hindsight.schema import args
from hindsight.schema.coaching import CoachingPattern
from hindsight.schema.context import Info
from hindsight.schema.period import PeriodInput

ROLES = " For MANAGER (the whole tenant), EXECUTIVE, ANALYST and ADMIN."


@strawberry.type
class CoachingQuery:
    @strawberry.field(
        description=(
            "Action effectiveness (each action type against the tenant's other actions: "
            "two-proportion z-test, Benjamini–Hochberg over the per-action tests; verdict "
            "ABOVE/BELOW when adjustedPValue ≤ 0.05, else SIMILAR), outcome types the agent "
            "wins and loses (the same test over outcome types), low-success areas (as "
            "improvementAreas), and FEEDBACK_MISMATCH: feedbackMean ≥ 0.7 but successRate "
            "< 0.4, or feedbackMean < 0.4 but successRate ≥ 0.7, with ≥ minSamples decided "
            "outcomes and ≥ minSamples ratings; only subjects with ≥ minSamples decided "
            "outcomes." + ROLES
        )
    )
    async def coaching_patterns(
        self,
        info: Info,
        period: Annotated[PeriodInput | None, args.PERIOD] = None,
        min_samples: Annotated[
            int | None,
            strawberry.argument(description="Decided outcomes a subject needs to be judged."),
        ] = 20,
    ) -> list[CoachingPattern] | None:
        found = await resolvers.coaching_patterns(
            info.context, period, 20 if min_samples is None else min_samples
        )
        return [CoachingPattern.from_domain(p) for p in found]

    @strawberry.field(
        description=(
            "Per escalation trigger (metadata.trigger; 'unspecified' without one), most "
            "frequent first: fires = ESCALATION outcomes acted on in the period, "
            "shareOfEscalations = fires / all of them, helpful rate = POSITIVE / (POSITIVE + "
            "NEGATIVE). helpfulness: UNHELPFUL when its Wilson upper bound < 0.5, HELPFUL when "
            "its lower bound > 0.5, else UNCLEAR; calibration: OVER_CONFIDENT when the mean "
            "stated confidence of the judged ones lies above the Wilson interval, "
            "UNDER_CONFIDENT below it, else CALIBRATED." + ROLES
        )
    )
    async def escalation_patterns(
        self, info: Info, period: Annotated[PeriodInput | None, args.PERIOD] = None
    ) -> list[CoachingPattern] | None:
        found = await resolvers.escalation_patterns(info.context, period)
        return [CoachingPattern.from_domain(p) for p in found]

    @strawberry.field(
        description=(
            "Action types ranked by the 95% Wilson lower bound of their success rate (ties: "
            "larger sample, then name), so 3 of 3 never beats 80 of 100; limit 1 to 100; "
            "evidence.overallRate = the tenant's POSITIVE / (POSITIVE + NEGATIVE)." + ROLES
        )
    )
    async def top_performing_actions(
        self,
        info: Info,
        period: Annotated[PeriodInput | None, args.PERIOD] = None,
        limit: Annotated[int | None, strawberry.argument(description="How many, 1 to 100.")] = 10,
    ) -> list[CoachingPattern] | None:
        found = await resolvers.top_performing_actions(
            info.context, period, 10 if limit is None else limit
        )
        return [CoachingPattern.from_domain(p) for p in found]

    @strawberry.field(
        description=(
            "Action types succeeding less than 40% of the time whose Wilson upper bound is "
            "below 0.5, each with a concrete recommendation." + ROLES
        )
    )
    async def improvement_areas(
        self, info: Info, period: Annotated[PeriodInput | None, args.PERIOD] = None
    ) -> list[CoachingPattern] | None:
        found = await resolvers.improvement_areas(info.context, period)
        return [CoachingPattern.from_domain(p) for p in found]
