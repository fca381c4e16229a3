// Threads (issue 12): conversations grouped by the thread id the mail
// parser keeps (References / In-Reply-To), the one with the newest
// message first, each with its message count and its people
// (GET /threads). Opening one (#/threads?id=…) shows its messages in date
// order (GET /threads/{id}), each a card with Done / Snooze.

import { api } from '../api.js';
import { h, replace, preserveFocus } from '../dom.js';
import { card } from '../cards.js';
import { relTime, fmtDate } from '../format.js';
import * as store from '../store.js';
import * as archetype from '../archetype.js';

// people names a thread's senders: "Ana, Bo and 3 others".
function people(t) {
  const names = (t.people || []).map((p) => p.name || p.id).filter(Boolean);
  const total = Math.max(t.peopleTotal || 0, names.length);
  if (!names.length) return 'no sender';
  const shown = names.slice(0, 3);
  const rest = total - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} other${rest === 1 ? '' : 's'}` : shown.join(', ');
}

// when says when a thread last moved: "3 hours ago" within a month, else
// the date with its year (2002 mail must not look recent).
function when(v) {
  const t = Date.parse(v);
  return Number.isFinite(t) && Date.now() - t < 30 * 86400e3 ? relTime(v) : fmtDate(v);
}

function threadHash(id) {
  return `#/threads?${new URLSearchParams({ id })}`;
}

export function create(ctx) {
  let root = null, threads = [], next = '', error = '', loading = false, onlyConversations = true;
  let open = '', thread = null, messages = [];
  let unsub = null, unsubRemoved = null, seq = 0;

  async function loadList(more) {
    const my = ++seq;
    loading = true;
    render();
    try {
      const page = await api.threads({ limit: 50, min: onlyConversations ? 2 : '', next: more ? next : '' });
      if (my !== seq) return;
      threads = (more ? threads : []).concat(page.threads);
      next = page.next || '';
      error = '';
    } catch (e) {
      if (my !== seq) return;
      error = e.message;
    }
    loading = false;
    render();
    ctx.rendered('threads');
  }

  async function loadThread() {
    const my = ++seq;
    loading = true;
    render();
    try {
      const t = await api.thread(open);
      if (my !== seq) return;
      thread = t.thread;
      messages = store.putAll(t.communications).map((it) => it.id);
      error = '';
    } catch (e) {
      if (my !== seq) return;
      error = e.status === 404 ? 'This thread is not there (deleted, or not yours).' : e.message;
      thread = null;
      messages = [];
    }
    loading = false;
    render();
    ctx.rendered('thread');
  }
  // reload runs once 400 ms after the first of a burst of live changes
  // (a throttle, not a debounce: a long import still refreshes the view).
  let pending = 0;
  const reload = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = 0;
      if (!root) return;
      if (open) loadThread(); else loadList(false);
    }, 400);
  };

  function renderList() {
    return [
      h('p', {},
        h('label', { for: 'threads-only' },
          h('input', {
            type: 'checkbox', id: 'threads-only', checked: onlyConversations,
            onchange: (ev) => { archetype.record('filter'); onlyConversations = ev.target.checked; loadList(false); },
          }), ' Conversations only (two messages or more)')),
      error ? h('p', { class: 'error', role: 'alert' }, error) : null,
      threads.length ? h('ol', { class: 'thread-list', 'aria-label': 'Threads, newest first' },
        threads.map((t) => h('li', { class: 'thread-row', dataset: { thread: t.id } },
          h('a', { href: threadHash(t.id), class: 'thread-subject', onclick: () => archetype.record('thread') }, t.subject || '(no subject)'),
          ' ', h('span', { class: 'count', title: `${t.count} messages` }, `${t.count} message${t.count === 1 ? '' : 's'}`),
          t.urgency === 'high' ? [' ', h('span', { class: 'badge badge-high' }, 'high')] : null,
          h('p', { class: 'card-meta' },
            h('span', { class: 'thread-people' }, people(t)),
            h('span', { 'aria-hidden': 'true' }, ' · '),
            h('span', {}, `last from ${t.lastSender || 'unknown'} `),
            h('time', { datetime: t.last, title: fmtDate(t.last) }, when(t.last)),
            t.open < t.count ? h('span', {}, ` · ${t.count - t.open} done`) : null)))) : null,
      !threads.length && !loading && !error ? h('p', { class: 'muted' }, onlyConversations
        ? 'No conversations yet: a thread needs two messages that share References or In-Reply-To.'
        : 'No threaded mail yet.') : null,
      loading ? h('p', { class: 'loading' }, 'Loading…') : null,
      next && !loading ? h('button', { type: 'button', class: 'btn', id: 'more-threads', onclick: () => loadList(true) }, 'Show more threads') : null,
    ];
  }

  function renderThread() {
    const items = messages.map((id) => store.get(id)).filter(Boolean);
    return [
      h('p', {}, h('a', { href: '#/threads', id: 'threads-back' }, '← All threads')),
      error ? h('p', { class: 'error', role: 'alert' }, error) : null,
      thread ? h('h3', { id: 'thread-h' }, thread.subject || '(no subject)', ' ',
        h('span', { class: 'count' }, `${thread.count} message${thread.count === 1 ? '' : 's'} · ${people(thread)}`)) : null,
      items.length ? h('ol', { class: 'cards thread-messages', 'aria-labelledby': 'thread-h' },
        items.map((it) => h('li', { class: 'thread-message' }, card(it, ctx, { showType: false })))) : null,
      loading ? h('p', { class: 'loading' }, 'Loading…') : null,
    ];
  }

  function render() {
    const el = root && root.querySelector('#threads-body');
    if (!el) return;
    preserveFocus(el, () => replace(el, open ? renderThread() : renderList()));
  }

  return {
    title: 'Threads',
    mount(main, params) {
      open = params.id || '';
      root = h('div', { class: 'view threads' },
        h('div', { class: 'view-head' },
          h('h2', { class: 'view-title' }, 'Threads'),
          h('p', { class: 'muted' }, 'Mail grouped by conversation (References and In-Reply-To), the newest first, with its people.')),
        h('div', { id: 'threads-body' }));
      replace(main, root);
      if (open) loadThread(); else loadList(false);
      // A message that joins or changes: reload the list or the thread.
      unsub = store.subscribe((item) => {
        if (!open || item.threadId === open) reload();
      });
      unsubRemoved = store.onRemove((id) => { if (!open || messages.includes(id)) reload(); });
    },
    unmount() {
      if (unsub) unsub();
      if (unsubRemoved) unsubRemoved();
      root = null;
      seq++;
    },
    refresh() { reload(); },
  };
}
