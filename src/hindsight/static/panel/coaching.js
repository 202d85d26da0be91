// Coaching pattern cards: the finding, then which statistic its percentage is (the server
// names it in evidence.confidenceMeasure), with kinds in words and subjects as spelled.
import { h, pct } from "./dom.js";

const MAX_PATTERNS = 8;
// What a pattern's `confidence` is, by the symbol evidence.confidenceMeasure starts with.
const MEASURES = [
  ["wilsonLow", "Wilson 95% lower bound of the success rate"],
  ["1 - wilsonHigh", "1 − Wilson 95% upper bound (lower bound of the failure rate)"],
  ["1 - adjustedPValue", "1 − adjusted p (vs the rest of the tenant, Benjamini–Hochberg)"],
  ["Wilson 95% upper bound", "Wilson 95% upper bound of the success rate"],
];

function measure(pattern) {
  const named = pattern.evidence?.confidenceMeasure || "";
  const known = MEASURES.find(([symbol]) => named.startsWith(symbol));
  return known ? known[1] : named.split(":")[0] || "confidence";
}

const words = (kind) => kind.charAt(0) + kind.slice(1).toLowerCase().replaceAll("_", " ");

function card(p) {
  return h("li", { "data-kind": p.kind },
    h("p", { class: "kind" }, `${words(p.kind)} · `, h("code", { class: "subject" }, p.subject)),
    h("p", {}, p.description),
    h("p", { class: "hint" }, `Success rate ${pct(p.successRate)} of ${p.sampleSize} decided · `,
      h("span", { class: "measure" }, `${measure(p)}: ${pct(p.confidence)}`)),
    h("p", { class: "hint" }, p.recommendation));
}

// The list items for #coaching: up to MAX_PATTERNS cards, then where the rest are.
export function patternItems(patterns) {
  const items = patterns.slice(0, MAX_PATTERNS).map(card);
  if (patterns.length > MAX_PATTERNS) {
    items.push(h("li", { class: "hint" }, `${patterns.length - MAX_PATTERNS} more in GraphiQL (coachingPatterns).`));
  }
  return items.length ? items : [h("li", {}, "No pattern clear enough to act on yet.")];
}
