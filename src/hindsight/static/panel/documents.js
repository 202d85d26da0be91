// Every GraphQL document the panel sends, in one place, asking only for the fields it shows.
// (When the schema moves — Node ids, dashboardUpdates yielding the dashboard itself — this
// is the one file to change; the metric tiles' fields come from the server's registry.)
import { TILES } from "./metrics.js";

const METRICS = `
  ${TILES.map((tile) => tile.name).join(" ")}
  responseQuality { meanScore }`;

const PATTERN = `kind subject description successRate sampleSize confidence recommendation evidence`;

const BOARD = `
  from to previousFrom previousTo
  metrics { ${METRICS} }
  previous { ${METRICS} }
  trend { day metrics { actions successRate } }`;

const REP = `repId ${BOARD}`;

const MANAGER = `
  teamId ${BOARD}
  reps { repId displayName metrics { actions positive negative successRate } }
  coachingOpportunities { ${PATTERN} }`;

const EXECUTIVE = `automationRate hoursSaved ${BOARD}`;

const CURVE = `
  actionType sampleCount brierScore ece weightedGap calibratedGap multiplier
  bins { index lower upper count meanPredicted observedRate wilsonLow wilsonHigh }
  adjustments { at oldMultiplier newMultiplier }`;

export const VIEWER = `query Viewer { viewer { subject role team } }`;

export const TEAMS = `query Teams { teams { teamId } }`;

export const REP_SNAPSHOT = `query Rep($repId: String!) {
  repDashboard(repId: $repId) { ${REP} }
}`;

export const MANAGER_SNAPSHOT = `query Manager($teamId: String!) {
  managerDashboard(teamId: $teamId) { ${MANAGER} }
  calibrationCurves { ${CURVE} }
}`;

export const EXECUTIVE_SNAPSHOT = `query Executive {
  executiveSummary { ${EXECUTIVE} }
  coachingPatterns { ${PATTERN} }
  calibrationCurves { ${CURVE} }
}`;

// The update is the dashboard itself (the same type and id the query returns).
export const DASHBOARD_UPDATES = `subscription Dashboard($scope: DashboardScopeInput!) {
  dashboardUpdates(scope: $scope) {
    __typename
    ... on RepDashboard { ${REP} }
    ... on ManagerDashboard { ${MANAGER} }
    ... on ExecutiveSummary { ${EXECUTIVE} }
  }
}`;

export const CALIBRATION_UPDATES = `subscription Calibration {
  calibrationUpdates { ${CURVE} }
}`;

// Every outcome event, resumable: the connection passes the last `cursor` as `after` when it
// subscribes again, and the panel drops an event it already shows (at-least-once delivery).
export const OUTCOME_EVENTS = `subscription Activity($after: String) {
  outcomeEvents(after: $after) { eventId cursor kind status outcome { id actionType repId status } }
}`;
// The previous period's days, to tell whether "vs previous" compares with a whole period.
const DAYS = `trend { day metrics { actions } }`;
export const EARLIER = {
  rep: `query RepEarlier($repId: String!, $period: PeriodInput!) {
    board: repDashboard(repId: $repId, period: $period) { ${DAYS} } }`,
  manager: `query ManagerEarlier($teamId: String!, $period: PeriodInput!) {
    board: managerDashboard(teamId: $teamId, period: $period) { ${DAYS} } }`,
  executive: `query ExecutiveEarlier($period: PeriodInput!) {
    board: executiveSummary(period: $period) { ${DAYS} } }`,
};
