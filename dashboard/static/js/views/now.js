// Needs you now (issue 12): the first screen. A short list of what needs
// the reader now (fresh high items, deadlines within the next working
// day), each with the reason in words, then "Later today", "This week"
// and "Waiting on others". The grouping and the counts are the server's
// (GET /communications/now, doctales.NowPlace), so every client agrees
// and a count is exact however many items a section lists. Any live
// change (a new item, done, snooze, a wake-up) reloads the view, at most
// every 300 ms.

import { api } from '../api.js';
import { h, replace, preserveFocus, announce } from '../dom.js';
import { card } from '../cards.js';
import { subjectOf, zone } from '../format.js';
import * as store from '../store.js';
import * as notice from '../notice.js';

// The server lists this many per section at first; "Show all" asks for
// the most it lists (MaxNowPerSection).
const FIRST = 10;
const ALL = 100;


// why is a card's reason line: the reason in words, then the quoted
// words the urgency rests on.
function why(entry) {
  if (!entry.reason) return null;
  const ev = Array.isArray(entry.evidence) ? entry.evidence : [];
  return h('p', { class: 'now-reason' },
    h('span', { class: 'visually-hidden' }, 'Why: '),
    entry.reason,
    ev.length ? [' · ', ev.map((w, i) => [i ? ', ' : '', h('q', {}, w)])] : null);
}

export function create(ctx) {
  let root = null, view = null, error = '', loading = false, limit = FIRST;
  let unsub = null, unsubRemoved = null, unsubNotice = null, seq = 0;
  const known = new Set(); // ids shown, to announce what is new

  async function load() {
    const my = ++seq;
    loading = true;
    if (!view) render();
    try {
      const v = await api.now({ limit, tz: zone() });
      if (my !== seq) return;
      for (const s of v.sections) s.items = (s.items || []).map((e) => ({ entry: e, item: store.put(e) })).filter((x) => x.item);
      const first = v.sections[0];
      const arrived = first.items.filter((x) => view && !known.has(x.item.id));
      for (const s of v.sections) for (const x of s.items) known.add(x.item.id);
      view = v;
      error = '';
      if (arrived.length) announce(`Needs you now: ${subjectOf(arrived[0].item)}`);
    } catch (e) {
      if (my !== seq) return;
      error = e.message;
    }
    loading = false;
    render();
    ctx.rendered('now');
  }
  // reload runs once 300 ms after the first of a burst of live changes
  // (a throttle, not a debounce: a long import still refreshes the view).
  let pending = 0;
  const reload = () => {
    if (pending) return;
    pending = setTimeout(() => { pending = 0; if (root) load(); }, 300);
  };

  // liveFirst puts the new high items not seen yet (notice.js) at the top
  // of "needs you now", newest first; one the server listed beyond the
  // first page is taken from the store, so a live arrival is never off
  // the screen.
  function liveFirst(s) {
    if (s.id !== 'now') return s.items;
    const ids = notice.unseenIds();
    if (!ids.length) return s.items;
    const listed = new Map();
    for (const sec of view.sections) for (const x of sec.items) listed.set(x.item.id, sec.id);
    const top = [];
    for (const id of ids) {
      if (listed.has(id) && listed.get(id) !== 'now') continue;
      const found = s.items.find((x) => x.item.id === id);
      const item = found ? found.item : store.get(id);
      if (!item || (!found && !notice.isNewHigh(item))) continue;
      top.push(found || { entry: { reason: 'new: high priority, just arrived' }, item });
    }
    return top.concat(s.items.filter((x) => !top.includes(x)));
  }

  function section(s) {
    const hid = `now-${s.id}`;
    const items = liveFirst(s);
    const shown = items.length;
    return h('section', { class: `section now-section now-${s.id}`, 'data-section': s.id, 'aria-labelledby': hid },
      h('h3', { id: hid }, s.title, ' ', h('span', { class: 'count', dataset: { count: String(s.count) } }, String(s.count))),
      shown ? h('div', { class: 'cards', role: 'list', 'aria-labelledby': hid },
        items.map(({ entry, item }) => h('div', { role: 'listitem', class: 'now-item' },
          card(item, ctx, { showType: true, extra: why(entry) })))) : h('p', { class: 'muted' }, s.id === 'waiting'
        ? 'Nothing marked waiting. Mark an item “Waiting” when the next step is someone else’s.'
        : 'Nothing here.'),
      s.count > shown ? h('button', {
        type: 'button', class: 'btn', id: `now-all-${s.id}`,
        onclick: () => { limit = ALL; load(); },
      }, limit < ALL ? `Show all ${s.count}` : `${s.count - shown} more not shown: use Search or the Prioritizer`) : null,
    );
  }

  function render() {
    const el = root && root.querySelector('#now-body');
    if (!el) return;
    preserveFocus(el, () => replace(el,
      error ? h('p', { class: 'error', role: 'alert' }, `Could not load what needs you now: ${error}`) : null,
      view && !view.complete ? h('p', { class: 'muted' }, 'Counts are lower bounds: more items than the server reads at once.') : null,
      view ? view.sections.map(section) : null,
      loading && !view ? h('p', { class: 'loading' }, 'Loading…') : null,
    ));
  }

  return {
    title: 'Needs you now',
    mount(main) {
      root = h('div', { class: 'view now' },
        h('div', { class: 'view-head' },
          h('h2', { class: 'view-title' }, 'Needs you now'),
          h('p', { class: 'muted' }, 'Fresh high-priority mail and deadlines up to the end of the next working day; then later today, this week, and what waits on others. Old mail, newsletters and automated mail without a deadline are left out.')),
        h('div', { id: 'now-body' }));
      replace(main, root);
      load();
      unsub = store.subscribe(() => reload());
      unsubRemoved = store.onRemove(() => reload());
      // Seen (opened, on the screen a second): the highlight goes.
      unsubNotice = notice.onChange(() => render());
    },
    unmount() {
      if (unsub) unsub();
      if (unsubRemoved) unsubRemoved();
      if (unsubNotice) unsubNotice();
      root = null;
      seq++;
    },
    refresh() { load(); },
  };
}
