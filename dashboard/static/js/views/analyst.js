// Analyst: a table of communications and their dimensions. The filters
// that the API knows (project, type, urgency, status, sender, since) are
// applied by the server, page by page; the text filter and the column sort
// apply to the rows loaded so far, which the table says.

import { api } from '../api.js';
import { h, replace, preserveFocus, debounce } from '../dom.js';
import { cssId } from '../cards.js';
import { deadlineOf, fmtDate, num, pct, projectLabel, relTime, typeLabel, urgencyOf, urgencyRank, countdown, subjectOf } from '../format.js';
import * as store from '../store.js';
import * as archetype from '../archetype.js';

const PAGE = 100;

// Columns: label, sort key, cell.
const COLUMNS = [
  { key: 'time', label: 'Received', value: (it) => Date.parse(it.timestamp) || 0, cell: (it) => h('time', { datetime: it.timestamp, title: fmtDate(it.timestamp) }, relTime(it.timestamp)) },
  { key: 'subject', label: 'Subject', value: (it) => (it.subject || '').toLowerCase() },
  { key: 'sender', label: 'Sender', value: (it) => (it.sender || it.sender_id || '').toLowerCase(), cell: (it) => it.sender || it.sender_id || '–' },
  { key: 'project', label: 'Project', value: (it) => it.project || '', cell: (it) => projectLabel(it.project) },
  { key: 'type', label: 'Type', value: (it) => it.commType || '', cell: (it) => typeLabel(it.commType) },
  { key: 'urgency', label: 'Urgency', value: (it) => urgencyRank(urgencyOf(it)) * 10 + (Number(dim(it, 'urgencyScore')) || 0), cell: (it) => {
    const u = urgencyOf(it);
    const s = dim(it, 'urgencyScore');
    return u ? [h('span', { class: `badge badge-${u}` }, u), Number.isFinite(s) ? ` ${num(s, 2)}` : ''] : '–';
  } },
  { key: 'action', label: 'Action', value: (it) => (dim(it, 'requiresAction') ? 1 : 0), cell: (it) => dim(it, 'requiresAction') === true ? 'yes' : dim(it, 'requiresAction') === false ? 'no' : '–' },
  { key: 'deadline', label: 'Deadline', value: (it) => { const d = deadlineOf(it); return d ? d.getTime() : Infinity; }, cell: (it) => {
    const d = deadlineOf(it);
    if (!d) return '–';
    const cd = countdown(d);
    return h('span', { title: fmtDate(d), class: `countdown countdown-${cd.state}`, dataset: { deadline: d.toISOString() } }, cd.text);
  } },
  { key: 'sentiment', label: 'Sentiment', value: (it) => String(dim(it, 'sentiment') || '').toLowerCase(), cell: (it) => String(dim(it, 'sentiment') || '–').toLowerCase() },
  { key: 'language', label: 'Lang.', value: (it) => dim(it, 'language') || '', cell: (it) => dim(it, 'language') || '–' },
  { key: 'entities', label: 'Entities', value: (it) => count(it, 'entities'), cell: (it) => String(count(it, 'entities')) },
  { key: 'pii', label: 'PII', value: (it) => count(it, 'pii'), cell: (it) => String(count(it, 'pii')) },
  { key: 'status', label: 'Status', value: (it) => it.status || '' },
];

function dim(it, k) {
  return it.dimensions && typeof it.dimensions === 'object' ? it.dimensions[k] : undefined;
}

function count(it, k) {
  const v = dim(it, k);
  return Array.isArray(v) ? v.length : 0;
}

export function create(ctx) {
  let root = null;
  let unsub = null;
  let unsubRemoved = null;
  const st = {
    filters: { project: '', type: '', urgency: '', status: '', sender: '' },
    text: '',
    sort: { key: 'time', dir: -1 },
    ids: [], next: '', loading: false, error: '',
  };

  async function load(more) {
    st.loading = true;
    renderTable();
    try {
      const page = await api.list({ ...st.filters, limit: PAGE, next: more ? st.next : '' });
      const items = store.putAll(page.communications);
      st.ids = (more ? st.ids : []).concat(items.map((i) => i.id).filter((id) => !(more && st.ids.includes(id))));
      st.next = page.next || '';
      st.error = '';
    } catch (e) {
      st.error = e.field ? `${e.message}` : e.message;
    }
    st.loading = false;
    renderTable();
    ctx.rendered('analyst');
  }

  function matches(it) {
    const f = st.filters;
    if (f.project && it.project !== f.project) return false;
    if (f.type && it.commType !== f.type) return false;
    if (f.urgency && urgencyOf(it) !== f.urgency) return false;
    if (f.status && it.status !== f.status) return false;
    if (f.sender && it.sender_id !== f.sender && it.sender !== f.sender) return false;
    return true;
  }

  function rows() {
    const text = st.text.trim().toLowerCase();
    let items = st.ids.map((id) => store.get(id)).filter(Boolean).filter(matches);
    if (text) items = items.filter((it) => [it.subject, it.sender, it.sender_id, it.project].some((v) => String(v || '').toLowerCase().includes(text)));
    const col = COLUMNS.find((c) => c.key === st.sort.key) || COLUMNS[0];
    const dir = st.sort.dir;
    return items.map((it, i) => [it, col.value(it), i]).sort((a, b) => {
      if (a[1] < b[1]) return -dir;
      if (a[1] > b[1]) return dir;
      return a[2] - b[2];
    }).map((x) => x[0]);
  }

  function summary(items) {
    const by = (f) => {
      const m = {};
      for (const it of items) { const k = f(it) || 'unknown'; m[k] = (m[k] || 0) + 1; }
      return m;
    };
    const total = items.length;
    const block = (title, m) => h('div', { class: 'summary-block' },
      h('h4', {}, title),
      h('ul', { class: 'bars' }, Object.entries(m).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, n]) =>
        h('li', {}, h('span', { class: 'bar-label' }, k),
          h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { class: 'bar-fill', style: { width: pct(total ? n / total : 0) } })),
          h('span', { class: 'bar-value' }, String(n))))));
    if (!total) return null;
    return h('div', { class: 'summary' },
      block('Urgency', by(urgencyOf)),
      block('Sentiment', by((it) => String(dim(it, 'sentiment') || '').toLowerCase())),
      block('Type', by((it) => typeLabel(it.commType))),
    );
  }

  function renderTable() {
    const el = root && root.querySelector('.table-area');
    if (!el) return;
    const items = rows();
    preserveFocus(el, () => replace(el,
      st.error ? h('p', { class: 'error', role: 'alert' }, st.error) : null,
      summary(items),
      h('p', { class: 'muted', id: 'table-note' },
        `${items.length} shown of ${st.ids.length} loaded${st.next ? ' (more on the server)' : ''}. Sorting and the text filter apply to the loaded rows.`),
      h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'table-caption' },
        h('table', { class: 'dims', 'aria-describedby': 'table-note' },
          h('caption', { id: 'table-caption', class: 'visually-hidden' }, 'Communications and their dimensions'),
          h('thead', {}, h('tr', {}, COLUMNS.map((c) => {
            const sorted = st.sort.key === c.key;
            return h('th', { scope: 'col', 'aria-sort': sorted ? (st.sort.dir > 0 ? 'ascending' : 'descending') : 'none' },
              h('button', {
                type: 'button', class: 'sort', id: `sort-${c.key}`,
                onclick: () => {
                  archetype.record('sort');
                  st.sort = sorted ? { key: c.key, dir: -st.sort.dir } : { key: c.key, dir: c.key === 'time' ? -1 : 1 };
                  renderTable();
                },
              }, c.label, h('span', { 'aria-hidden': 'true' }, sorted ? (st.sort.dir > 0 ? ' ▲' : ' ▼') : '')));
          }))),
          h('tbody', {}, items.map((it) => h('tr', { dataset: { id: it.id } }, COLUMNS.map((c) => {
            if (c.key === 'subject') {
              return h('td', {}, h('button', {
                type: 'button', class: 'link', id: `row-${cssId(it.id)}`,
                onclick: (ev) => ctx.openDetail(it.id, ev.currentTarget),
              }, subjectOf(it)));
            }
            return h('td', {}, c.cell ? c.cell(it) : String(c.value(it) || '–'));
          })))),
        )),
      st.loading ? h('p', { class: 'loading' }, 'Loading…') : null,
      st.next && !st.loading ? h('button', { type: 'button', class: 'btn', id: 'analyst-more', onclick: () => { archetype.record('more'); load(true); } }, `Load ${PAGE} more`) : null,
    ));
  }

  function onItem(item) {
    if (!matches(item)) return;
    if (!st.ids.includes(item.id)) st.ids.unshift(item.id);
    renderTable();
  }

  // onRemoved drops a deleted communication's row.
  function onRemoved(id) {
    const i = st.ids.indexOf(id);
    if (i < 0) return;
    st.ids.splice(i, 1);
    renderTable();
  }

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
          for (const k of Object.keys(st.filters)) st.filters[k] = String(fd.get(k) || '').trim();
          archetype.record('filter');
          load(false);
        },
      },
        filterField('project', 'Project', h('input', { id: 'f-project', name: 'project', list: 'project-list', value: st.filters.project, autocomplete: 'off' })),
        h('datalist', { id: 'project-list' }),
        filterField('type', 'Type', select('type', [['', 'Any'], ['email', 'E-mail'], ['document', 'Document'], ['social', 'Social post']])),
        filterField('urgency', 'Urgency', select('urgency', [['', 'Any'], ['high', 'High'], ['medium', 'Medium'], ['low', 'Low']])),
        filterField('status', 'Status', select('status', [['', 'Any'], ['accepted', 'Waiting for extraction'], ['extracted', 'Extracted'], ['failed', 'Failed']])),
        filterField('sender', 'Sender', h('input', { id: 'f-sender', name: 'sender', value: st.filters.sender, autocomplete: 'off' })),
        h('button', { type: 'submit', class: 'btn' }, 'Apply filters'),
        filterField('text', 'Search loaded rows', h('input', {
          id: 'f-text', type: 'search', value: st.text, autocomplete: 'off',
          oninput: debounce((ev) => { st.text = ev.target.value; archetype.record('filter'); renderTable(); }, 600),
        })),
      );
      root = h('div', { class: 'view analyst' },
        h('div', { class: 'view-head' },
          h('h2', { class: 'view-title' }, 'Analyst'),
          h('p', { class: 'muted' }, 'Every communication with its dimensions; sort by any column.')),
        form,
        h('div', { class: 'table-area' }),
      );
      replace(main, root);
      api.projects({ limit: 200 }).then((r) => {
        const dl = root && root.querySelector('#project-list');
        if (dl) replace(dl, (r.projects || []).map((p) => h('option', { value: p.project })));
      }).catch(() => {});
      load(false);
      unsub = store.subscribe(onItem);
      unsubRemoved = store.onRemove(onRemoved);
    },
    unmount() {
      if (unsub) unsub();
      if (unsubRemoved) unsubRemoved();
      root = null;
    },
    refresh() {
      load(false);
    },
  };
}
