// The component page (`/component/<id>`): header with health, then Arguments, Exports and Debug
// info rendered back into River (long runs of repeated blocks as tables), and links to the
// components it depends on and that depend on it. Sections are only rebuilt when their content
// changed, so filters, scroll positions and selections survive polling.

import { jsonSource, componentHref, encodeId, apiUrl, NotFoundError } from '../api.js';
import { h, healthBadge, fmtTime, fmtCount } from '../dom.js';
import { bodyLines } from '../river.js';
import { segmentBody, blockTable } from '../blocktable.js';

/** River text longer than this many lines is cut, with a button to show the rest. */
const TEXT_LINE_LIMIT = 3000;

const SECTIONS = [
  ['arguments', 'Arguments'],
  ['exports', 'Exports'],
  ['debugInfo', 'Debug info'],
];

/** Builds the page for component `id`. */
export function componentPage({ id }) {
  const load = jsonSource(`components/${encodeId(id)}`);
  const head = h('div', { class: 'component-head' });
  const sectionEls = new Map();
  const sectionState = new Map();
  const body = h('div', { class: 'component-body' });
  for (const [key, title] of SECTIONS) {
    const content = h('div', { class: 'section-content' });
    const sec = h('section', { class: `section section-${key}`, id: `section-${key}`, hidden: true },
      h('h2', null, title), content);
    sectionEls.set(key, { sec, content });
    body.append(sec);
  }
  const deps = h('section', { class: 'section section-deps' });
  body.append(deps);
  const el = h('div', { class: 'page page-component' }, head, body);
  let lastDeps = null;

  function renderHead(c) {
    const state = c.health?.state || 'unknown';
    head.replaceChildren(
      h('div', { class: 'crumbs' }, h('a', { href: './' }, 'Components'), ' / ', c.name),
      h('h1', { class: 'component-id' }, c.localID),
      h('dl', { class: 'facts' },
        h('dt', null, 'Type'), h('dd', null, h('code', null, c.name)),
        c.label ? [h('dt', null, 'Label'), h('dd', null, h('code', null, c.label))] : null,
        c.moduleID ? [h('dt', null, 'Module'), h('dd', null, h('code', null, c.moduleID))] : null,
        h('dt', null, 'Health'), h('dd', { class: 'health-line' }, healthBadge(state), ' ',
          h('span', { class: 'health-message' }, c.health?.message || '')),
        h('dt', null, 'Since'), h('dd', null, fmtTime(c.health?.updatedTime)),
        h('dt', null, 'Raw'), h('dd', null, h('a', { href: apiUrl(`components/${encodeId(c.localID)}`), target: '_blank', rel: 'noopener' }, 'JSON'))),
    );
  }

  function renderSection(key, bodyJson) {
    const { sec, content } = sectionEls.get(key);
    const list = Array.isArray(bodyJson) ? bodyJson : [];
    sec.hidden = list.length === 0;
    const old = sectionState.get(key);
    const segs = segmentBody(list);
    const shape = segs.map((sg) => (sg.kind === 'table' ? `t:${sg.name}` : 'x')).join(',');
    if (old && old.shape === shape) {
      // Same layout: update in place (tables keep their filter, sort, scroll and selection).
      segs.forEach((sg, i) => {
        if (sg.kind === 'table') old.widgets[i].update(sg.blocks);
        else old.widgets[i].update(sg.body);
      });
      return;
    }
    const widgets = segs.map((sg) => (sg.kind === 'table' ? blockTable(sg.name, sg.blocks, `${id}.${key}`) : riverText(sg.body)));
    content.replaceChildren(...widgets.map((w) => w.el));
    sectionState.set(key, { shape, widgets });
  }

  function renderDeps(c) {
    const key = JSON.stringify([c.referencesTo, c.referencedBy, c.dataFlowEdgesTo]);
    if (key === lastDeps) return;
    lastDeps = key;
    const flows = new Set(c.dataFlowEdgesTo || []);
    const list = (ids, cls, empty) => (ids && ids.length
      ? h('ul', { class: `links ${cls}` }, ids.map((d) => h('li', null,
        h('a', { href: componentHref(d) }, d), flows.has(d) && cls === 'dependencies' ? h('span', { class: 'tag', title: 'This component sends data to it' }, 'data') : null)))
      : h('p', { class: 'muted' }, empty));
    deps.replaceChildren(
      h('div', { class: 'dep-col' }, h('h2', null, 'Dependencies'), list(c.referencesTo, 'dependencies', 'None.')),
      h('div', { class: 'dep-col' }, h('h2', null, 'Dependants'), list(c.referencedBy, 'dependants', 'None.')),
    );
  }

  return {
    name: 'component',
    title: id,
    nav: 'list',
    el,
    async refresh(signal) {
      let res;
      try {
        res = await load(signal);
      } catch (e) {
        if (e instanceof NotFoundError) {
          el.replaceChildren(h('div', { class: 'not-found' },
            h('h1', null, 'Component not found'),
            h('p', null, 'There is no component ', h('code', null, id), ' in the running configuration.'),
            h('p', null, h('a', { href: './' }, 'All components'))));
          sectionState.clear();
          return;
        }
        throw e;
      }
      if (!res.changed) return;
      const c = res.data;
      if (!el.contains(head)) el.replaceChildren(head, body);
      renderHead(c);
      for (const [key] of SECTIONS) renderSection(key, c[key]);
      renderDeps(c);
    },
    destroy() {},
  };
}

/** A <pre> of River text for a body, cut at TEXT_LINE_LIMIT lines with a "show all" button. */
function riverText(body) {
  const pre = h('pre', { class: 'river' });
  const more = h('button', { type: 'button', class: 'btn show-all', hidden: true });
  const el = h('div', { class: 'river-wrap' }, pre, more);
  let full = false;
  let current = body;
  more.addEventListener('click', () => { full = true; update(current); });
  function update(b) {
    current = b;
    // One attribute can span many lines (a `targets` list of 10,000 objects is one statement),
    // so the cut counts the lines of the text, not the statements.
    let text = bodyLines(b, '', full ? Infinity : TEXT_LINE_LIMIT + 1).join('\n');
    const cut = full ? -1 : nthNewline(text, TEXT_LINE_LIMIT);
    if (cut >= 0) {
      text = text.slice(0, cut);
      more.hidden = false;
      more.textContent = `Show everything (more than ${fmtCount(TEXT_LINE_LIMIT)} lines)`;
    } else {
      more.hidden = true;
    }
    // Unchanged text is not set again: a long <pre> costs a relayout on every poll.
    if (pre.textContent !== text) pre.textContent = text;
  }
  update(body);
  return { el, update };
}

/** Index of the n-th "\n" in text (1-based), or -1 when it has fewer. */
function nthNewline(text, n) {
  let i = -1;
  for (let k = 0; k < n; k++) {
    i = text.indexOf('\n', i + 1);
    if (i < 0) return -1;
  }
  return i;
}
