// The dashboard metrics the panel shows as tiles, declared once on the server
// (src/hindsight/domain/analytics/metrics.py) and read before the first query:
// [{name (as in GraphQL), label, kind ("count" | "rate"), better (+1, -1 or 0)}].
const response = await fetch("/panel/metrics.json");
if (!response.ok) throw new Error(`/panel/metrics.json answered ${response.status}`);

export const TILES = (await response.json()).metrics;
