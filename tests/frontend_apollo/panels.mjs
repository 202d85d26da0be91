// Apollo Client 4 against a live Hindsight, configured only with generated possibleTypes and
// relayStylePagination on `outcomes`: two panels sharing a dashboard, paging forward and
// back, a mutation, and a dashboardUpdates push must all land in the cached queries, with
// no cache warning; an outcomeEvents feed resumes after its last cursor when the socket
// comes back. Prints one JSON report on stdout; the pytest side asserts on it.
// Usage: node --conditions=development panels.mjs HTTP_URL WS_URL TOKEN TEAM
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition, relayStylePagination } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [httpUrl, wsUrl, token, team] = process.argv.slice(2);
const DEADLINE_MS = 60_000;
const warnings = [];
for (const level of ["warn", "error"]) {
  console[level] = (...args) => warnings.push(args.map(String).join(" "));
}

async function post(query, variables = {}) {
  const response = await fetch(httpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

// The possibleTypes Apollo's docs generate from introspection: every union and interface.
async function possibleTypes() {
  const data = await post("{ __schema { types { kind name possibleTypes { name } } } }");
  const found = {};
  for (const type of data.__schema.types) {
    if (type.possibleTypes) found[type.name] = type.possibleTypes.map((t) => t.name);
  }
  return found;
}

function client(types) {
  const ws = new GraphQLWsLink(
    createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } }),
  );
  const http = new HttpLink({ uri: httpUrl, headers: { authorization: `Bearer ${token}` } });
  const isSubscription = ({ query }) => {
    const definition = getMainDefinition(query);
    return definition.kind === "OperationDefinition" && definition.operation === "subscription";
  };
  const cache = new InMemoryCache({
    possibleTypes: types,
    typePolicies: { Query: { fields: { outcomes: relayStylePagination(["filter", "orderBy"]) } } },
  });
  return new ApolloClient({ link: ApolloLink.split(isSubscription, ws, http), cache });
}

// The latest result of a watched query, and a way to wait until it satisfies a predicate.
function watch(apollo, query, variables) {
  const observable = apollo.watchQuery({ query, variables });
  const state = { observable, data: undefined, waiters: [] };
  observable.subscribe({
    next(result) {
      state.data = result.data;
      state.waiters = state.waiters.filter(([ok, resolve]) => !(ok(state.data) && (resolve(), true)));
    },
    error(error) { warnings.push(`query error: ${error}`); },
  });
  state.until = (ok, what) => new Promise((resolve, reject) => {
    if (state.data && ok(state.data)) return resolve();
    state.waiters.push([ok, resolve]);
    setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), DEADLINE_MS).unref();
  });
  return state;
}

const HEADER = gql`query Header($team: String!) {
  managerDashboard(teamId: $team) { id from to metrics { actions successRate } } }`;
const REPS = gql`query Reps($team: String!) {
  managerDashboard(teamId: $team) { id reps { repId metrics { actions } } } }`;
const LIST = gql`query List($filter: OutcomeFilter, $first: Int, $after: String, $last: Int, $before: String) {
  outcomes(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { id status repId } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
const RESOLVE = gql`mutation Resolve($input: ResolveOutcomeInput!) {
  resolveOutcome(input: $input) { __typename
    ... on Outcome { id status }
    ... on ValidationError { field message }
    ... on NotFoundError { requestedId message } } }`;
const UPDATES = gql`subscription Board($team: String!) {
  dashboardUpdates(scope: { teamId: $team }) { __typename id
    ... on ManagerDashboard { from to metrics { actions successRate } reps { repId metrics { actions } } } } }`;
const RECORD = `mutation($input: RecordOutcomeInput!) { recordOutcome(input: $input) { __typename } }`;

const ids = (data) => data.outcomes.edges.map((e) => e.node.id);
const EVENTS = gql`subscription Events($after: String) {
  outcomeEvents(after: $after) { id cursor outcome { id status } } }`;
const RECORDED = `mutation($input: RecordOutcomeInput!) { recordOutcome(input: $input) { ... on Outcome { id } } }`;

async function recordOne(conversationId) {
  const input = { actionType: "send_email", outcomeType: "ENGAGEMENT", predictedConfidence: 0.5,
                  conversationId, repId: "rep-1", teamId: team };
  return (await post(RECORDED, { input })).recordOutcome.id;
}

// An app's resumable feed: it keeps the last cursor and, when graphql-ws has reconnected
// (retrying on its own), subscribes again with `after` set to it. Events that arrive twice
// (at least once) are dropped by id.
function resumableFeed(types) {
  let open = () => {};
  let gate = Promise.resolve();  // retries wait on it: the script decides when to come back
  const feed = { after: null, outcomes: [], deliveries: {}, waiters: [], resumedWith: [] };
  const ws = createClient({
    url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 10, retryWait: () => gate,
    on: { connected: (_socket, _payload, wasRetry) => { if (wasRetry) feed.restart(); } },
  });
  const apollo = new ApolloClient({ link: new GraphQLWsLink(ws), cache: new InMemoryCache({ possibleTypes: types }) });
  feed.start = () => {
    feed.resumedWith.push(feed.after);
    feed.current = apollo.subscribe({ query: EVENTS, variables: { after: feed.after } }).subscribe({
      next: ({ data }) => {
        const event = data.outcomeEvents;
        feed.after = event.cursor;
        feed.deliveries[event.id] = (feed.deliveries[event.id] || 0) + 1;
        if (feed.deliveries[event.id] === 1) feed.outcomes.push(event.outcome.id);
        feed.waiters = feed.waiters.filter(([ok, resolve]) => !(ok() && (resolve(), true)));
      },
      error: (error) => warnings.push(`feed error: ${error}`),
    });
  };
  feed.restart = () => { feed.current.unsubscribe(); feed.start(); };
  feed.until = (ok, what, within = DEADLINE_MS) => new Promise((resolve, reject) => {
    if (ok()) return resolve(true);
    feed.waiters.push([ok, resolve]);
    setTimeout(() => (within < DEADLINE_MS ? resolve(false) : reject(new Error(`timed out waiting for ${what}`))), within).unref();
  });
  feed.drop = () => { gate = new Promise((resolve) => { open = resolve; }); ws.terminate(); };
  feed.comeBack = () => open();
  feed.stop = () => { feed.current.unsubscribe(); ws.dispose(); };
  return feed;
}

async function resumeScenario(types) {
  const feed = resumableFeed(types);
  const ours = new Set();  // without a cursor the feed may start with an event from just before
  const mine = () => feed.outcomes.filter((id) => ours.has(id));
  const record = async (conversation) => { const id = await recordOne(conversation); ours.add(id); return id; };
  feed.start();
  // A subscription is not acknowledged: record until one of these arrives (bounded).
  const before = [];
  for (let i = 0; i < 40 && !mine().length; i++) {
    before.push(await record(`c-feed-${i}`));
    await feed.until(() => mine().length > 0, "a first event", 500);
  }
  const live = before.slice(before.indexOf(mine()[0]));  // recorded once it listened
  await feed.until(() => live.every((id) => feed.outcomes.includes(id)), "the first events");
  feed.drop();  // the socket dies; retries wait until comeBack()
  const away = await record("c-away");  // committed while the feed cannot connect
  feed.comeBack();
  await feed.until(() => feed.outcomes.includes(away), "the event missed while away");
  const later = await record("c-later");
  await feed.until(() => feed.outcomes.includes(later), "a live event after the resume");
  feed.stop();
  return { expected: [...live, away, later], outcomes: mine(), deliveries: feed.deliveries,
           resumedWith: feed.resumedWith };
}

async function main() {
  const apollo = client(await possibleTypes());
  const report = {};
  // Two panels asking for different fields of one dashboard.
  const header = watch(apollo, HEADER, { team });
  const reps = watch(apollo, REPS, { team });
  await header.until((d) => d.managerDashboard, "the header");
  await reps.until((d) => d.managerDashboard, "the reps panel");
  report.headerActions = header.data.managerDashboard.metrics.actions;
  report.repsActions = reps.data.managerDashboard.reps.map((r) => [r.repId, r.metrics.actions]);
  // Paging forward: the watched list grows.
  const list = watch(apollo, LIST, { first: 2 });
  await list.until((d) => d.outcomes, "the first page");
  await list.observable.fetchMore({ variables: { after: list.data.outcomes.pageInfo.endCursor } });
  await list.until((d) => d.outcomes.edges.length === 4, "the second page in the list");
  report.forward = ids(list.data);
  report.totalCount = list.data.outcomes.totalCount;
  // Paging back from the tail of another list (another filter, so another cache entry).
  const tail = watch(apollo, LIST, { filter: { repId: "rep-1" }, last: 2 });
  await tail.until((d) => d.outcomes, "the last page");
  await tail.observable.fetchMore({
    variables: { last: 2, before: tail.data.outcomes.pageInfo.startCursor },
  });
  await tail.until((d) => d.outcomes.edges.length === 4, "the page before it in the list");
  report.backward = ids(tail.data);
  report.all = (await post(`{ outcomes(first: 50, filter: {repId: "rep-1"}) { edges { node { id } } } }`))
    .outcomes.edges.map((e) => e.node.id);
  // A mutation: the resolved outcome's new status shows in both lists.
  const target = report.forward[1];
  await apollo.mutate({ mutation: RESOLVE, variables: { input: { outcomeId: target, status: "POSITIVE" } } });
  await list.until((d) => d.outcomes.edges[1].node.status === "POSITIVE", "the mutation in the list");
  report.statusInTail = tail.data.outcomes.edges.find((e) => e.node.id === target)?.node.status;
  // A push: dashboardUpdates lands in both panels' cached queries, no glue code.
  const pushed = [];
  let firstSnapshot;
  const snapshotArrived = new Promise((resolve) => { firstSnapshot = resolve; });
  const board = apollo.subscribe({ query: UPDATES, variables: { team } }).subscribe({
    next: (result) => { pushed.push(result.data.dashboardUpdates); firstSnapshot(); },
    error: (error) => warnings.push(`subscription error: ${error}`),
  });
  const before = header.data.managerDashboard.metrics.actions;
  const outcome = { actionType: "send_email", outcomeType: "ENGAGEMENT", predictedConfidence: 0.6,
                    conversationId: "c-push", repId: "rep-2", teamId: team };
  await snapshotArrived;  // subscribed: the server sent the current snapshot first
  await post(RECORD, { input: outcome });
  await header.until((d) => d.managerDashboard.metrics.actions === before + 1, "the push in the header");
  await reps.until((d) => d.managerDashboard.reps.some((r) => r.repId === "rep-2" && r.metrics.actions === 1),
    "the push in the reps panel");
  report.pushedId = pushed.at(-1).id;
  report.queryId = header.data.managerDashboard.id;
  report.headerAfterPush = header.data.managerDashboard.metrics.actions;
  report.pushedTypes = [...new Set(pushed.map((p) => p.__typename))];
  board.unsubscribe();
  report.resume = await resumeScenario(await possibleTypes());
  report.dashboardEntries = Object.keys(apollo.cache.extract()).filter((k) => k.startsWith("ManagerDashboard:"));
  report.warnings = warnings;
  await apollo.stop?.();
  process.stdout.write(JSON.stringify(report) + "\n");
  process.exit(0);
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ failed: String(error.stack || error), warnings }) + "\n");
  process.exit(1);
});
