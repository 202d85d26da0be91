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

// Daily trend: actions per day as bars (right axis), success rate as a line (left axis, %),
// with a legend; one bar per day of the period, oldest on the left.
export function trendChart(points) {
  const W = 640, H = 260, L = 40, R = 40, T = 44, B = 34;
  const days = points.length || 1;
  const maxActions = Math.max(1, ...points.map((p) => p.metrics.actions));
  const x = (i) => L + ((W - L - R) * (i + 0.5)) / days;
  const yRate = (r) => T + (H - T - B) * (1 - r);
  const yCount = (n) => T + (H - T - B) * (1 - n / maxActions);
  const label = `Daily trend over ${points.length} days: bars are actions per day (right axis), the line is the success rate in % (left axis)`;
  const root = svg(W, H, label);
  root.classList.add("chart", "trend");
  legend(root, L);
  for (const r of [0, 0.5, 1]) {
    root.append(el("line", { x1: L, x2: W - R, y1: yRate(r), y2: yRate(r), class: "grid" }));
    root.append(el("text", { x: L - 6, y: yRate(r) + 4, class: "axis end" }, pct(r)));
  }
  root.append(el("text", { x: 2, y: T - 10, class: "axis unit" }, "success %"));
  root.append(el("text", { x: W - 2, y: T - 10, class: "axis end unit" }, "actions/day"));
  for (const n of [0, maxActions]) root.append(el("text", { x: W - R + 6, y: yCount(n) + 4, class: "axis" }, n));
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
    if (points[i]) root.append(el("text", { x: x(i), y: H - 16, class: "axis middle" }, points[i].day.slice(5)));
  });
  root.append(el("text", { x: L + (W - L - R) / 2, y: H - 3, class: "axis middle unit" }, "day (month-day)"));
  return root;
}

function legend(root, left) {
  const item = root.appendChild(el("g", { class: "legend" }));
  item.append(el("rect", { x: left, y: 6, width: 14, height: 10, class: "bar" }));
  item.append(el("text", { x: left + 20, y: 15, class: "axis" }, "Actions per day (right axis)"));
  item.append(el("line", { x1: left + 200, x2: left + 216, y1: 11, y2: 11, class: "rate" }));
  item.append(el("text", { x: left + 222, y: 15, class: "axis" }, "Success rate, % of decided (left axis)"));
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

// Multiplier history: the multiplier after each adjustment, oldest on the left (the API lists
// them newest first), so the line ends at the multiplier in use; both ends carry date and value.
export function multiplierHistory(curve) {
  const W = 300, H = 150, L = 42, R = 14, T = 24, B = 26;
  const changes = [...curve.adjustments].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const values = changes.length ? [changes[0].oldMultiplier, ...changes.map((a) => a.newMultiplier)] : [curve.multiplier];
  const days = changes.length ? [changes[0].at, ...changes.map((a) => a.at)].map((at) => at.slice(0, 10)) : [];
  const lo = Math.min(0.5, ...values), hi = Math.max(1.5, ...values);
  const x = (i) => L + ((W - L - R) * i) / Math.max(values.length - 1, 1);
  const y = (v) => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
  const label = `Multiplier history for ${curve.actionType}, oldest first: ${values.map((v) => v.toFixed(2)).join(", ")}`;
  const root = svg(W, H, label);
  root.classList.add("chart", "history");
  for (const v of [lo, 1, hi]) {
    root.append(el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    root.append(el("text", { x: L - 6, y: y(v) + 4, class: "axis end" }, `×${v.toFixed(1)}`));
  }
  root.append(el("polyline", { points: values.map((v, i) => `${x(i)},${y(v)}`).join(" "), class: "rate" }));
  values.forEach((v, i) => root.append(el("circle", { cx: x(i), cy: y(v), r: 3, class: "bin" })));
  if (!changes.length) {
    root.append(el("text", { x: W - R, y: 14, class: "axis end" }, `no adjustment yet: ×${values[0].toFixed(2)}`));
  } else {
    const last = values.length - 1;
    const rising = values[last] >= values[0];  // labels on the side the line leaves free
    const start = y(values[0]) + (rising ? 17 : -9), end = y(values[last]) + (rising ? -9 : 17);
    root.append(el("text", { x: x(0), y: start, class: "axis ends" }, `${days[0]} ×${values[0].toFixed(2)}`));
    root.append(el("text", { x: x(last), y: end, class: "axis ends end" }, `${days[last]} ×${values[last].toFixed(2)}`));
  }
  return root;
}
