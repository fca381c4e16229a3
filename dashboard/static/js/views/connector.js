// Connector: the people and organisations who write, with counts (GET
// /people, aggregated by the server over the whole table, one entry per
// sender id); choosing a person lists their communications
// (GET /communications?sender=…).

import { api } from '../api.js';
import { h, replace, debounce, preserveFocus } from '../dom.js';
import { card, cssId } from '../cards.js';
import { relTime, projectLabel } from '../format.js';
import * as store from '../store.js';
import * as archetype from '../archetype.js';

export function create(ctx) {
  let root = null;
  let unsub = null;
  let unsubRemoved = null;
  const st = {
    q: '', organization: '', people: [], orgs: [], error: '',
    person: null, // {id, name}
    ids: [], next: '', loading: false, listError: '',
  };

  async function loadPeople() {
    try {
      const r = await api.people({ q: st.q, organization: st.organization, limit: 100 });
      st.people = Array.isArray(r.people) ? r.people : [];
      st.orgs = Array.isArray(r.organizations) ? r.organizations : [];
      st.error = '';
    } catch (e) {
      st.error = e.message;
    }
    renderPeople();
    ctx.rendered('connector');
  }
  const reloadPeople = debounce(loadPeople, 300);

  async function loadPerson(more) {
    if (!st.person) return;
    st.loading = true;
    renderPerson();
    try {
      const page = await api.list({ sender: st.person.id, limit: 50, next: more ? st.next : '' });
      const items = store.putAll(page.communications);
      st.ids = (more ? st.ids : []).concat(items.map((i) => i.id).filter((id) => !(more && st.ids.includes(id))));
      st.next = page.next || '';
      st.listError = '';
    } catch (e) {
      st.listError = e.message;
    }
    st.loading = false;
    renderPerson();
  }

  function selectPerson(id, name, opener) {
    archetype.record('person');
    st.person = { id, name: name || id };
    st.ids = [];
    st.next = '';
    renderPeople();
    loadPerson(false);
    const heading = root && root.querySelector('#person-h');
    if (heading && opener) heading.focus();
  }

  function renderPeople() {
    const el = root && root.querySelector('.people');
    if (!el) return;
    preserveFocus(el, () => replace(el,
      h('h3', { id: 'people-h' }, st.organization ? `People at ${st.organization}` : 'People'),
      st.organization ? h('button', { type: 'button', class: 'btn btn-small', id: 'org-clear', onclick: () => { st.organization = ''; loadPeople(); } }, 'Show everyone') : null,
      st.error ? h('p', { class: 'error' }, st.error) : null,
      st.people.length ? h('ul', { class: 'people-list', 'aria-labelledby': 'people-h' }, st.people.map((p) => h('li', {},
        h('button', {
          type: 'button', class: 'person-row', id: `p-${cssId(p.id)}`,
          'aria-pressed': st.person && st.person.id === p.id ? 'true' : 'false',
          onclick: (ev) => selectPerson(p.id, p.name, ev.currentTarget),
        },
          h('span', { class: 'person-name' }, p.name || p.id),
          p.name && p.name !== p.id ? h('span', { class: 'muted person-id' }, p.id) : null,
          h('span', { class: 'person-counts' },
            `${p.count} communication${p.count === 1 ? '' : 's'}`,
            p.high ? h('span', { class: 'badge badge-high' }, `${p.high} high`) : null),
          h('span', { class: 'muted small' },
            [p.organization || 'No organisation', Array.isArray(p.projects) && p.projects.length ? p.projects.map(projectLabel).join(', ') : '',
              p.lastInteraction ? `last ${relTime(p.lastInteraction)}` : ''].filter(Boolean).join(' · ')),
        )))) : h('p', { class: 'muted' }, st.q ? 'No one matches.' : 'No senders yet.'),
    ));
    const orgEl = root.querySelector('.orgs');
    preserveFocus(orgEl, () => replace(orgEl,
      h('h3', { id: 'orgs-h' }, 'Organisations'),
      st.orgs.length ? h('ul', { class: 'org-list', 'aria-labelledby': 'orgs-h' }, st.orgs.map((o) => h('li', {},
        h('button', {
          type: 'button', class: 'link', id: `o-${cssId(o.name)}`,
          'aria-pressed': st.organization === o.name ? 'true' : 'false',
          onclick: () => { archetype.record('person'); st.organization = o.name; loadPeople(); },
        }, o.name),
        h('span', { class: 'muted small' }, ` ${o.count} from ${o.people} ${o.people === 1 ? 'person' : 'people'}${o.high ? `, ${o.high} high` : ''}`),
      ))) : h('p', { class: 'muted' }, 'No sender organisations (senders without e-mail addresses have none).'),
    ));
  }

  function renderPerson() {
    const el = root && root.querySelector('.person-comms');
    if (!el) return;
    if (!st.person) {
      replace(el, h('h3', { id: 'person-h', tabindex: '-1' }, 'Communications'), h('p', { class: 'muted' }, 'Choose a person to see their communications.'));
      return;
    }
    const items = st.ids.map((id) => store.get(id)).filter(Boolean);
    preserveFocus(el, () => replace(el,
      h('h3', { id: 'person-h', tabindex: '-1' }, `From ${st.person.name}`),
      st.person.name !== st.person.id ? h('p', { class: 'muted' }, st.person.id) : null,
      st.listError ? h('p', { class: 'error' }, st.listError) : null,
      items.length ? h('div', { class: 'cards', role: 'list', 'aria-labelledby': 'person-h' },
        items.map((it) => h('div', { role: 'listitem' }, card(it, ctx, { showType: true })))) : null,
      st.loading ? h('p', { class: 'loading' }, 'Loading…') : null,
      !st.loading && !items.length && !st.listError ? h('p', { class: 'muted' }, 'None.') : null,
      st.next && !st.loading ? h('button', { type: 'button', class: 'btn', id: 'person-more', onclick: () => loadPerson(true) }, 'Show more') : null,
    ));
  }

  function onItem(item, isNew) {
    if (st.person && (item.sender_id === st.person.id || (!item.sender_id && item.sender === st.person.id))) {
      if (!st.ids.includes(item.id)) st.ids.unshift(item.id);
      renderPerson();
    }
    if (isNew) reloadPeople();
  }

  // onRemoved drops a deleted communication from the person's list, and
  // reloads the counts.
  function onRemoved(id) {
    const i = st.ids.indexOf(id);
    if (i >= 0) {
      st.ids.splice(i, 1);
      renderPerson();
    }
    reloadPeople();
  }

  return {
    title: 'Connector',
    mount(main, params) {
      root = h('div', { class: 'view connector' },
        h('div', { class: 'view-head' },
          h('h2', { class: 'view-title' }, 'Connector'),
          h('p', { class: 'muted' }, 'People and organisations, with how often they write; choose one to see their communications.')),
        h('div', { class: 'search' },
          h('label', { for: 'people-q' }, 'Find a person'),
          h('input', {
            id: 'people-q', type: 'search', autocomplete: 'off', placeholder: 'Name or address', value: st.q,
            oninput: (ev) => { st.q = ev.target.value; reloadPeople(); },
          })),
        h('div', { class: 'split' },
          h('div', { class: 'col' }, h('section', { class: 'people', 'aria-labelledby': 'people-h' }), h('section', { class: 'orgs', 'aria-labelledby': 'orgs-h' })),
          h('section', { class: 'person-comms col-wide', 'aria-labelledby': 'person-h' }),
        ),
      );
      replace(main, root);
      if (params && params.person) {
        st.person = { id: params.person, name: params.name || params.person };
        loadPerson(false);
      }
      renderPerson();
      loadPeople();
      unsub = store.subscribe(onItem);
      unsubRemoved = store.onRemove(onRemoved);
    },
    unmount() {
      if (unsub) unsub();
      if (unsubRemoved) unsubRemoved();
      root = null;
    },
    refresh() {
      loadPeople();
      if (st.person) loadPerson(false);
    },
  };
}
