// Small helpers for the map's elements.

export function element(tag, className, css) {
  const node = document.createElement(tag);
  if (className) { node.className = className; }
  if (css) { node.style.cssText = css; }
  return node;
}
