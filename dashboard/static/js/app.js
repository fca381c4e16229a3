// The dashboard's entry point: routing between the views (#/prioritizer,
// #/connector, #/visualizer, #/analyst, #/operations, #/rules), the live stream, the
// archetype and the detail pane.

import { announce } from './dom.js';
import { api, SIGN_IN } from './api.js';
import * as store from './store.js';
import * as archetype from './archetype.js';
import * as detail from './detail.js';
import { connectLive as connect } from './live-ws.js'; // SSE, or the WebSocket on AWS
import { showNotification, dropNotifications } from './toast.js';
import { tickCountdowns } from './cards.js';
import * as prioritizer from './views/prioritizer.js';
import { initKeys, searchBox } from './triage.js';
import * as notice from './notice.js';

const VIEWS = {
  now: () => import('./views/now.js'),
  threads: () => import('./views/threads.js'),
  prioritizer: () => Promise.resolve(prioritizer),
  connector: () => import('./views/connector.js'),
  visualizer: () => import('./views/visualizer.js'),
  analyst: () => import('./views/analyst.js'),
  operations: () => import('./views/operations.js'),
  search: () => import('./views/search.js'),
  rules: () => import('./views/rules.js'),
};

// FIRST_VIEW opens when the address names no view: "needs you now"
// (#/now, issue 12); #/threads lists the conversations.
const FIRST_VIEW = 'now';

// For tests and the curious: when the first view rendered, and which.
const probe = window.__doctales = { firstRender: 0, rendered: {}, live: 'connecting', removed: [] };

let active = null; // {name, view}
let routing = 0;
// The detail pane belongs to the view it was opened in (issue 12): leaving
// the view closes it, coming back reopens it, so a pane opened in Analyst
// never squeezes Operations.
const paneOf = new Map(); // view name -> communication id

const ctx = {
  openDetail: (id, opener, focus) => detail.open(id, opener, focus),
  openPerson: (id, name) => {
    archetype.record('person');
    location.hash = `#/connector?${new URLSearchParams({ person: id, name: name || id })}`;
  },
  rendered: (name) => {
    if (!probe.firstRender) probe.firstRender = performance.now();
    probe.rendered[name] = (probe.rendered[name] || 0) + 1;
    document.documentElement.dataset.rendered = name;
  },
};

function parseHash() {
  const m = /^#\/([a-z]+)(?:\?(.*))?$/.exec(location.hash);
  if (!m || !VIEWS[m[1]]) return null;
  return { name: m[1], params: Object.fromEntries(new URLSearchParams(m[2] || '')) };
}

async function route() {
  const my = ++routing;
  // With no view in the address the first screen is "needs you now"
  // (issue 12); the archetype's view is marked in the navigation.
  let r = parseHash();
  if (!r) r = { name: FIRST_VIEW, params: {} };
  const mod = await VIEWS[r.name]();
  if (my !== routing) return;
  const left = active && active.name;
  if (active) active.view.unmount();
  if (left && left !== r.name) {
    paneOf.set(left, detail.openId());
    detail.close({ quiet: true });
  }
  const main = document.getElementById('main');
  const view = mod.create(ctx);
  active = { name: r.name, view };
  document.body.dataset.view = r.name;
  archetype.setView(r.name);
  view.mount(main, r.params);
  // A link from a notification e-mail: #/prioritizer?open=<id>.
  if (r.params.open) detail.open(r.params.open, null);
  else if (left !== r.name && paneOf.get(r.name) && !store.isRemoved(paneOf.get(r.name))) {
    detail.open(paneOf.get(r.name), null, undefined, { restore: true });
  }
  notice.setTitle(`${view.title} · Doc-Tales`);
  for (const a of document.querySelectorAll('nav.views a')) {
    if (a.dataset.view === r.name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function markSuggested(primary) {
  for (const a of document.querySelectorAll('nav.views a')) {
    const on = a.dataset.view === primary;
    a.classList.toggle('suggested', on);
    let hint = a.querySelector('.suggested-hint');
    if (on && !hint) {
      hint = document.createElement('span');
      hint.className = 'suggested-hint';
      hint.textContent = ' (your archetype)';
      a.appendChild(hint);
    } else if (!on && hint) {
      hint.remove();
    }
  }
}

function setLive(state, text) {
  probe.live = state;
  const el = document.getElementById('live-status');
  if (!el) return;
  el.dataset.state = state;
  el.textContent = text;
}

// signedIn checks the session: without one (and when the server is not
// open) the sign-in page takes over. It shows who is signed in and wires
// the sign-out button.
async function signedIn() {
  let s;
  try { s = await api.session(); } catch { return true; } // the views show the error
  if (!s || !s.signedIn) {
    location.replace(SIGN_IN);
    return false;
  }
  if (!s.open) {
    document.getElementById('session-user').textContent = s.user || '';
    document.getElementById('session').hidden = false;
    document.getElementById('sign-out').addEventListener('click', async () => {
      try { await api.signOut(); } catch { /* signed out or gone either way */ }
      location.replace(SIGN_IN);
    });
  }
  return true;
}

async function main() {
  if (!(await signedIn())) return;
  detail.init();
  notice.init((id) => detail.open(id, null));
  document.getElementById('search-slot').replaceWith(searchBox());
  initKeys();
  // On a phone the archetype bars start folded, to leave the screen to the
  // communications.
  if (window.matchMedia('(max-width: 800px)').matches) document.getElementById('archetype-details').open = false;
  document.getElementById('archetype-mode').addEventListener('change', (ev) => {
    const v = ev.target.value;
    archetype.choose(v);
    if (v !== 'auto') location.hash = `#/${v}`;
    announce(v === 'auto' ? 'The archetype is detected from your use again.' : `Archetype set to ${archetype.NAMES[v]}.`);
  });
  archetype.onChange(markSuggested);
  // The pop-ups about a deleted communication go with it.
  store.onRemove((id) => dropNotifications(id));
  window.addEventListener('hashchange', route);

  // The profile decides the first view only when the address names none;
  // otherwise it loads beside the view.
  // The profile gives the person's time zone (when the server has one):
  // read it before the first times are drawn.
  await archetype.load().then(markSuggested);
  route();

  connect({
    onCommunication: (item) => store.publish(item),
    onNotification: (msg) => showNotification(msg, (id) => detail.open(id, null)),
    // A communication deleted here, in another tab or by the retention
    // sweep: every view and the detail pane drop it.
    onRemoved: (id) => { probe.removed.push(id); store.remove(id); },
    // A rule changed: the Rules page reloads its list.
    onRule: () => active && active.name === 'rules' && active.view.refresh(),
    onStatus: setLive,
    onReconnect: () => active && active.view.refresh(),
  });
  setInterval(() => tickCountdowns(document), 1000);
}

main();
