// Connector (issue 12): the people and organisations who write, with
// their traffic, last contact, open requests (asks not yet done) and
// response times both ways within threads, read from the aggregate tables
// the analytics consumer keeps (GET /analytics/people); mailing lists and
// free-mail domains are not organisations. The search box and the
// organisation filter narrow the rows loaded (the busiest 1,000); choosing
// a person lists their communications (GET /communications?sender=…).

import { api } from '../api.js';
import { h, replace, debounce, preserveFocus } from '../dom.js';
import { card, cssId } from '../cards.js';
import { relTime } from '../format.js';
import * as store from '../store.js';
import * as archetype from '../archetype.js';

// dur says a number of seconds in words: "45 min", "3.5 h", "2.1 days".
export function dur(sec, n) {
  if (!n) return '–';
  if (sec < 60) return `${Math.round(sec)} s`;
  if (sec < 3600) return `${Math.round(sec / 60)} min`;
  if (sec < 86400 * 2) return `${(sec / 3600).toFixed(1)} h`;
  return `${(sec / 86400).toFixed(1)} days`;
}

export function create(ctx) {
  let root = null;
  let unsub = null;
  let unsubRemoved = null;
  const st = {
    q: '', organization: '', all: [], people: [], orgs: [], error: '',
    person: null, // {id, name}
    ids: [], next: '', loading: false, listError: '',
  };

  async function loadPeople() {
    try {
      const r = await api.analyticsPeople({ limit: 1000 });
      st.all = Array.isArray(r.people) ? r.people : [];
      st.orgs = Array.isArray(r.organizations) ? r.organizations : [];
      st.error = '';
    } catch (e) {
      st.error = e.message;
    }
    filterPeople();
    renderPeople();
    ctx.rendered('connector');
  }

  // filterPeople narrows the loaded rows to the search text and the
  // chosen organisation.
  function filterPeople() {
    const q = st.q.trim().toLowerCase();
    st.people = st.all.filter((p) => (!st.organization || p.organization === st.organization) &&
      (!q || String(p.id).toLowerCase().includes(q) || String(p.name).toLowerCase().includes(q)));
  }
  const reloadPeople = debounce(loadPeople, 1500); // after the consumer has applied the change

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
    const shown = st.people.slice(0, 200);
    preserveFocus(el, () => replace(el,
      h('h3', { id: 'people-h' }, st.organization ? `People at ${st.organization}` : 'People'),
      st.organization ? h('button', { type: 'button', class: 'btn btn-small', id: 'org-clear', onclick: () => { st.organization = ''; filterPeople(); renderPeople(); } }, 'Show everyone') : null,
      st.error ? h('p', { class: 'error' }, st.error) : null,
      shown.length ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'people-h' },
        h('table', { class: 'stats-table people-table' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Person'),
            h('th', { scope: 'col' }, 'Organisation'),
            h('th', { scope: 'col', class: 'num' }, 'Messages'),
            h('th', { scope: 'col', class: 'num', title: 'Asks for action not marked done' }, 'Open requests'),
            h('th', { scope: 'col' }, 'Last contact'),
            h('th', { scope: 'col', class: 'num', title: 'Mean time this person took to answer the message before theirs in a thread' }, 'They answer in'),
            h('th', { scope: 'col', class: 'num', title: 'Mean time others took to answer this person in a thread' }, 'Answered in'))),
          h('tbody', {}, shown.map((p) => h('tr', { dataset: { person: p.id } },
            h('td', {}, h('button', {
              type: 'button', class: 'link person-row', id: `p-${cssId(p.id)}`,
              'aria-pressed': st.person && st.person.id === p.id ? 'true' : 'false',
              onclick: (ev) => selectPerson(p.id, p.name, ev.currentTarget),
            }, p.name || p.id), p.name && p.name !== p.id ? h('span', { class: 'muted small person-id' }, ` ${p.id}`) : null),
            h('td', {}, p.organization || h('span', { class: 'muted' }, '–')),
            h('td', { class: 'num' }, String(p.total), p.high ? h('span', { class: 'badge badge-high' }, `${p.high} high`) : null),
            h('td', { class: 'num person-open' }, String(p.open)),
            h('td', {}, p.lastContact ? h('time', { datetime: p.lastContact }, relTime(p.lastContact)) : '–'),
            h('td', { class: 'num', title: p.theyReplied ? `${p.theyReplied} answers` : '' }, dur(p.theyReplySeconds, p.theyReplied)),
            h('td', { class: 'num', title: p.repliedTo ? `${p.repliedTo} answers` : '' }, dur(p.repliedToSeconds, p.repliedTo)),
          ))))) : h('p', { class: 'muted' }, st.q ? 'No one matches.' : 'No senders yet.'),
      st.people.length > shown.length ? h('p', { class: 'muted small' }, `The ${shown.length} busiest of ${st.people.length}; search to find others.`) : null,
    ));
    const orgEl = root.querySelector('.orgs');
    preserveFocus(orgEl, () => replace(orgEl,
      h('h3', { id: 'orgs-h' }, 'Organisations'),
      h('p', { class: 'muted small' }, 'By sender domain; mailing lists and free mail are not organisations.'),
      st.orgs.length ? h('ul', { class: 'org-list', 'aria-labelledby': 'orgs-h' }, st.orgs.map((o) => h('li', {},
        h('button', {
          type: 'button', class: 'link', id: `o-${cssId(o.name)}`,
          'aria-pressed': st.organization === o.name ? 'true' : 'false',
          onclick: () => { archetype.record('person'); st.organization = o.name; filterPeople(); renderPeople(); },
        }, o.name),
        h('span', { class: 'muted small' }, ` ${o.total} from ${o.people} ${o.people === 1 ? 'person' : 'people'}${o.high ? `, ${o.high} high` : ''}${o.open ? `, ${o.open} open` : ''}${o.lastContact ? `, last ${relTime(o.lastContact)}` : ''}`),
      ))) : h('p', { class: 'muted' }, 'No sender organisations yet.'),
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
          h('p', { class: 'muted' }, 'People and organisations: how much they write, open requests, last contact and how fast answers come; choose one to see their communications.')),
        h('div', { class: 'search' },
          h('label', { for: 'people-q' }, 'Find a person'),
          h('input', {
            id: 'people-q', type: 'search', autocomplete: 'off', placeholder: 'Name or address', value: st.q,
            oninput: debounce((ev) => { st.q = ev.target.value; filterPeople(); renderPeople(); }, 200),
          })),
        h('section', { class: 'people', 'aria-labelledby': 'people-h' }),
        h('div', { class: 'split' },
          h('div', { class: 'col' }, h('section', { class: 'orgs', 'aria-labelledby': 'orgs-h' })),
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
