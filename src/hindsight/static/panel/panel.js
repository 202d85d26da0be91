// The live panel: sign in with a token (kept in sessionStorage), take a snapshot of the
// chosen view, then keep it current from dashboardUpdates and calibrationUpdates.
import * as docs from "./documents.js";
import { LiveConnection, query } from "./graphql.js";
import { multiplierHistory, reliabilityDiagram, trendChart } from "./charts.js";
import { TILES } from "./metrics.js";

const $ = (id) => document.getElementById(id);
const STORE = "hindsight.token";
const state = { token: null, viewer: null, view: "executive", team: "", live: null, curves: new Map(), activity: new Set() };

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

const pct = (x) => (x == null ? "—" : `${(x * 100).toFixed(1)}%`);
const count = (x) => String(x);
const num = (x, digits = 3) => (x == null ? "—" : Number(x).toFixed(digits));

// better: +1 when a rise is good news, -1 when it is bad news, 0 when it is neither.
function change(now, before, rate, better) {
  if (now == null || before == null) return h("span", { class: "change same" }, "no earlier data");
  const delta = now - before;
  const cls = delta * better > 0 ? "up" : delta * better < 0 ? "down" : "same";
  const sign = delta > 0 ? "+" : "";
  const text = rate ? `${sign}${(delta * 100).toFixed(1)} pts vs previous` : `${sign}${delta} vs previous`;
  return h("span", { class: `change ${cls}` }, text);
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
  $("period").textContent = `${board.from.slice(0, 10)} to ${lastDay} (UTC), compared with the 30 days before`;
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

const MAX_PATTERNS = 8;

function renderPatterns(patterns) {
  const items = patterns.slice(0, MAX_PATTERNS).map((p) => h("li", {},
    h("span", { class: "kind" }, `${p.kind} · ${p.subject}`),
    h("p", {}, p.description),
    h("p", { class: "hint" }, `${pct(p.successRate)} of ${p.sampleSize} · confidence ${pct(p.confidence)} — ${p.recommendation}`)));
  if (patterns.length > MAX_PATTERNS) items.push(h("li", { class: "hint" }, `${patterns.length - MAX_PATTERNS} more in GraphiQL (coachingPatterns).`));
  $("coaching").replaceChildren(...(items.length ? items : [h("li", {}, "No pattern clear enough to act on yet.")]));
}

const MAX_ACTIVITY = 20;

function addActivity(event) {
  if (state.activity.has(event.id)) return;  // delivered again after a reconnect
  state.activity.add(event.id);
  const o = event.outcome;
  const item = h("li", { "data-outcome-id": o.id, "data-event-id": event.id },
    h("span", { class: "kind" }, `${event.kind} · ${event.status}`),
    h("p", {}, `${o.actionType}${o.repId ? ` · ${o.repId}` : ""}`));
  const list = $("activity");
  list.prepend(item);
  while (list.children.length > MAX_ACTIVITY) list.lastElementChild.remove();
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
  const curves = [...state.curves.values()].filter((c) => c.sampleCount > 0)
    .sort((a, b) => a.actionType.localeCompare(b.actionType));
  $("calibration").replaceChildren(...curves.map(renderCurve));
}

function renderBoard(board, kind, patterns) {
  if (kind === "ManagerDashboard") {
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
  const text = { connecting: "Connecting…", reconnecting: "Reconnecting…", live: "Live", offline: "Offline",
    refused: "Token refused", error: "Error" }[stateName] || stateName;
  $("connection").dataset.state = stateName;
  $("connection").querySelector(".text").textContent = detail ? `${text} (${detail})` : text;
}

async function snapshot() {
  const data = state.view === "manager"
    ? await query(state.token, docs.MANAGER_SNAPSHOT, { teamId: state.team })
    : await query(state.token, docs.EXECUTIVE_SNAPSHOT);
  state.curves = new Map((data.calibrationCurves || []).map((c) => [c.actionType, c]));
  if (state.view === "manager") renderBoard(data.managerDashboard, "ManagerDashboard");
  else renderBoard(data.executiveSummary, "ExecutiveSummary", data.coachingPatterns || []);
  renderCurves();
}

function setCurve(curve) {
  state.curves.set(curve.actionType, curve);
  renderCurves();
}

function subscribe() {
  if (state.live) state.live.close();
  state.activity = new Set();
  $("activity").replaceChildren();
  const scope = state.view === "manager" ? { teamId: state.team } : { executive: true };
  state.live = new LiveConnection(state.token, {
    board: { query: docs.DASHBOARD_UPDATES, variables: { scope }, next: (d) => renderBoard(d.dashboardUpdates, d.dashboardUpdates.__typename) },
    curves: { query: docs.CALIBRATION_UPDATES, variables: {}, next: (d) => setCurve(d.calibrationUpdates) },
    activity: { query: docs.OUTCOME_EVENTS, variables: {}, cursor: (d) => d.outcomeEvents.cursor,
      next: (d) => addActivity(d.outcomeEvents) },
  }, (name, detail) => {
    setConnection(name, detail);
    if (name === "live" && detail === "reconnected") snapshot().catch(showError);  // whole again
  });
}

function showError(error) {
  $("sign-in-error").textContent = error.message;
  if (error.code === "UNAUTHENTICATED") signOut();
}

async function show() {
  state.view = new FormData($("view")).get("view");
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
