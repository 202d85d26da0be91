// The few DOM and number helpers every panel module uses.

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export const pct = (x) => (x == null ? "—" : `${(x * 100).toFixed(1)}%`);
export const count = (x) => String(x);
export const num = (x, digits = 3) => (x == null ? "—" : Number(x).toFixed(digits));
