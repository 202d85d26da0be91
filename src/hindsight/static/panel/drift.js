// Drift alerts above the tiles: the open ones when the view is shown, then
// kept current by the driftAlerts subscription — a new alert appears, an acknowledged one
// leaves. Each alert explains itself in one sentence (DriftAlert.summary, from the server).
import { query } from "./graphql.js";

const ALERT = "id actionType kind direction summary detectedAt raisedAt acknowledgedAt";
const SHOWN = 20;
export const OPEN_ALERTS = `query OpenDriftAlerts {
  driftAlerts(filter: { acknowledged: false }, first: ${SHOWN}) { totalCount nodes { ${ALERT} } }
}`;
export const DRIFT_UPDATES = `subscription DriftAlerts { driftAlerts { ${ALERT} } }`;
const ACKNOWLEDGE = `mutation AcknowledgeDriftAlert($id: ID!) {
  acknowledgeDriftAlert(id: $id) { __typename ... on DriftAlert { ${ALERT} } }
}`;
const READERS = new Set(["AGENT", "MANAGER", "EXECUTIVE", "ANALYST", "ADMIN"]);  // REP: none
const ACKNOWLEDGERS = new Set(["MANAGER", "ADMIN"]);

const open = new Map();  // id → alert, open ones only
let viewer = { token: null, role: null };
let total = 0;

const $ = (id) => document.getElementById(id);

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

export function readsAlerts(role) {
  return READERS.has(role);
}

// The open alerts now (called with every snapshot, so a reconnect is whole again).
export async function loadAlerts(token, role) {
  viewer = { token, role };
  open.clear();
  total = 0;
  if (readsAlerts(role)) {
    const { driftAlerts } = await query(token, OPEN_ALERTS);
    for (const alert of driftAlerts.nodes) open.set(alert.id, alert);
    total = driftAlerts.totalCount;
  }
  render();
}

// The panel's LiveConnection entry for the driftAlerts subscription.
export function alertUpdates() {
  return { query: DRIFT_UPDATES, variables: {}, next: (data) => applyAlert(data.driftAlerts) };
}

function applyAlert(alert) {
  const known = open.has(alert.id);
  if (alert.acknowledgedAt) {
    if (known) { open.delete(alert.id); total -= 1; }
  } else if (!known) {
    open.set(alert.id, alert);
    total += 1;
  }
  render();
}

async function acknowledge(alert, button) {
  button.disabled = true;
  try {
    const { acknowledgeDriftAlert: done } = await query(viewer.token, ACKNOWLEDGE, { id: alert.id });
    if (done.__typename === "DriftAlert") applyAlert(done);
  } finally {
    button.disabled = false;
  }
}

function item(alert) {
  const when = `detected ${alert.detectedAt.slice(0, 16).replace("T", " ")} UTC`;
  const li = h("li", { "data-alert": alert.id, "data-kind": alert.kind },
    h("p", { class: "summary" }, alert.summary),
    h("p", { class: "hint" }, `${alert.kind} · ${alert.direction} · ${when}`));
  if (ACKNOWLEDGERS.has(viewer.role)) {
    const button = h("button", { type: "button", class: "acknowledge" }, "Acknowledge");
    button.addEventListener("click", () => acknowledge(alert, button));
    li.append(button);
  }
  return li;
}

function render() {
  const alerts = [...open.values()].sort((a, b) => b.raisedAt.localeCompare(a.raisedAt)
    || b.detectedAt.localeCompare(a.detectedAt));
  $("drift").hidden = alerts.length === 0;
  $("drift-title").textContent = `Drift alerts (${total} open)`;
  const more = total > alerts.length ? [h("li", { class: "hint" }, `${total - alerts.length} more in GraphiQL (driftAlerts).`)] : [];
  $("drift-alerts").replaceChildren(...alerts.map(item), ...more);
}
