// A small GraphQL client: POST for queries, graphql-transport-ws over the browser's WebSocket
// for subscriptions, reconnecting with exponential backoff (and telling the panel, which then
// takes its snapshot again). A subscription with a `cursor(data)` function resumes after the
// last cursor it returned (sent as the `after` variable), so its events missed while away
// are replayed.

export async function query(token, document, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query: document, variables }),
  });
  const body = await response.json();
  if (body.errors && body.errors.length) {
    const error = new Error(body.errors.map((e) => e.message).join("; "));
    error.code = body.errors[0].extensions && body.errors[0].extensions.code;
    throw error;
  }
  return body.data;
}

const BACKOFF_MS = [500, 1000, 2000, 5000, 10000, 30000];

export class LiveConnection {
  // subscriptions: {id: {query, variables, next(data), cursor?(data)}}; onState(state, detail)
  constructor(token, subscriptions, onState) {
    this.token = token;
    this.subscriptions = subscriptions;
    this.onState = onState;
    this.attempt = 0;
    this.closed = false;
    this.open();
  }

  open() {
    const url = new URL("/graphql", window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    this.onState(this.attempt ? "reconnecting" : "connecting");
    const ws = new WebSocket(url, "graphql-transport-ws");
    this.ws = ws;
    ws.onopen = () => this.send({ type: "connection_init", payload: { authorization: `Bearer ${this.token}` } });
    ws.onmessage = (message) => this.receive(JSON.parse(message.data));
    ws.onclose = (event) => this.closedBy(event);
  }

  send(message) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  receive(message) {
    if (message.type === "connection_ack") {
      const reconnected = this.attempt > 0;
      this.attempt = 0;
      for (const [id, sub] of Object.entries(this.subscriptions)) {
        this.send({ id, type: "subscribe", payload: { query: sub.query, variables: sub.variables } });
      }
      this.onState("live", reconnected ? "reconnected" : "");
    } else if (message.type === "ping") {
      this.send({ type: "pong" });
    } else if (message.type === "next" && this.subscriptions[message.id]) {
      const sub = this.subscriptions[message.id];
      if (!message.payload.data) return;
      const after = sub.cursor && sub.cursor(message.payload.data);
      if (after) sub.variables = { ...sub.variables, after };  // the next subscribe resumes here
      sub.next(message.payload.data);
    } else if (message.type === "error") {
      this.onState("error", (message.payload || []).map((e) => e.message).join("; "));
    }
  }

  closedBy(event) {
    if (this.closed) return;
    if (event.code === 4403 || event.code === 4401) {
      this.onState("refused", event.reason || "token refused");
      return;
    }
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.onState("offline", `retrying in ${Math.round(delay / 1000)} s`);
    this.timer = window.setTimeout(() => this.open(), delay);
  }

  close() {
    this.closed = true;
    window.clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, "signed out");
  }
}
