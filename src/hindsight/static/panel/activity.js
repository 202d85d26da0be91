// Recent outcomes: outcomeEvents as they happen. The subscription hands graphql.js each
// event's cursor, so when the WebSocket comes back it resumes after the last one shown and the
// events missed meanwhile arrive; one already shown is dropped (delivery is at least once).
import { OUTCOME_EVENTS } from "./documents.js";
import { h } from "./dom.js";

const SHOWN = 20;
const seen = new Set();  // event ids shown since the subscription began

export function activityUpdates() {
  seen.clear();
  document.getElementById("activity").replaceChildren();
  return {
    query: OUTCOME_EVENTS,
    variables: {},
    cursor: (data) => data.outcomeEvents.cursor,
    next: (data) => add(data.outcomeEvents),
  };
}

function add(event) {
  if (seen.has(event.eventId)) return;
  seen.add(event.eventId);
  const o = event.outcome;
  const item = h("li", { "data-outcome-id": o.id, "data-event-id": event.eventId },
    h("span", { class: "kind" }, `${event.kind} · ${event.status}`),
    h("p", {}, `${o.actionType}${o.repId ? ` · ${o.repId}` : ""}`));
  const list = document.getElementById("activity");
  list.prepend(item);
  while (list.children.length > SHOWN) list.lastElementChild.remove();
}
