// Visualizer (issue 12, item 5): three pictures of the traffic, read from
// the aggregate tables the analytics consumer of the change stream keeps,
// never recomputed here:
//
//  - a timeline of volume and urgency per day (GET /analytics/volume),
//    drawn with uPlot (dashboard/static/vendor, from npm; see make assets);
//  - a deadline calendar, a month at a time (GET /analytics/deadlines for
//    that month; the first month shown is the next deadline's, else the
//    latest one's), with jumps to the previous and next month that has one;
//  - a graph of organisations and people sized by traffic
//    (GET /analytics/people), drawn as SVG.
//
// window.__doctales.charts says what was drawn (points, cells, nodes), for
// the browser tests.

import uPlot from '../../vendor/uplot/uPlot.esm.js';
import { api } from '../api.js';
import { h, replace, debounce, announce } from '../dom.js';
import * as archetype from '../archetype.js';
import * as store from '../store.js';

const DAY = 86400;
const SVG = 'http://www.w3.org/2000/svg';
const probe = (window.__doctales = window.__doctales || {});

// s builds an SVG element (h builds HTML ones).
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// cssVar reads a colour of the style sheet, so the charts follow it.
function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

// dayKey is a Date's UTC day as YYYY-MM-DD (the aggregates are by UTC day).
function dayKey(d) {
  return d.toISOString().slice(0, 10);
}

// fillDays turns the days with traffic into one row per day from the first
// to the last, zeros in between, so the timeline's gaps are true gaps.
export function fillDays(days) {
  if (!days.length) return [[], [], [], []];
  const byDay = new Map(days.map((d) => [d.day, d]));
  const first = Date.parse(days[0].day + 'T00:00:00Z') / 1000;
  const last = Date.parse(days[days.length - 1].day + 'T00:00:00Z') / 1000;
  const xs = [], total = [], high = [], medium = [];
  for (let t = first; t <= last && xs.length < 20000; t += DAY) {
    const d = byDay.get(dayKey(new Date(t * 1000)));
    xs.push(t);
    total.push(d ? d.total : 0);
    high.push(d ? d.high : 0);
    medium.push(d ? d.medium : 0);
  }
  return [xs, total, high, medium];
}

export function create(ctx) {
  let root = null;
  let plot = null;
  let unsub = null;
  let month = null; // the calendar's month: Date at 00:00 UTC on the 1st
  const st = { days: [], total: 0, deadlines: [], people: [], orgs: [], error: '' };

  async function load() {
    const [vol, dl, ppl] = await Promise.allSettled([
      api.volume({ by: 'day' }),
      month ? Promise.resolve(month) : firstMonth(),
      api.analyticsPeople({ limit: 60 }),
    ]);
    const errs = [vol, dl, ppl].filter((r) => r.status === 'rejected').map((r) => r.reason.message);
    if (vol.status === 'fulfilled') { st.days = vol.value.days || []; st.total = vol.value.total || 0; }
    if (dl.status === 'fulfilled') month = dl.value;
    if (ppl.status === 'fulfilled') { st.people = ppl.value.people || []; st.orgs = ppl.value.organizations || []; }
    if (!month) month = monthOf(new Date().toISOString());
    try {
      await loadMonth();
    } catch (e) {
      errs.push(e.message);
    }
    st.error = [...new Set(errs)].join(' ');
    render();
    ctx.rendered('visualizer');
  }
  const reload = debounce(load, 1500);

  // monthOf is the first of the month (UTC) of an ISO time.
  function monthOf(iso) {
    const d = new Date(iso);
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  }

  // firstMonth is the month of the next deadline from today, else of the
  // latest one, else null.
  async function firstMonth() {
    const today = dayKey(new Date());
    const next = await api.deadlines({ from: today, limit: 1 });
    if (next.deadlines && next.deadlines.length) return monthOf(next.deadlines[0].deadline);
    const last = await api.deadlines({ order: 'latest', limit: 1 });
    if (last.deadlines && last.deadlines.length) return monthOf(last.deadlines[0].deadline);
    return null;
  }

  // loadMonth reads the deadlines of the calendar's month.
  async function loadMonth() {
    const y = month.getUTCFullYear(), m = month.getUTCMonth();
    const r = await api.deadlines({ from: dayKey(new Date(Date.UTC(y, m, 1))), to: dayKey(new Date(Date.UTC(y, m + 1, 0))) });
    st.deadlines = r.deadlines || [];
  }

  // jump moves the calendar to the month of the previous (dir -1) or next
  // (dir 1) deadline outside the month shown, if there is one.
  async function jump(dir) {
    const y = month.getUTCFullYear(), m = month.getUTCMonth();
    const r = dir > 0
      ? await api.deadlines({ from: dayKey(new Date(Date.UTC(y, m + 1, 1))), limit: 1 })
      : await api.deadlines({ to: dayKey(new Date(Date.UTC(y, m, 0))), order: 'latest', limit: 1 });
    if (!r.deadlines || !r.deadlines.length) {
      announce(dir > 0 ? 'No later deadline.' : 'No earlier deadline.');
      return;
    }
    month = monthOf(r.deadlines[0].deadline);
    await showMonth();
  }

  async function showMonth() {
    archetype.record('deadline');
    try {
      await loadMonth();
    } catch (e) {
      st.error = e.message;
    }
    if (root) renderCalendar();
  }

  function render() {
    if (!root) return;
    replace(root.querySelector('.viz-error'), st.error ? h('p', { class: 'error', role: 'alert' }, st.error) : null);
    renderTimeline();
    renderCalendar();
    renderGraph();
  }

  function renderTimeline() {
    const el = root.querySelector('.timeline-chart');
    const note = root.querySelector('#timeline-note');
    const [xs, total, high, medium] = fillDays(st.days);
    probe.charts = probe.charts || {};
    probe.charts.timeline = { days: xs.length, points: st.days.length, total: st.total };
    if (plot) { plot.destroy(); plot = null; }
    if (!xs.length) {
      replace(el, h('p', { class: 'muted' }, 'No communications yet.'));
      note.textContent = '';
      return;
    }
    replace(el);
    const peak = st.days.reduce((a, d) => (d.total > a.total ? d : a), st.days[0]);
    note.textContent = `${st.total} communications over ${xs.length} days (UTC); the busiest day was ${peak.day} with ${peak.total}, ${peak.high} high.`;
    const width = Math.max(280, el.clientWidth || 600);
    plot = new uPlot({
      width, height: 240,
      cursor: { points: { size: 6 } },
      legend: { live: true },
      scales: { x: { time: true } },
      axes: [{}, { label: 'per day', size: 50 }],
      series: [
        { label: 'Day', value: (u, v) => (v == null ? '' : dayKey(new Date(v * 1000))) },
        { label: 'All', stroke: cssVar('--accent', '#1a56b8'), fill: 'rgba(26, 86, 184, .12)', width: 1.5 },
        { label: 'High', stroke: cssVar('--high', '#a4261d'), width: 2, points: { show: true, size: 4 } },
        { label: 'Medium', stroke: cssVar('--medium', '#7a4b00'), width: 1, dash: [4, 3] },
      ],
      hooks: {
        setSelect: [() => archetype.record('board')],
      },
    }, [xs, total, high, medium], el);
    el.querySelector('canvas')?.setAttribute('aria-hidden', 'true');
  }

  function renderCalendar() {
    const el = root.querySelector('.calendar');
    const y = month.getUTCFullYear(), m = month.getUTCMonth();
    const byDay = new Map();
    for (const d of st.deadlines) {
      const k = d.deadline.slice(0, 10);
      if (!byDay.has(k)) byDay.set(k, []);
      byDay.get(k).push(d);
    }
    const title = month.toLocaleDateString(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
    const first = new Date(Date.UTC(y, m, 1));
    const lead = (first.getUTCDay() + 6) % 7; // Monday first
    const days = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
    const cells = [];
    for (let i = 0; i < lead; i++) cells.push(h('div', { class: 'cal-cell cal-pad', 'aria-hidden': 'true' }));
    let inMonth = 0;
    const today = dayKey(new Date());
    for (let d = 1; d <= days; d++) {
      const key = dayKey(new Date(Date.UTC(y, m, d)));
      const items = byDay.get(key) || [];
      inMonth += items.length;
      const high = items.filter((i) => i.urgency === 'high').length;
      cells.push(h('div', {
        class: `cal-cell${items.length ? ' cal-has' : ''}${high ? ' cal-high' : ''}${key === today ? ' cal-today' : ''}`,
        dataset: { day: key, count: String(items.length) }, role: 'listitem',
      },
        h('span', { class: 'cal-day' }, String(d), items.length ? h('span', { class: 'visually-hidden' }, `, ${items.length} deadline${items.length === 1 ? '' : 's'}`) : null),
        items.slice(0, 3).map((it) => h('button', {
          type: 'button', class: `cal-item link${it.open ? '' : ' cal-done'}`, title: `${it.subject} — ${it.sender}`,
          onclick: (ev) => { archetype.record('deadline'); ctx.openDetail(it.id, ev.currentTarget); },
        }, it.subject || '(no subject)')),
        items.length > 3 ? h('span', { class: 'muted small' }, `+${items.length - 3} more`) : null,
      ));
    }
    probe.charts = probe.charts || {};
    probe.charts.calendar = { month: `${y}-${String(m + 1).padStart(2, '0')}`, deadlines: inMonth };
    const go = (delta) => { month = new Date(Date.UTC(y, m + delta, 1)); showMonth(); };
    replace(el,
      h('div', { class: 'cal-head' },
        h('button', { type: 'button', class: 'btn btn-small', id: 'cal-prev', onclick: () => go(-1) }, '‹', h('span', { class: 'visually-hidden' }, ' previous month')),
        h('h4', { id: 'cal-title', 'aria-live': 'polite' }, title, h('span', { class: 'muted small' }, ` · ${inMonth} deadline${inMonth === 1 ? '' : 's'}`)),
        h('button', { type: 'button', class: 'btn btn-small', id: 'cal-next', onclick: () => go(1) }, '›', h('span', { class: 'visually-hidden' }, ' next month')),
        h('button', { type: 'button', class: 'btn btn-small', id: 'cal-prev-dl', onclick: () => jump(-1) }, 'Earlier deadline'),
        h('button', { type: 'button', class: 'btn btn-small', id: 'cal-next-dl', onclick: () => jump(1) }, 'Later deadline')),
      h('div', { class: 'cal-grid cal-week', 'aria-hidden': 'true' }, ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => h('div', { class: 'cal-wd' }, d))),
      h('div', { class: 'cal-grid', role: 'list', 'aria-labelledby': 'cal-title' }, cells),
      !inMonth ? h('p', { class: 'muted' }, 'No deadline this month; the buttons jump to the months that have one.') : null,
    );
  }

  // renderGraph draws organisations on a ring around you, each with its
  // busiest people around it, every circle's area proportional to the
  // communications; people without an organisation (free mail, lists,
  // no address) gather in one group.
  function renderGraph() {
    const el = root.querySelector('.graph');
    const W = 720, H = 460, cx = W / 2, cy = H / 2;
    const groups = new Map();
    for (const p of st.people) {
      const g = p.organization || '';
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(p);
    }
    const orgTotal = new Map(st.orgs.map((o) => [o.name, o.total]));
    const list = [...groups.entries()].map(([name, people]) => ({
      name, people: people.slice(0, 6),
      total: name ? (orgTotal.get(name) || people.reduce((a, p) => a + p.total, 0)) : people.reduce((a, p) => a + p.total, 0),
    })).sort((a, b) => b.total - a.total).slice(0, 10);
    const max = Math.max(1, ...list.map((g) => g.total), ...st.people.map((p) => p.total));
    const r = (n, big) => (big ? 10 : 4) + (big ? 26 : 16) * Math.sqrt(n / max);
    const edges = [], nodes = [], labels = [];
    let nPeople = 0;
    list.forEach((g, i) => {
      const a = (2 * Math.PI * i) / list.length - Math.PI / 2;
      const ring = list.length > 1 ? 150 : 0;
      const gx = cx + ring * Math.cos(a) * 1.35, gy = cy + ring * Math.sin(a);
      edges.push(s('line', { x1: cx, y1: cy, x2: gx, y2: gy, class: 'g-edge', 'stroke-width': 1 + 5 * Math.sqrt(g.total / max) }));
      const label = g.name || 'No organisation';
      nodes.push(s('circle', { cx: gx, cy: gy, r: r(g.total, true), class: g.name ? 'g-org' : 'g-org g-none', 'data-org': g.name },
        s('title', {}, `${label}: ${g.total} communications`)));
      labels.push(s('text', { x: gx, y: gy + r(g.total, true) + 13, class: 'g-label', 'text-anchor': 'middle' }, label.length > 22 ? label.slice(0, 21) + '…' : label));
      g.people.forEach((p, j) => {
        const b = a + ((j - (g.people.length - 1) / 2) * 0.5);
        const d = r(g.total, true) + 34;
        const px = gx + d * Math.cos(b) * 1.2, py = gy + d * Math.sin(b);
        edges.push(s('line', { x1: gx, y1: gy, x2: px, y2: py, class: 'g-edge g-edge-person', 'stroke-width': 0.5 + 3 * Math.sqrt(p.total / max) }));
        nodes.push(s('circle', {
          cx: px, cy: py, r: r(p.total, false), class: p.open ? 'g-person g-open' : 'g-person', tabindex: '0', role: 'link',
          'data-person': p.id, 'aria-label': `${p.name}: ${p.total} communications, ${p.open} open requests`,
          onclick: () => ctx.openPerson(p.id, p.name),
          onkeydown: (ev) => { if (ev.key === 'Enter') ctx.openPerson(p.id, p.name); },
        }, s('title', {}, `${p.name} <${p.id}>: ${p.total} communications, ${p.open} open requests`)));
        nPeople++;
      });
    });
    nodes.push(s('circle', { cx, cy, r: 14, class: 'g-you' }, s('title', {}, 'You')));
    labels.push(s('text', { x: cx, y: cy + 4, class: 'g-label g-you-label', 'text-anchor': 'middle' }, 'You'));
    probe.charts = probe.charts || {};
    probe.charts.graph = { groups: list.length, people: nPeople };
    replace(el, list.length
      ? s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'graph-svg',
        'aria-label': `Who writes: ${list.map((g) => `${g.name || 'no organisation'} ${g.total}`).join(', ')}` }, edges, nodes, labels)
      : h('p', { class: 'muted' }, 'No senders yet.'));
  }

  function onItem(_item, isNew) {
    if (isNew) reload(); // the consumer updates the aggregates; read them again shortly
  }

  const onResize = debounce(() => root && renderTimeline(), 200);

  return {
    title: 'Visualizer',
    mount(main) {
      root = h('div', { class: 'view visualizer' },
        h('div', { class: 'view-head' },
          h('h2', { class: 'view-title' }, 'Visualizer'),
          h('p', { class: 'muted' }, 'Volume and urgency per day, deadlines by month, and who writes, sized by traffic.')),
        h('div', { class: 'viz-error' }),
        h('section', { class: 'panel viz-timeline', 'aria-labelledby': 'timeline-h' },
          h('h3', { id: 'timeline-h' }, 'Timeline'),
          h('p', { class: 'muted small', id: 'timeline-note' }),
          h('div', { class: 'timeline-chart', role: 'img', 'aria-labelledby': 'timeline-h', 'aria-describedby': 'timeline-note' }, h('p', { class: 'loading' }, 'Loading…'))),
        h('div', { class: 'viz-row' },
          h('section', { class: 'panel viz-calendar', 'aria-labelledby': 'calendar-h' },
            h('h3', { id: 'calendar-h' }, 'Deadlines'),
            h('div', { class: 'calendar' })),
          h('section', { class: 'panel viz-graph', 'aria-labelledby': 'graph-h' },
            h('h3', { id: 'graph-h' }, 'People and organisations'),
            h('p', { class: 'muted small' }, 'Circles are sized by communications; choose a person to see them in Connector.'),
            h('div', { class: 'graph' }))),
      );
      replace(main, root);
      month = null;
      load();
      unsub = store.subscribe(onItem);
      window.addEventListener('resize', onResize);
    },
    unmount() {
      if (unsub) unsub();
      window.removeEventListener('resize', onResize);
      if (plot) { plot.destroy(); plot = null; }
      root = null;
    },
    refresh() {
      load();
    },
  };
}
