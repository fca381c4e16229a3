// Small inline SVG icons (no icon font, no emoji font needed), each
// decorative: the text next to it says what it means.

const NS = 'http://www.w3.org/2000/svg';

const PATHS = {
  email: 'M3 6h18v12H3z M3 6l9 7 9-7',
  document: 'M6 3h9l4 4v14H6z M15 3v4h4 M9 12h7 M9 16h7',
  social: 'M4 5h16v11H9l-4 4v-4H4z',
  image: 'M4 5h16v14H4z M4 16l5-5 4 4 3-3 4 4 M15 9.5a1.5 1.5 0 1 0 0.01 0',
  other: 'M5 5h14v14H5z',
};

// icon returns an SVG element for name, hidden from assistive technology.
export function icon(name, size = 16) {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', PATHS[name] || PATHS.other);
  svg.appendChild(path);
  return svg;
}
