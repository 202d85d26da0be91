// The live panel: sign in with a token (kept in sessionStorage), take a snapshot of the
// chosen view, then keep it current from dashboardUpdates and calibrationUpdates.
import * as docs from "./documents.js";
import { LiveConnection, query } from "./graphql.js";
import { multiplierHistory, reliabilityDiagram, trendChart } from "./charts.js";
import { TILES } from "./metrics.js";
import { alertUpdates, loadAlerts, readsAlerts } from "./drift.js";
import { count, h, num, pct } from "./dom.js";
import { patternItems } from "./coaching.js";
import { activityUpdates } from "./activity.js";

const $ = (id) => document.getElementById(id);
const STORE = "hindsight.token";
const state = { token: null, viewer: null, view: "executive", team: "", live: null, curves: new Map(), coverage: null };

// better: +1 when a rise is good news, -1 when it is bad news, 0 when it is neither. A previous
// period with data on only its last days (state.coverage) is named partial and not coloured.
function change(now, before, rate, better) {
  const cover = state.coverage;
  if (now == null || before == null || cover?.covered === 0) return h("span", { class: "change same" }, "no earlier data");
  const delta = now - before;
  const sign = delta > 0 ? "+" : "";
  const amount = rate ? `${sign}${(delta * 100).toFixed(1)} pts` : `${sign}${delta}`;
  if (cover && cover.covered < cover.days) {
    return h("span", { class: "change partial" }, `${amount} vs previous (partial: ${cover.covered} of ${cover.days} days)`);
  }
  const cls = delta * better > 0 ? "up" : delta * better < 0 ? "down" : "same";
  return h("span", { class: `change ${cls}` }, `${amount} vs previous`);
}

// How much of the previous period has data: from its first day with an action to its end.
function coverage(trend) {
  const first = trend.findIndex((p) => p.metrics.actions > 0);
  return { days: trend.length, covered: first < 0 ? 0 : trend.length - first, since: first < 0 ? null : trend[first].day };
}

function comparedWith(cover) {
  if (!cover) return "compared with the 30 days before";
  if (cover.covered === 0) return `the ${cover.days} days before have no data, so nothing is compared`;
  if (cover.covered === cover.days) return `compared with the ${cover.days} days before`;
  return `compared with the ${cover.days} days before, which are partial: data only from ${cover.since} (${cover.covered} of ${cover.days} days)`;
}

function metric(key, label, value, previous, rate, format, better = 0) {
  return h("div", { "data-metric": key },
    h("dt", {}, label),
    h("dd", {}, h("span", { class: "value" }, format(value)), change(value, previous, rate, better)));
}

// One tile per metric of the registry (./metrics.js): a rate as a percentage, a count as is.
function tile(t, m, p) {
  const rate = t.kind === "rate";
  return metric(t.name, t.label, m[t.name], p[t.name], rate, rate ? pct : count, t.better);
}

function renderMetrics(board, extra) {
  const m = board.metrics, p = board.previous;
  $("metrics").replaceChildren(
    ...TILES.map((t) => tile(t, m, p)),
    metric("quality", "Response quality", m.responseQuality.meanScore, p.responseQuality.meanScore, true, pct, 1),
    ...extra,
  );
  // `to` is the exclusive end (the midnight after the last day): show the last day itself.
  const lastDay = new Date(Date.parse(board.to) - 86400000).toISOString().slice(0, 10);
  $("period").textContent = `${board.from.slice(0, 10)} to ${lastDay} (UTC), ${comparedWith(state.coverage)}`;
  $("trend").replaceChildren(trendChart(board.trend));
}

function renderReps(reps) {
  $("reps-section").hidden = !reps;
  if (!reps) return;
  $("reps").tBodies[0].replaceChildren(...reps.map((r) => h("tr", { "data-rep": r.repId },
    h("th", { scope: "row" }, r.displayName || r.repId),
    h("td", {}, String(r.metrics.actions)), h("td", {}, String(r.metrics.positive)),
    h("td", {}, String(r.metrics.negative)), h("td", {}, pct(r.metrics.successRate)))));
}

function renderPatterns(patterns) {
  $("coaching").replaceChildren(...patternItems(patterns));
}

function renderCurve(curve) {
  const stats = [["Outcomes", curve.sampleCount], ["Brier", num(curve.brierScore)], ["ECE", num(curve.ece)],
    ["Stated gap", num(curve.weightedGap)], ["Calibrated gap", num(curve.calibratedGap)],
    ["Multiplier", `×${num(curve.multiplier, 2)}`]];
  const article = h("article", { "data-action-type": curve.actionType },
    h("h3", {}, curve.actionType), reliabilityDiagram(curve),
    h("dl", {}, ...stats.flatMap(([k, v]) => [h("dt", {}, k), h("dd", { "data-stat": k }, String(v))])),
    h("p", { class: "hint" }, `Multiplier history (${curve.adjustments.length} changes)`), multiplierHistory(curve));
  return article;
}

function renderCurves() {
  if (state.view === "rep") return;  // not theirs to read: notForRep() says so
  const curves = [...state.curves.values()].filter((c) => c.sampleCount > 0)
    .sort((a, b) => a.actionType.localeCompare(b.actionType));
  $("calibration").replaceChildren(...curves.map(renderCurve));
}

const VIEWS = { RepDashboard: "rep", ManagerDashboard: "manager", ExecutiveSummary: "executive" };

function notForRep() {
  const why = "a REP token reads only its own numbers; these cover the whole tenant (MANAGER, EXECUTIVE, ANALYST or ADMIN).";
  $("coaching").replaceChildren(h("li", { class: "hint" }, `Coaching patterns are not shown: ${why}`));
  $("calibration").replaceChildren(h("p", { class: "hint" }, `Calibration curves are not shown: ${why}`));
}

function renderBoard(board, view, patterns) {
  if (view === "rep") {
    $("metrics-title").textContent = `Rep ${board.repId}: last 30 days`;
    renderMetrics(board, []);
    renderReps(null);
    notForRep();
  } else if (view === "manager") {
    $("metrics-title").textContent = `Team ${board.teamId}: last 30 days`;
    renderMetrics(board, []);
    renderReps(board.reps);
    renderPatterns(board.coachingOpportunities);
  } else {
    $("metrics-title").textContent = "Whole tenant: last 30 days";
    renderMetrics(board, [
      h("div", { "data-metric": "automationRate" }, h("dt", {}, "Automation rate"), h("dd", {}, h("span", { class: "value" }, pct(board.automationRate)))),
      h("div", { "data-metric": "hoursSaved" }, h("dt", {}, "Hours saved"), h("dd", {}, h("span", { class: "value" }, num(board.hoursSaved, 1)))),
    ]);
    renderReps(null);
    if (patterns) renderPatterns(patterns);
  }
}

function setConnection(stateName, detail = "") {
  const text = { "signed-in": "Signed in", connecting: "Connecting…", reconnecting: "Reconnecting…", live: "Live", offline: "Offline",
    refused: "Token refused", error: "Error" }[stateName] || stateName;
  $("connection").dataset.state = stateName;
  $("connection").querySelector(".text").textContent = detail ? `${text} (${detail})` : text;
}

const SNAPSHOTS = {
  rep: [docs.REP_SNAPSHOT, "repDashboard"],
  manager: [docs.MANAGER_SNAPSHOT, "managerDashboard"],
  executive: [docs.EXECUTIVE_SNAPSHOT, "executiveSummary"],
};

function scope() {
  return { rep: { repId: state.viewer.subject }, manager: { teamId: state.team }, executive: {} }[state.view];
}

// The previous period's days (one more query), so "vs previous" can say when it is partial.
async function earlier(board) {
  const period = { from: board.previousFrom, to: new Date(Date.parse(board.previousTo) - 1000).toISOString() };
  const { board: before } = await query(state.token, docs.EARLIER[state.view], { ...scope(), period });
  return coverage(before.trend);
}

async function snapshot() {
  const [document, field] = SNAPSHOTS[state.view];
  const data = await query(state.token, document, scope());
  state.coverage = await earlier(data[field]);
  state.curves = new Map((data.calibrationCurves || []).map((c) => [c.actionType, c]));
  renderBoard(data[field], state.view, data.coachingPatterns);
  renderCurves();
  await loadAlerts(state.token, state.viewer.role);
}

function setCurve(curve) {
  state.curves.set(curve.actionType, curve);
  renderCurves();
}

function subscribe() {
  if (state.live) state.live.close();
  const updates = state.view === "executive" ? { executive: true } : scope();
  const subscriptions = {
    board: { query: docs.DASHBOARD_UPDATES, variables: { scope: updates }, next: (d) => renderBoard(d.dashboardUpdates, VIEWS[d.dashboardUpdates.__typename]) },
  };
  if (state.view !== "rep") subscriptions.curves = { query: docs.CALIBRATION_UPDATES, variables: {}, next: (d) => setCurve(d.calibrationUpdates) };
  if (readsAlerts(state.viewer.role)) subscriptions.alerts = alertUpdates();
  subscriptions.activity = activityUpdates();  // resumes after its last cursor
  state.live = new LiveConnection(state.token, subscriptions, (name, detail) => {
    setConnection(name, detail);
    if (name === "live" && detail === "reconnected") snapshot().catch(showError);  // whole again
  });
}

// A refusal is said in words where the person is looking: on the board once signed in.
function showError(error) {
  const signedIn = !$("board").hidden && error.code !== "UNAUTHENTICATED";
  const refused = error.code === "FORBIDDEN" ? `Refused (${error.code}): ` : "";
  $(signedIn ? "board-error" : "sign-in-error").textContent = `${refused}${error.message}`;
  if (error.code === "UNAUTHENTICATED") signOut();
}

async function show() {
  $("board-error").textContent = "";
  state.view = state.viewer.role === "REP" ? "rep" : new FormData($("view")).get("view");
  state.team = $("team").value.trim() || state.viewer.team || "";
  if (state.view === "manager" && !state.team) { $("who").textContent = "Enter a team id for the manager view."; return; }
  await snapshot();
  subscribe();
}

async function signIn(token) {
  state.token = token;
  const { viewer } = await query(token, docs.VIEWER);
  state.viewer = viewer;
  query(token, docs.TEAMS).then(({ teams }) => {  // the team picker; a role without it types one
    $("teams").replaceChildren(...(teams || []).map((t) => h("option", { value: t.teamId })));
  }).catch(() => {});
  sessionStorage.setItem(STORE, token);
  $("sign-in").hidden = true;
  $("board").hidden = false;
  $("sign-out").hidden = false;
  setConnection("signed-in");
  $("view").toggleAttribute("data-fixed", viewer.role === "REP");  // a REP sees their own only
  $("who").textContent = `Signed in as ${viewer.subject} (${viewer.role}${viewer.team ? `, team ${viewer.team}` : ""}).`;
  const manager = viewer.role === "MANAGER";  // lands on their team; others on the tenant
  $("view").querySelector(`input[value="${manager ? "manager" : "executive"}"]`).checked = true;
  $("team").value = manager ? viewer.team || "" : "";
  await show();
}

function signOut() {
  sessionStorage.removeItem(STORE);
  if (state.live) state.live.close();
  state.live = null;
  $("board").hidden = true;
  $("sign-in").hidden = false;
  $("sign-out").hidden = true;
  setConnection("offline", "");
  $("connection").querySelector(".text").textContent = "Not signed in";
}

$("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  $("sign-in-error").textContent = "";
  signIn($("token").value.trim().replace(/^Bearer\s+/i, "")).catch(showError);
});
$("view").addEventListener("submit", (event) => { event.preventDefault(); show().catch(showError); });
$("sign-out").addEventListener("click", signOut);

const preset = document.querySelector('meta[name="hindsight-headers"]').content;
if (preset) $("token").value = JSON.parse(preset).Authorization.replace(/^Bearer /, "");  // embedded demo
const saved = sessionStorage.getItem(STORE);
if (saved) signIn(saved).catch(showError);
