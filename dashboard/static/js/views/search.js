// Search: the results of the header's search box (GET /communications?q=),
// ranked best first, with the filters from:, project:, urgency:,
// before:/after: and has:attachment. Done and snoozed results stay listed
// with a Reopen button; live changes update them in place.

import { api } from '../api.js';
import { h, replace, preserveFocus } from '../dom.js';
import { card } from '../cards.js';
import * as store from '../store.js';

export function create(ctx) {
  let root = null, q = '', ids = [], next = '', error = '', loading = false;
  let unsub = null, unsubRemoved = null;

  async function load(more) {
    loading = true;
    render();
    try {
      const page = await api.list({ q, limit: 50, next: more ? next : '' });
      const items = store.putAll(page.communications);
      ids = (more ? ids : []).concat(items.map((it) => it.id).filter((id) => !ids.includes(id) || !more));
      next = page.next || '';
      error = '';
    } catch (e) {
      error = e.field === 'q' ? `The search was refused: ${e.message}` : e.message;
      ids = more ? ids : [];
    }
    loading = false;
    render();
    ctx.rendered('search');
  }

  function render() {
    const el = root && root.querySelector('#search-results');
    if (!el) return;
    const items = ids.map((id) => store.get(id)).filter(Boolean);
    preserveFocus(el, () => replace(el,
      h('h3', { id: 'search-h' }, `Results for “${q}”`, ' ', h('span', { class: 'count' }, loading ? '' : `${items.length}${next ? '+' : ''}`)),
      error ? h('p', { class: 'error', role: 'alert' }, error) : null,
      items.length ? h('div', { class: 'cards', role: 'list', 'aria-labelledby': 'search-h' },
        items.map((it) => h('div', { role: 'listitem' }, card(it, ctx, { showType: true })))) : null,
      !items.length && !loading && !error ? h('p', { class: 'muted' }, 'Nothing found.') : null,
      loading ? h('p', { class: 'loading' }, 'Searching…') : null,
      next && !loading ? h('button', { type: 'button', class: 'btn', id: 'more-search', onclick: () => load(true) }, 'Show more results') : null,
    ));
  }

  return {
    title: 'Search',
    mount(main, params) {
      q = params.q || '';
      const box = document.getElementById('search');
      if (box && box.value !== q) box.value = q;
      root = h('div', { class: 'view search' },
        h('div', { class: 'view-head' },
          h('h2', { class: 'view-title' }, 'Search'),
          h('p', { class: 'muted' }, 'Subject, text, people and key phrases, best match first. Filters: from:, project:, urgency:, before:, after: (dates), has:attachment, "a phrase".')),
        h('section', { id: 'search-results', 'aria-labelledby': 'search-h' }));
      replace(main, root);
      unsub = store.subscribe((item) => { if (ids.includes(item.id)) render(); });
      unsubRemoved = store.onRemove((id) => { ids = ids.filter((x) => x !== id); render(); });
      if (q) load(false); else render();
    },
    unmount() {
      if (unsub) unsub();
      if (unsubRemoved) unsubRemoved();
      root = null;
    },
    refresh() { if (q) load(false); },
  };
}
