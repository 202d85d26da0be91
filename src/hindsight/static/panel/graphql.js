// A small GraphQL client: POST for queries, graphql-transport-ws over the browser's WebSocket
// for subscriptions, reconnecting with exponential backoff (and telling the panel, which then
// takes its snapshot again). A subscription with a `cursor(data)` function resumes after the
// last cursor it returned (sent as `after` when the WebSocket subscribes again), so its events
// missed while away are replayed. When the WebSocket
// never gets through (a proxy without WebSockets), the subscriptions go over HTTP instead:
// graphql-sse, with the protocol's own client (vendored), which reconnects by itself.
import { createClient } from "./vendor/graphql-sse/client.mjs";

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
    this.acknowledged = false;  // once true, a lost socket is retried, not replaced
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
      this.acknowledged = true;
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
    if (!this.acknowledged) {
      this.overHttp();
      return;
    }
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.onState("offline", `retrying in ${Math.round(delay / 1000)} s`);
    this.timer = window.setTimeout(() => this.open(), delay);
  }

  // Each subscription on a stream of its own (graphql-sse's distinct connections mode).
  overHttp() {
    this.onState("connecting", "over HTTP");
    this.sse = createClient({
      url: new URL("/graphql", window.location.href).href,
      headers: { authorization: `Bearer ${this.token}` },
      retryAttempts: Infinity,
    });
    this.stops = Object.values(this.subscriptions).map((sub) => this.sse.subscribe(
      { query: sub.query, variables: sub.variables },
      {
        next: (result) => this.result(sub, result),
        error: (error) => this.onState("error", String((error && error.message) || error)),
        complete: () => {},
      },
      { connected: (reconnected) => this.onState("live", reconnected ? "reconnected" : "over HTTP") },
    ));
  }

  result(sub, result) {
    if (result.data) sub.next(result.data);
    const errors = result.errors || [];
    if (!errors.length) return;
    const code = errors[0].extensions && errors[0].extensions.code;
    this.onState(code === "UNAUTHENTICATED" ? "refused" : "error", errors.map((e) => e.message).join("; "));
  }

  close() {
    this.closed = true;
    window.clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, "signed out");
    for (const stop of this.stops || []) stop();
    if (this.sse) this.sse.dispose();
  }
}
