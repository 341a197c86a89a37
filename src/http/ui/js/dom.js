// Small DOM helpers: element builders that never parse HTML (all data goes in as text), health
// badges, number and time formatting.

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function appendAll(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Creates an HTML element: h('a', {href, class}, 'text', child, ...). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  appendAll(el, children);
  return el;
}

/** Creates an SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  appendAll(el, children);
  return el;
}

/** The four component health states, in display order. */
export const HEALTH_STATES = ['healthy', 'unhealthy', 'unknown', 'exited'];

/** A coloured health badge. */
export function healthBadge(state) {
  const known = HEALTH_STATES.includes(state) ? state : 'unknown';
  return h('span', { class: `badge health-${known}`, title: state }, state || 'unknown');
}

/** 12345 → "12,345". */
export function fmtCount(n) {
  return Number(n).toLocaleString('en-US');
}

/** Plural helper: plural(3, 'component') → "3 components". */
export function plural(n, word, many = `${word}s`) {
  return `${fmtCount(n)} ${n === 1 ? word : many}`;
}

/** An RFC 3339 time as "2026-01-01 10:00:00 (12s ago)"; the input if it does not parse. */
export function fmtTime(iso) {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t) || t <= 0) return iso;
  const d = new Date(t);
  const pad = (x) => String(x).padStart(2, '0');
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${local} (${ago(Date.now() - t)})`;
}

function ago(ms) {
  if (ms < 0) return 'in the future';
  const sec = Math.round(ms / 1000);
  if (sec < 60) return `${sec}s ago`;
  const min = Math.round(sec / 60);
  if (min < 60) return `${min}m ago`;
  const hr = Math.round(min / 60);
  if (hr < 48) return `${hr}h ago`;
  return `${Math.round(hr / 24)}d ago`;
}

/** Calls fn at most once per `ms`, with the latest arguments. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/**
 * A row of filter chips ("All 12 · healthy 10 · unhealthy 2"); `onPick(key|null)` when one is
 * clicked. Returns { el, update(counts, total, selected) }.
 */
export function chipBar(label, onPick) {
  const el = h('div', { class: 'chips', role: 'group', 'aria-label': label });
  function update(counts, total, selected) {
    const chips = [chip(null, 'all', total, selected == null)];
    for (const [key, n] of counts) chips.push(chip(key, key, n, selected === key));
    el.replaceChildren(...chips);
  }
  function chip(key, text, n, on) {
    return h('button', {
      type: 'button',
      class: `chip${key ? ` chip-${key}` : ''}`,
      'aria-pressed': on ? 'true' : 'false',
      dataset: { key: key ?? '' },
      onclick: () => onPick(on ? null : key),
    }, h('span', { class: 'chip-label' }, text), ' ', h('span', { class: 'chip-count' }, fmtCount(n)));
  }
  return { el, update };
}
