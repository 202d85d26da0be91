"""The formulas a client may recompute, written once for the schema's descriptions.

Each constant is the description of one type or field; the SDL (``schema.graphql``) carries
them, so an independent recomputation needs the API and its schema, nothing else.
"""

from __future__ import annotations

METRIC_BLOCK = """Outcome and feedback numbers of one scope over some whole UTC days.

An outcome counts on the UTC day the agent acted (createdAt), whatever day it resolved;
feedback counts on the UTC day it was given (FeedbackEntry.createdAt), whatever day its
outcome was acted on. Every rate is null when its denominator is 0:
successRate = positive / (positive + negative);
engagementScore = the same over IMMEDIATE_RESPONSE and ENGAGEMENT outcomes;
qualificationCompletionRate over QUALIFICATION, dealProgressionRate over DEAL_PROGRESSION;
escalationRate = ESCALATION outcomes / actions (all statuses, PENDING included).
responseQuality: count, mean score (null when count = 0; INLINE −1/0/1 → 0/0.5/1,
DASHBOARD 1..5 → (rating − 1)/4) and counts per (source, rating) of feedback on the scope's
outcomes (the tenant's: all feedback; a rep's: on their outcomes; a team's: on outcomes with
its teamId or by its members)."""

PERIOD = """The report covers whole UTC days: from's day through to's day, both included
(default: the 30 days ending today). `from` is the first midnight (UTC), `to` the midnight
after the last day; `previous` covers the same number of days just before `from`;
`trend` has one point per day of the period, empty days included."""

REP_ROW = """One rep of the team: the same metric block over the rep's outcomes that lie in
the team's scope (teamId = this team, or acted on by a member), and the feedback on exactly
those outcomes. Members without outcomes are listed with zeros."""

EXECUTIVE_CALIBRATION = """Calibration health per action type over ALL resolved outcomes
(all time): it ignores the period, like calibrationCurves. brierScore = Σ(p − y)²/N,
ece = Σ (n_b/N)·|meanPredicted_b − observedRate_b|, multiplier as of now."""

AUTOMATION = "1 − escalationRate of the period; null when it has no actions."

HOURS_SAVED = "actions × minutes_saved_per_action (setting, default 6) / 60, over the period."

HISTOGRAM = """MULTIPLIER: clamp(confidence × multiplier, 0, 1). HISTOGRAM:
(n_b·observedRate_b + k·confidence)/(n_b + k), k = 10, over the bin b that confidence falls in
(observed rate shrunk toward the raw confidence; the raw confidence for an empty bin). Both
return the raw confidence while sampleCount < calibration_min_samples (30)."""

COACHING_OPPORTUNITIES = """Reps and action types clearly below the team: at least 10 decided
outcomes in the team's scope and period, and the 95% Wilson upper bound of their success rate
below the team's successRate (confidence = that upper bound)."""

FEEDBACK_SUMMARY = """Feedback given on the period's whole UTC days (from's day through to's
day; default the 30 days ending today), exactly the days a dashboard with the same period
covers; `from`/`to` are the first midnight and the one after the last day. meanScore is null
when count = 0; `trend` has one point per day, empty days included."""

DRIFT_CALIBRATION = """CALIBRATION monitor: over the resolutions since the
monitor's start, in the order they were fed, with q_i = Outcome.calibratedConfidence and
y_i = 1 for POSITIVE, 0 for NEGATIVE: for θ in {−2.0, −1.9, …, 2.0} without 0 (40 points),
q_i(θ) = σ(logit q_i + θ), w_θ = exp(−θ²/(2·0.5²)) / Σ exp(−θ²/(2·0.5²)),
log L_θ = Σ_i [y_i·log(q_i(θ)/q_i) + (1 − y_i)·log((1 − q_i(θ))/(1 − q_i))],
E = Σ_θ w_θ·L_θ. An alert fires at the first resolution with at least drift_min_samples (50)
since the start and E ≥ 1/α (α = drift_alpha, 0.01): for a calibrated agent the chance of a
false alarm over the monitor's whole life is at most α (Ville's inequality). OVERCONFIDENT when
the θ < 0 terms hold most of E (outcomes worse than q says), else UNDERCONFIDENT."""

DRIFT_SUCCESS_RATE = """SUCCESS_RATE monitor: river.drift.ADWIN(delta =
drift_delta, 0.002; river's other defaults) fed y (1 POSITIVE, 0 NEGATIVE) since the monitor's
start. On a detection (with at least drift_min_samples since the start) ADWIN drops an older
sub-window: `before` is its rate and count, `after` the rate and count of the window it kept
(the newest resolutions); UP when after.rate > before.rate, else DOWN."""
