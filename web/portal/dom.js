// Tiny DOM helpers. Every string goes in as text (textContent / attributes), never as HTML,
// so user data cannot inject markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// A labelled input: <label for=id>text</label><input id=id ...>
export function field(id, label, attrs = {}) {
  return [h("label", { for: id }, label), h("input", { id, name: attrs.name || id, ...attrs })];
}

export function form(id, children, onSubmit) {
  const el = h("form", { id }, children);
  el.addEventListener("submit", (event) => {
    event.preventDefault();
    onSubmit(new FormData(el), el);
  });
  return el;
}

export function card(id, title, ...children) {
  return h("section", { class: "card", id, "data-view": "" }, h("h2", {}, title), ...children);
}

// Draw a QR matrix (rows of 0/1) as SVG rectangles built with DOM calls.
export function qrSvg(matrix, label) {
  const ns = "http://www.w3.org/2000/svg";
  const size = matrix.length + 8;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");
  const bg = document.createElementNS(ns, "rect");
  bg.setAttribute("width", String(size));
  bg.setAttribute("height", String(size));
  bg.setAttribute("fill", "#fff");
  svg.append(bg);
  let d = "";
  matrix.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) d += `M${x + 4} ${y + 4}h1v1h-1z`;
    });
  });
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", d);
  path.setAttribute("fill", "#000");
  svg.append(path);
  return svg;
}
