// Small line icons (24×24), built as SVG nodes: the system has no colour emoji font to rely on.
const SVG = 'http://www.w3.org/2000/svg';

const PATHS = {
  bag: ['M6 8h12l-1 12H7L6 8z', 'M9 8V6a3 3 0 0 1 6 0v2'],
  heart: ['M12 20s-7-4.4-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.6-7 10-7 10z'],
  muted: ['M4 9h3l5-4v14l-5-4H4z', 'M16 9l5 6', 'M21 9l-5 6'],
  sound: ['M4 9h3l5-4v14l-5-4H4z', 'M16 8.5a5 5 0 0 1 0 7', 'M18.5 6a8.5 8.5 0 0 1 0 12'],
  play: ['M8 5l11 7-11 7z'],
  close: ['M6 6l12 12', 'M18 6L6 18'],
  bolt: ['M13 3L5 14h6l-1 7 8-11h-6z'],
  leaf: ['M5 19c0-8 6-14 14-14 0 8-6 14-14 14z', 'M5 19l8-8'],
  pin: ['M12 21s-6-5.6-6-11a6 6 0 0 1 12 0c0 5.4-6 11-6 11z', 'M12 12.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z'],
  ticket: ['M4 7h16v3a2 2 0 0 0 0 4v3H4v-3a2 2 0 0 0 0-4z', 'M10 7v10'],
  check: ['M5 12.5l4.5 4.5L19 7.5'],
  people: ['M9 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6z', 'M3 19a6 6 0 0 1 12 0', 'M16 5.5a3 3 0 0 1 0 5.5', 'M18 14a5 5 0 0 1 3 5'],
  edit: ['M4 20h4L19 9l-4-4L4 16z', 'M13 7l4 4'],
  receipt: ['M6 3h12v18l-3-2-3 2-3-2-3 2z', 'M9 8h6', 'M9 12h6'],
  chevron: ['M9 6l6 6-6 6'],
  replay: ['M4 12a8 8 0 1 0 2.4-5.7', 'M4 4v4h4'],
  cart: ['M3 4h2l2.2 10.5h10.3L20 7H6.2', 'M9 19.5a1 1 0 1 0 0-2 1 1 0 0 0 0 2z', 'M17 19.5a1 1 0 1 0 0-2 1 1 0 0 0 0 2z'],
};

export function icon(name, cls = '') {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', `icon icon-${name} ${cls}`.trim());
  for (const d of PATHS[name] || []) {
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', d);
    svg.append(p);
  }
  return svg;
}
