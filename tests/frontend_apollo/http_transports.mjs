// Live updates over plain HTTP, from the official clients, against a live Hindsight:
//  - Apollo Client 4 with an HttpLink only (no WebSocket link): dashboardUpdates and
//    outcomeEvents arrive over Apollo's multipart protocol and land in the cache;
//  - the graphql-sse client (distinct connections mode): outcomeEvents and a query over SSE,
//    and a refused document reaches the client as an error.
// Prints one JSON report on stdout; the pytest side asserts on it. Before each write it prints
// {"listening": N} and waits for a line on stdin: the pytest side answers once N outcomeEvents
// subscriptions listen on the server's broker (a subscription is not acknowledged).
// Usage: node --conditions=development http_transports.mjs HTTP_URL TOKEN TEAM
import { createInterface } from "node:readline";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { createClient } from "graphql-sse";

const [httpUrl, token, team] = process.argv.slice(2);
const DEADLINE_MS = 60_000;
const warnings = [];
for (const level of ["warn", "error"]) {
  console[level] = (...args) => warnings.push(args.map(String).join(" "));
}
const auth = { authorization: `Bearer ${token}` };

const RECORD = `mutation($input: RecordOutcomeInput!) { recordOutcome(input: $input) { __typename ... on Outcome { id } } }`;
const EVENTS = `subscription { outcomeEvents { eventId kind outcome { id status repId } } }`;
const BOARD = gql`subscription Board($team: String!) {
  dashboardUpdates(scope: { teamId: $team }) { __typename id
    ... on ManagerDashboard { metrics { actions } } } }`;

async function record(repId) {
  const input = { actionType: "send_email", outcomeType: "ENGAGEMENT", predictedConfidence: 0.6,
                  conversationId: `c-${repId}`, repId, teamId: team };
  const response = await fetch(httpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...auth },
    body: JSON.stringify({ query: RECORD, variables: { input } }),
  });
  return (await response.json()).data.recordOutcome.id;
}

const stdin = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function listening(count) {
  process.stdout.write(JSON.stringify({ listening: count }) + "\n");
  await stdin.next();
}

// Values pushed by a subscription, and a way to wait until one satisfies a predicate.
function collector(what) {
  const state = { values: [], waiters: [], errors: [] };
  state.push = (value) => {
    state.values.push(value);
    state.waiters = state.waiters.filter(([ok, resolve]) => !(ok(value) && (resolve(value), true)));
  };
  state.until = (ok) => new Promise((resolve, reject) => {
    const found = state.values.find(ok);
    if (found) return resolve(found);
    state.waiters.push([ok, resolve]);
    setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), DEADLINE_MS).unref();
  });
  return state;
}

async function apolloOverMultipart(report) {
  const apollo = new ApolloClient({
    link: new HttpLink({ uri: httpUrl, headers: auth }),
    cache: new InMemoryCache(),
  });
  const board = collector("a dashboard over multipart");
  const boardSub = apollo.subscribe({ query: BOARD, variables: { team } }).subscribe({
    next: (result) => board.push(result.data.dashboardUpdates),
    error: (error) => warnings.push(`multipart dashboard error: ${error}`),
  });
  const events = collector("an outcome event over multipart");
  const eventsSub = apollo.subscribe({ query: gql(EVENTS) }).subscribe({
    next: (result) => events.push(result.data.outcomeEvents),
    error: (error) => warnings.push(`multipart events error: ${error}`),
  });
  const first = await board.until(() => true);  // the snapshot comes first
  await listening(1);  // outcomeEvents has no such first answer
  const id = await record("rep-multipart");
  const event = events.until((e) => e.outcome.id === id);
  const pushed = await board.until((d) => d.metrics.actions > first.metrics.actions);
  report.multipart = {
    snapshotType: first.__typename,
    pushedSameId: pushed.id === first.id,
    eventKind: (await event).kind,
    cachedDashboard: Object.keys(apollo.cache.extract()).includes(`ManagerDashboard:${first.id}`),
  };
  boardSub.unsubscribe();
  return async () => { eventsSub.unsubscribe(); await apollo.stop?.(); };
}

function sseSubscribe(client, payload, sink) {
  return client.subscribe(payload, {
    next: (value) => sink.push(value),
    error: (error) => { sink.errors.push(String(error?.message ?? error)); sink.push({ error }); },
    complete: () => sink.push({ complete: true }),
  });
}

async function graphqlSse(report) {
  const client = createClient({ url: httpUrl, headers: auth, retryAttempts: 0 });
  const events = collector("an outcome event over SSE");
  const stop = sseSubscribe(client, { query: EVENTS }, events);
  await listening(2);  // the multipart one is still open
  const id = await record("rep-sse");
  const event = (await events.until((v) => v.data?.outcomeEvents.outcome.id === id)).data.outcomeEvents;
  stop();
  const query = collector("a query over SSE");
  sseSubscribe(client, { query: "{ viewer { role } }" }, query);
  const answer = await query.until((v) => v.data);
  await query.until((v) => v.complete);
  const refused = collector("a refused document over SSE");
  sseSubscribe(client, { query: "subscription { outcomeEvents { nope } }" }, refused);
  await refused.until((v) => v.error);
  report.sse = {
    eventKind: event.kind,
    eventRep: event.outcome.repId,
    hasEventId: typeof event.eventId === "string",
    query: answer.data,
    refused: refused.errors.length === 1,
  };
  client.dispose();
}

async function main() {
  const report = {};
  const stopApollo = await apolloOverMultipart(report);
  await graphqlSse(report);
  await stopApollo();
  report.warnings = warnings;
  process.stdout.write(JSON.stringify(report) + "\n");
  process.exit(0);
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ failed: String(error.stack || error), warnings }) + "\n");
  process.exit(1);
});
