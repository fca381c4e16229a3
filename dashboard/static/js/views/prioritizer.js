// Prioritizer: communications by urgency, high first; within a level the
// nearest deadline first, then the newest. Deadlines count down; the
// communications that ask for action carry a badge. Each level is read from
// the API page by page (GET /communications?urgency=…), so the first
// screen needs one small page however large the table is.

import { api } from '../api.js';
import { h, replace, announce, preserveFocus } from '../dom.js';
import { card } from '../cards.js';
import { countdown, deadlineOf, fmtDate, urgencyOf, subjectOf } from '../format.js';
import * as store from '../store.js';
import * as archetype from '../archetype.js';
import { isHidden } from '../triage.js';

// Done and snoozed communications are left out (state=open); a snooze
// that ends brings its item back through the live stream.
const SECTIONS = [
  { key: 'high', title: 'High priority', params: { urgency: 'high', state: 'open' }, limit: 40 },
  { key: 'medium', title: 'Medium priority', params: { urgency: 'medium', state: 'open' }, limit: 20 },
  { key: 'low', title: 'Low priority', params: { urgency: 'low', state: 'open' }, limit: 20 },
  { key: 'waiting', title: 'Waiting for extraction', params: { status: 'accepted', state: 'open' }, limit: 20 },
];

// sectionOf returns the section a communication belongs in, or 'hidden'
// when the reader put it away (done, snoozed).
function sectionOf(item) {
  if (isHidden(item)) return 'hidden';
  const u = urgencyOf(item);
  if (u === 'high' || u === 'medium' || u === 'low') return u;
  return 'waiting';
}

// A deadline passed more than a day ago no longer puts an item first:
// missed deadlines sort after everything still actionable (issue 14).
const MISSED_MS = 86400 * 1000;

function liveDeadline(item, now) {
  const d = deadlineOf(item);
  return d && d.getTime() >= now - MISSED_MS ? d : null;
}

function byPriority(a, b) {
  const now = Date.now();
  const ma = !!deadlineOf(a) && !liveDeadline(a, now), mb = !!deadlineOf(b) && !liveDeadline(b, now);
  if (ma !== mb) return ma ? 1 : -1;
  const da = liveDeadline(a, now), db = liveDeadline(b, now);
  if (da && db && da.getTime() !== db.getTime()) return da - db;
  if (da && !db) return -1;
  if (db && !da) return 1;
  return String(b.timestamp).localeCompare(String(a.timestamp));
}

export function create(ctx) {
  const state = {};
  const fresh = new Set();
  let unsub = null;
  let unsubRemoved = null;
  let root = null;

  function reset() {
    for (const s of SECTIONS) state[s.key] = { ids: [], next: '', loading: false, loaded: false, error: '', arrived: new Set() };
  }

  async function loadSection(s, more) {
    const st = state[s.key];
    if (st.loading) return;
    st.loading = true;
    st.arrived = new Set();
    renderSection(s);
    try {
      const page = await api.list({ ...s.params, limit: s.limit, next: more ? st.next : '' });
      const items = store.putAll(page.communications);
      const ids = more ? st.ids : [];
      for (const it of items) if (sectionOf(it) === s.key && !ids.includes(it.id)) ids.push(it.id);
      // Live arrivals while the page was loading are newer than it: keep
      // them on top rather than lose them to a list read before they came.
      for (const id of st.arrived) {
        const it = store.get(id);
        if (it && sectionOf(it) === s.key && !ids.includes(id)) ids.unshift(id);
      }
      st.ids = ids;
      st.next = page.next || '';
      st.error = '';
    } catch (e) {
      st.error = e.message;
    }
    st.loading = false;
    st.loaded = true;
    renderSection(s);
    if (s.key === 'high') ctx.rendered('prioritizer');
  }

  function renderUpcoming() {
    const el = root && root.querySelector('#upcoming');
    if (!el) return;
    const now = Date.now();
    const all = [];
    for (const s of SECTIONS) for (const id of state[s.key].ids) {
      const it = store.get(id);
      const d = it && deadlineOf(it);
      if (d && d.getTime() > now) all.push([d, it]);
    }
    all.sort((a, b) => a[0] - b[0]);
    replace(el,
      h('h3', { id: 'upcoming-h' }, 'Upcoming deadlines'),
      all.length ? h('ol', { class: 'upcoming' }, all.slice(0, 6).map(([d, it]) => {
        const cd = countdown(d);
        return h('li', {},
          h('button', {
            type: 'button', class: 'link',
            onclick: (ev) => { archetype.record('deadline'); ctx.openDetail(it.id, ev.currentTarget, 'deadline'); },
          }, subjectOf(it)),
          ' ', h('span', { class: `countdown countdown-${cd.state}`, dataset: { deadline: d.toISOString() }, title: fmtDate(d) }, cd.text));
      })) : h('p', { class: 'muted' }, 'No upcoming deadlines among the communications shown.'),
    );
  }

  function renderSection(s) {
    const el = root && root.querySelector(`[data-section="${s.key}"]`);
    if (!el) return;
    const st = state[s.key];
    const items = st.ids.map((id) => store.get(id)).filter(Boolean).filter((it) => sectionOf(it) === s.key).sort(byPriority);
    st.ids = items.map((it) => it.id);
    const headingId = `sec-${s.key}`;
    preserveFocus(el, () => replace(el,
      h('h3', { id: headingId }, s.title, ' ', h('span', { class: 'count' }, st.loaded ? `${items.length}${st.next ? '+' : ''}` : '')),
      st.error ? h('p', { class: 'error' }, st.error) : null,
      items.length ? h('div', { class: 'cards', role: 'list', 'aria-labelledby': headingId },
        items.map((it) => h('div', { role: 'listitem' }, card(it, ctx, { showReasons: s.key === 'high', fresh: fresh.has(it.id) })))) : null,
      !items.length && st.loaded && !st.error ? h('p', { class: 'muted' }, 'Nothing here.') : null,
      st.loading ? h('p', { class: 'loading' }, 'Loading…') : null,
      st.next && !st.loading ? h('button', { type: 'button', class: 'btn', id: `more-${s.key}`, onclick: () => { archetype.record('more'); loadSection(s, true); } }, `Show more ${s.title.toLowerCase()}`) : null,
    ));
    renderUpcoming();
  }

  function onItem(item, isNew) {
    const target = sectionOf(item);
    for (const s of SECTIONS) {
      const st = state[s.key];
      const i = st.ids.indexOf(item.id);
      if (s.key === target) {
        if (st.loading) st.arrived.add(item.id);
        if (i < 0) {
          st.ids.unshift(item.id);
          fresh.add(item.id);
          setTimeout(() => fresh.delete(item.id), 4000);
        }
        renderSection(s);
      } else if (i >= 0) {
        st.ids.splice(i, 1);
        renderSection(s);
      }
    }
    if (isNew && target === 'high') announce(`New high-priority communication: ${subjectOf(item)}`);
  }

  // onRemoved drops a deleted communication from its section (and so from
  // the upcoming deadlines).
  function onRemoved(id) {
    fresh.delete(id);
    for (const s of SECTIONS) {
      const st = state[s.key];
      st.arrived.delete(id);
      const i = st.ids.indexOf(id);
      if (i >= 0) {
        st.ids.splice(i, 1);
        renderSection(s);
      }
    }
  }

  return {
    title: 'Prioritizer',
    mount(main) {
      reset();
      root = h('div', { class: 'view prioritizer' },
        h('div', { class: 'view-head' },
          h('h2', { class: 'view-title' }, 'Prioritizer'),
          h('p', { class: 'muted' }, 'High priority first; within each level the nearest deadline, then the newest.')),
        h('section', { id: 'upcoming', class: 'upcoming-box', 'aria-labelledby': 'upcoming-h' }),
        SECTIONS.map((s) => h('section', { class: `section section-${s.key}`, 'data-section': s.key, 'aria-labelledby': `sec-${s.key}` })),
      );
      replace(main, root);
      SECTIONS.forEach((s) => loadSection(s, false));
      unsub = store.subscribe(onItem);
      unsubRemoved = store.onRemove(onRemoved);
    },
    unmount() {
      if (unsub) unsub();
      if (unsubRemoved) unsubRemoved();
      root = null;
    },
    refresh() {
      SECTIONS.forEach((s) => loadSection(s, false));
    },
  };
}
