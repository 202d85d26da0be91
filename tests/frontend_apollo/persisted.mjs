// Apollo Client 4 with Apollo's persisted-queries link (hashes over GET for queries, as
// production frontends configure it) against a live Hindsight. Every request the link makes
// is logged, so the pytest side sees the protocol: a first query by hash only is answered
// PERSISTED_QUERY_NOT_FOUND, the link sends the text once, and a second client (a fresh
// process's cache) then runs the same query by hash alone. Prints one JSON report.
// Usage: node --conditions=development persisted.mjs HTTP_URL TOKEN
import { createHash } from "node:crypto";
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [httpUrl, token] = process.argv.slice(2);
const sent = [];

function logged(input, init) {
  const url = new URL(typeof input === "string" ? input : input.url);
  const body = init && init.body ? JSON.parse(init.body) : null;
  const carried = body || Object.fromEntries(url.searchParams);
  sent.push({ method: init?.method || "GET", hasQuery: Boolean(carried.query) });
  return fetch(input, init);
}

function client() {
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  const persisted = new PersistedQueryLink({ sha256, useGETForHashedQueries: true });
  const http = new HttpLink({ uri: httpUrl, headers: { authorization: `Bearer ${token}` }, fetch: logged });
  return new ApolloClient({ link: ApolloLink.from([persisted, http]), cache: new InMemoryCache() });
}

// A document of its own per run, so no earlier run has stored it.
const VIEWER = gql(`query Viewer${process.pid} { viewer { role subject } }`);

async function main() {
  const first = await client().query({ query: VIEWER, fetchPolicy: "network-only" });
  const firstRequests = sent.splice(0);
  const second = await client().query({ query: VIEWER, fetchPolicy: "network-only" });
  const secondRequests = sent.splice(0);
  console.log(JSON.stringify({ first: first.data, firstRequests, second: second.data, secondRequests }));
}

main().catch((error) => {
  console.log(JSON.stringify({ failed: String(error) }));
  process.exitCode = 1;
});
