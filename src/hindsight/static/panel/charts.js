// Inline SVG charts drawn with the DOM (no library, no inline style: CSP-safe).

const NS = "http://www.w3.org/2000/svg";

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(width, height, label) {
  const root = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  root.append(el("title", {}, label));
  return root;
}

const pct = (x) => `${Math.round(x * 100)}%`;

// Daily trend: actions per day as bars, success rate as a line (0–100%).
export function trendChart(points) {
  const W = 640, H = 220, L = 40, R = 40, T = 12, B = 28;
  const days = points.length || 1;
  const maxActions = Math.max(1, ...points.map((p) => p.metrics.actions));
  const x = (i) => L + ((W - L - R) * (i + 0.5)) / days;
  const yRate = (r) => T + (H - T - B) * (1 - r);
  const yCount = (n) => T + (H - T - B) * (1 - n / maxActions);
  const label = `Daily trend over ${points.length} days: bars are actions, the line is the success rate`;
  const root = svg(W, H, label);
  root.classList.add("chart", "trend");
  for (const r of [0, 0.5, 1]) {
    root.append(el("line", { x1: L, x2: W - R, y1: yRate(r), y2: yRate(r), class: "grid" }));
    root.append(el("text", { x: L - 6, y: yRate(r) + 4, class: "axis end" }, pct(r)));
  }
  root.append(el("text", { x: W - R + 6, y: yCount(maxActions) + 4, class: "axis" }, maxActions));
  const barWidth = Math.max(2, (W - L - R) / days - 3);
  points.forEach((p, i) => {
    const y = yCount(p.metrics.actions);
    root.append(el("rect", { x: x(i) - barWidth / 2, y, width: barWidth, height: H - B - y, class: "bar" }));
  });
  const line = points
    .map((p, i) => (p.metrics.successRate == null ? null : `${x(i)},${yRate(p.metrics.successRate)}`))
    .filter(Boolean);
  if (line.length) root.append(el("polyline", { points: line.join(" "), class: "rate" }));
  [0, Math.floor(days / 2), days - 1].forEach((i) => {
    if (points[i]) root.append(el("text", { x: x(i), y: H - 8, class: "axis middle" }, points[i].day.slice(5)));
  });
  return root;
}

// Reliability diagram: observed rate against mean predicted confidence per bin, Wilson 95%
// bars, the diagonal of perfect calibration, and each bin's count along the bottom.
export function reliabilityDiagram(curve) {
  const S = 260, L = 40, T = 10, B = 40, P = S - L - 18;
  const x = (v) => L + P * v;
  const y = (v) => T + P * (1 - v);
  const used = curve.bins.filter((b) => b.count > 0);
  const label = `Reliability diagram for ${curve.actionType}: ${used.length} of 10 bins used, ${curve.sampleCount} outcomes`;
  const root = svg(S, T + P + B + 6, label);
  root.classList.add("chart", "reliability");
  root.append(el("rect", { x: L, y: T, width: P, height: P, class: "frame" }));
  for (const v of [0, 0.5, 1]) {
    root.append(el("text", { x: L - 6, y: y(v) + 4, class: "axis end" }, pct(v)));
    root.append(el("text", { x: x(v), y: T + P + 14, class: "axis middle" }, pct(v)));
  }
  root.append(el("line", { x1: x(0), y1: y(0), x2: x(1), y2: y(1), class: "diagonal" }));
  for (const bin of curve.bins) {
    const centre = x((bin.lower + bin.upper) / 2);
    root.append(el("text", { x: centre, y: T + P + 28, class: "count middle" }, bin.count));
  }
  root.append(el("text", { x: L + P / 2, y: T + P + 40, class: "axis middle" }, "n per bin · stated confidence →"));
  for (const bin of used) {
    const cx = x(bin.meanPredicted), cy = y(bin.observedRate);
    if (bin.wilsonLow != null) {
      root.append(el("line", { x1: cx, x2: cx, y1: y(bin.wilsonLow), y2: y(bin.wilsonHigh), class: "wilson" }));
    }
    const dot = el("circle", { cx, cy, r: 4, class: "bin" });
    dot.append(el("title", {}, `bin ${bin.index}: predicted ${pct(bin.meanPredicted)}, observed ${pct(bin.observedRate)} (n=${bin.count})`));
    root.append(dot);
  }
  return root;
}

// Multiplier history: each adjustment's new multiplier over time (1.0 marked).
export function multiplierHistory(curve) {
  const W = 260, H = 60, L = 40, R = 8, T = 6, B = 6;
  const values = [1, ...curve.adjustments.map((a) => a.newMultiplier)];
  if (curve.adjustments.length) values[0] = curve.adjustments[0].oldMultiplier;
  const lo = Math.min(0.5, ...values), hi = Math.max(1.5, ...values);
  const x = (i) => L + ((W - L - R) * i) / Math.max(values.length - 1, 1);
  const y = (v) => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
  const label = `Multiplier history for ${curve.actionType}: ${values.map((v) => v.toFixed(2)).join(", ")}`;
  const root = svg(W, H, label);
  root.classList.add("chart", "history");
  root.append(el("line", { x1: L, x2: W - R, y1: y(1), y2: y(1), class: "grid" }));
  root.append(el("text", { x: L - 6, y: y(1) + 4, class: "axis end" }, "×1.0"));
  root.append(el("polyline", { points: values.map((v, i) => `${x(i)},${y(v)}`).join(" "), class: "rate" }));
  values.forEach((v, i) => root.append(el("circle", { cx: x(i), cy: y(v), r: 2.5, class: "bin" })));
  return root;
}
