// Analyst (issue 12): every communication in one table that stays smooth
// at tens of thousands of rows. Only the rows in view (and a few around
// them) are in the DOM; the rest is two spacer rows of the right height,
// so the scroll bar is true and the browser lays out some forty rows,
// whatever the count.
//
// Filtering, the search and the order are the server's (GET
// /communications with project, type, urgency, status, sender, state, q
// and sort), read 1,000 rows a page as the reader scrolls
// near the end of what is loaded. "Export CSV" downloads every row the
// same filters select (GET /communications?format=csv), streamed by the
// server.
//
// The headers of Received, Subject, Sender, Urgency and Deadline are
// buttons: a click asks the server for that order (sort=urgency,
// subject, ...), a second click for the other direction (sort=-urgency,
// ...); the header's aria-sort says which. The server pages in that
// order, so row 5,000 is where the order puts it, not where the loaded
// rows happened to be.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { cssId } from '../cards.js';
import { deadlineOf, fmtDate, projectLabel, relTime, typeLabel, urgencyOf, countdown, subjectOf } from '../format.js';
import * as store from '../store.js';
import * as archetype from '../archetype.js';

const PAGE = 1000; // the API's largest page
export const ROW_HEIGHT = 32; // px, as table.vt tr.vt-row in style.css
const OVERSCAN = 10; // rows drawn above and below the visible ones

const probe = (window.__doctales = window.__doctales || {});

function dim(it, k) {
  return it.dimensions && typeof it.dimensions === 'object' ? it.dimensions[k] : undefined;
}

// SORTS are the orders the server knows (GET /communications?sort=):
// the column each belongs to, the aria-sort of its header, and the
// words of the status line. A header's first click takes the column's
// first sort, the next click the other.
const SORTS = {
  newest: { col: 'time', aria: 'descending', text: 'Newest first' },
  oldest: { col: 'time', aria: 'ascending', text: 'Oldest first' },
  urgency: { col: 'urgency', aria: 'descending', text: 'Most urgent first' },
  '-urgency': { col: 'urgency', aria: 'ascending', text: 'Least urgent first' },
  subject: { col: 'subject', aria: 'ascending', text: 'Subject A to Z' },
  '-subject': { col: 'subject', aria: 'descending', text: 'Subject Z to A' },
  sender: { col: 'sender', aria: 'ascending', text: 'Sender A to Z' },
  '-sender': { col: 'sender', aria: 'descending', text: 'Sender Z to A' },
  deadline: { col: 'deadline', aria: 'ascending', text: 'Soonest deadline first' },
  '-deadline': { col: 'deadline', aria: 'descending', text: 'Latest deadline first' },
};
// SORT_CYCLE: a column's sorts, first click first.
const SORT_CYCLE = { time: ['newest', 'oldest'], urgency: ['urgency', '-urgency'], subject: ['subject', '-subject'], sender: ['sender', '-sender'], deadline: ['deadline', '-deadline'] };

// Columns: label, width, cell.
const COLUMNS = [
  { key: 'time', label: 'Received', width: '8.5rem', cell: (it) => h('time', { datetime: it.timestamp, title: fmtDate(it.timestamp) }, relTime(it.timestamp)) },
  { key: 'subject', label: 'Subject', width: 'auto' },
  { key: 'sender', label: 'Sender', width: '14rem', cell: (it) => it.sender || it.sender_id || '–' },
  { key: 'project', label: 'Project', width: '7rem', cell: (it) => projectLabel(it.project) },
  { key: 'type', label: 'Type', width: '6rem', cell: (it) => typeLabel(it.commType) },
  { key: 'urgency', label: 'Urgency', width: '6rem', cell: (it) => { const u = urgencyOf(it); return u ? h('span', { class: `badge badge-${u}` }, u) : '–'; } },
  { key: 'category', label: 'Category', width: '6.5rem', cell: (it) => dim(it, 'category') || '–' },
  { key: 'action', label: 'Action', width: '4.5rem', cell: (it) => (dim(it, 'requiresAction') === true ? 'yes' : dim(it, 'requiresAction') === false ? 'no' : '–') },
  { key: 'deadline', label: 'Deadline', width: '7.5rem', cell: (it) => {
    const d = deadlineOf(it);
    if (!d) return '–';
    const cd = countdown(d);
    return h('span', { title: fmtDate(d), class: `countdown countdown-${cd.state}`, dataset: { deadline: d.toISOString() } }, cd.text);
  } },
  { key: 'state', label: 'State', width: '5.5rem', cell: (it) => it.state || 'open' },
];

export function create(ctx) {
  let root = null;
  let unsub = null;
  let unsubRemoved = null;
  let frame = 0;
  let gen = 0; // bumped on each new query, so a late page of an old one is dropped
  const st = {
    filters: { project: '', type: '', urgency: '', status: '', sender: '', state: '', q: '' },
    sort: 'newest',
    ids: [], next: '', loading: false, error: '', done: false,
  };

  function params() {
    const p = { ...st.filters };
    if (!p.q) p.sort = st.sort; // a search is ranked
    return p;
  }

  async function load(more) {
    if (st.loading && more) return;
    const my = more ? gen : ++gen;
    if (!more) { st.ids = []; st.next = ''; st.done = false; }
    st.loading = true;
    renderStatus();
    try {
      const page = await api.list({ ...params(), limit: PAGE, next: more ? st.next : '' });
      if (my !== gen) return;
      const items = store.putAll(page.communications);
      const seen = new Set(st.ids);
      for (const it of items) if (!seen.has(it.id)) st.ids.push(it.id);
      st.next = page.next || '';
      st.done = !st.next;
      st.error = '';
    } catch (e) {
      if (my !== gen) return;
      st.error = e.message;
    }
    st.loading = false;
    renderStatus();
    renderRows(true);
    if (!more) ctx.rendered('analyst');
  }

  // renderRows draws the rows in view. force redraws even when the window
  // of rows has not moved (new data).
  let lastWindow = '';
  function renderRows(force) {
    const scroller = root && root.querySelector('.vt-scroll');
    if (!scroller) return;
    const tbody = scroller.querySelector('tbody');
    const n = st.ids.length;
    const head = ROW_HEIGHT + 2;
    const top = Math.max(0, scroller.scrollTop - head);
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const visible = Math.ceil(scroller.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN;
    const last = Math.min(n, first + visible);
    const key = `${first}:${last}:${n}`;
    if (!force && key === lastWindow) return;
    lastWindow = key;
    // The spacers sit in thead and tfoot, so tbody holds the data rows
    // only.
    const table = scroller.querySelector('table');
    table.querySelector('tr.vt-top td').style.height = `${first * ROW_HEIGHT}px`;
    table.querySelector('tr.vt-bottom td').style.height = `${(n - last) * ROW_HEIGHT}px`;
    const rows = [];
    for (let i = first; i < last; i++) {
      const it = store.get(st.ids[i]);
      if (!it) continue;
      rows.push(h('tr', { class: 'vt-row', dataset: { id: it.id, index: String(i) }, 'aria-rowindex': String(i + 2) }, COLUMNS.map((c) => {
        if (c.key === 'subject') {
          return h('td', { title: subjectOf(it) }, h('button', {
            type: 'button', class: 'link', id: `row-${cssId(it.id)}`,
            onclick: (ev) => ctx.openDetail(it.id, ev.currentTarget),
          }, subjectOf(it)));
        }
        return h('td', {}, c.cell(it));
      })));
    }
    replace(tbody, rows);
    table.setAttribute('aria-rowcount', st.done ? String(n + 1) : '-1');
    probe.analyst = { loaded: n, done: st.done, first, last, domRows: last - first };
    // Near the end of what is loaded: read the next page.
    if (st.next && !st.loading && last >= n - OVERSCAN * 3) load(true);
  }

  function onScroll() {
    if (frame) return;
    frame = requestAnimationFrame(() => { frame = 0; renderRows(false); });
  }

  function renderStatus() {
    const el = root && root.querySelector('.analyst-status');
    if (!el) return;
    const n = st.ids.length;
    replace(el,
      st.error ? h('p', { class: 'error', role: 'alert' }, st.error) : null,
      h('span', { id: 'table-note', class: 'muted' },
        `${n.toLocaleString()} ${st.filters.q ? 'found' : 'communications'}${st.done ? '' : ' loaded so far, more as you scroll'}.`,
        st.filters.q ? ' Ranked best first.' : ` ${SORTS[st.sort].text}${st.sort === 'newest' || st.sort === 'oldest' ? '' : ', then newest'}.`),
      st.loading ? h('span', { class: 'loading' }, ' Loading…') : null,
    );
    const csv = root.querySelector('#analyst-csv');
    if (csv) csv.href = api.csvURL(params());
  }

  function matches(it) {
    const f = st.filters;
    if (f.q) return false; // a search's rows are the server's ranking
    if (f.project && it.project !== f.project) return false;
    if (f.type && it.commType !== f.type) return false;
    if (f.urgency && urgencyOf(it) !== f.urgency) return false;
    if (f.status && it.status !== f.status) return false;
    if (f.sender && it.sender_id !== f.sender && it.sender !== f.sender) return false;
    if (f.state && (it.state || 'open') !== f.state) return false;
    return true;
  }

  // onItem: a changed row is redrawn in place; a new one that the filters
  // select goes on top when the order is newest first.
  function onItem(item, isNew) {
    if (isNew && st.sort === 'newest' && matches(item) && !st.ids.includes(item.id)) {
      st.ids.unshift(item.id);
      renderStatus();
    }
    renderRows(true);
  }

  function onRemoved(id) {
    const i = st.ids.indexOf(id);
    if (i < 0) return;
    st.ids.splice(i, 1);
    renderStatus();
    renderRows(true);
  }

  // renderHead marks the header of the order in use with aria-sort (none
  // on a search: it is ranked) and keeps the Order select in step.
  function renderHead() {
    if (!root) return;
    for (const th of root.querySelectorAll('table.vt thead th[data-col]')) {
      const s = SORTS[st.sort];
      if (!st.filters.q && s && s.col === th.dataset.col) th.setAttribute('aria-sort', s.aria);
      else th.removeAttribute('aria-sort');
    }
    const sel = root.querySelector('#f-sort');
    if (sel) sel.value = st.sort;
  }

  // sortBy is a header's click: the column's first sort, or the other
  // direction when it is already sorted by it; read from the server.
  function sortBy(col) {
    const cycle = SORT_CYCLE[col];
    const i = cycle.indexOf(st.sort);
    st.sort = i === 0 ? cycle[1] : cycle[0];
    archetype.record('sort');
    renderHead();
    const sc = root && root.querySelector('.vt-scroll');
    if (sc) sc.scrollTop = 0;
    load(false);
  }

  const headCell = (c) => {
    if (!SORT_CYCLE[c.key]) return h('th', { scope: 'col' }, c.label);
    return h('th', { scope: 'col', dataset: { col: c.key } },
      h('button', { type: 'button', class: 'th-sort', id: `sort-${c.key}`, onclick: () => sortBy(c.key), title: `Sort by ${c.label.toLowerCase()}` }, c.label));
  };

  const filterField = (name, label, control) => h('div', { class: 'field' }, h('label', { for: `f-${name}` }, label), control);
  const select = (name, options) => h('select', { id: `f-${name}`, name },
    options.map(([v, t]) => h('option', { value: v, selected: st.filters[name] === v }, t)));

  return {
    title: 'Analyst',
    mount(main) {
      const form = h('form', {
        class: 'filters', 'aria-label': 'Filter communications',
        onsubmit: (ev) => {
          ev.preventDefault();
          const fd = new FormData(ev.currentTarget);
          const sort = String(fd.get('sort') || 'newest');
          const before = JSON.stringify(st.filters);
          for (const k of Object.keys(st.filters)) st.filters[k] = String(fd.get(k) || '').trim();
          if (sort !== st.sort) archetype.record('sort');
          if (JSON.stringify(st.filters) !== before || sort === st.sort) archetype.record(st.filters.q ? 'search' : 'filter');
          st.sort = sort;
          renderHead();
          const sc = root.querySelector('.vt-scroll');
          if (sc) sc.scrollTop = 0;
          load(false);
        },
      },
        filterField('q', 'Search', h('input', { id: 'f-q', name: 'q', type: 'search', value: st.filters.q, autocomplete: 'off', placeholder: 'words, from:, project:, before:…' })),
        filterField('project', 'Project', h('input', { id: 'f-project', name: 'project', list: 'project-list', value: st.filters.project, autocomplete: 'off' })),
        h('datalist', { id: 'project-list' }),
        filterField('type', 'Type', select('type', [['', 'Any'], ['email', 'E-mail'], ['document', 'Document'], ['social', 'Social post']])),
        filterField('urgency', 'Urgency', select('urgency', [['', 'Any'], ['high', 'High'], ['medium', 'Medium'], ['low', 'Low']])),
        filterField('status', 'Status', select('status', [['', 'Any'], ['accepted', 'Waiting for extraction'], ['extracted', 'Extracted'], ['failed', 'Failed']])),
        filterField('state', 'State', select('state', [['', 'Any'], ['open', 'Open'], ['done', 'Done'], ['snoozed', 'Snoozed'], ['waiting', 'Waiting']])),
        filterField('sender', 'Sender', h('input', { id: 'f-sender', name: 'sender', value: st.filters.sender, autocomplete: 'off' })),
        h('div', { class: 'field' }, h('label', { for: 'f-sort' }, 'Order'),
          h('select', { id: 'f-sort', name: 'sort' }, Object.entries(SORTS).map(([v, s]) => h('option', { value: v, selected: st.sort === v }, s.text)))),
        h('button', { type: 'submit', class: 'btn', id: 'analyst-apply' }, 'Apply'),
      );
      const spacer = (cls) => h('tr', { class: `vt-spacer ${cls}`, 'aria-hidden': 'true' }, h('td', { colspan: String(COLUMNS.length) }));
      const table = h('table', { class: 'vt dims', 'aria-describedby': 'table-note', 'aria-rowcount': '-1' },
        h('caption', { class: 'visually-hidden' }, 'Communications and their dimensions'),
        h('colgroup', {}, COLUMNS.map((c) => h('col', { style: c.width === 'auto' ? {} : { width: c.width } }))),
        h('thead', {}, h('tr', { 'aria-rowindex': '1' }, COLUMNS.map(headCell)), spacer('vt-top')),
        h('tbody', {}),
        h('tfoot', {}, spacer('vt-bottom')));
      const scroller = h('div', { class: 'vt-scroll', tabindex: '0', role: 'region', 'aria-label': 'Communications table', onscroll: onScroll }, table);
      root = h('div', { class: 'view analyst' },
        h('div', { class: 'view-head' },
          h('h2', { class: 'view-title' }, 'Analyst'),
          h('p', { class: 'muted' }, 'Every communication with its dimensions, filtered, searched and ordered by the server; export what you see as CSV.')),
        form,
        h('div', { class: 'analyst-bar' },
          h('div', { class: 'analyst-status', 'aria-live': 'polite' }),
          h('a', { class: 'btn btn-small', id: 'analyst-csv', href: api.csvURL(params()), download: 'communications.csv', onclick: () => archetype.record('export') }, 'Export CSV')),
        scroller,
      );
      replace(main, root);
      renderHead();
      api.projects({ limit: 200 }).then((r) => {
        const dl = root && root.querySelector('#project-list');
        if (dl) replace(dl, (r.projects || []).map((p) => h('option', { value: p.project })));
      }).catch(() => {});
      load(false);
      unsub = store.subscribe(onItem);
      unsubRemoved = store.onRemove(onRemoved);
      window.addEventListener('resize', onScroll);
    },
    unmount() {
      if (unsub) unsub();
      if (unsubRemoved) unsubRemoved();
      window.removeEventListener('resize', onScroll);
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
      root = null;
    },
    refresh() {
      load(false);
    },
  };
}
