// Notice what matters (issue 12): a new high-priority communication that
// arrives on the live stream while the page is open
//
//   - counts in the tab's title ("(3) Needs you now · Doc-Tales") and puts
//     a dot on the tab's icon until it is seen;
//   - pops up a browser notification (the Notification API) when the
//     person turned them on with the header's button: the permission is
//     asked on that click only, never on load, and the choice is
//     remembered (localStorage, beside the browser's own permission);
//   - goes to the top of Needs you now and stays highlighted there until
//     it is seen: opened, or on the screen for a second while the page is
//     visible. Done, snoozed or deleted, it no longer counts.
//
// "New" means created after the page opened, so a reload or a list page
// never notifies old mail; "high" means high urgency, fresh (within the
// attention judgement's freshness window), not put away, and not bulk,
// list, automated or suspicious mail (the extraction engine's category).

import * as store from './store.js';
import { serverNow } from './api.js';
import { h, announce } from './dom.js';
import { subjectOf, urgencyOf, toDate } from './format.js';
import { isHidden } from './triage.js';

const FRESH_MS = 72 * 3600e3;
const SEEN_MS = 1000;
const PREF = 'doctales.notifications';
const QUIET = new Set(['bulk', 'list', 'automated', 'autoreply', 'suspicious']);
const ICON = 'ui/favicon.svg';
const ICON_DOT = 'ui/favicon-dot.svg';

const unseen = new Map(); // id -> when it arrived (ms)
const noticed = new Set(); // ids counted once, never again
const listeners = new Set();
// When the page opened, by the server's clock (set by init, once the
// first answers came): items are stamped by the server.
let openedAt = Date.now();
let baseTitle = document.title || 'Doc-Tales';
let openDetail = () => {};

// For tests and the curious: window.__doctales.notice (set by init).
const probe = { notice: { notified: [], seen: {}, unseen: 0 } };

// isNewHigh reports whether a live item is one to notice.
export function isNewHigh(item, now = serverNow()) {
  if (!item || urgencyOf(item) !== 'high' || isHidden(item, now)) return false;
  const created = toDate(item.createdAt);
  // The Date header is to the second: two seconds of slack.
  if (created && created.getTime() < openedAt - 2000) return false;
  const ts = toDate(item.timestamp);
  if (ts && now - ts.getTime() > FRESH_MS) return false;
  const cat = item.dimensions && item.dimensions.category;
  return !QUIET.has(cat);
}

// isUnseen reports whether id arrived and was not seen yet.
export function isUnseen(id) {
  return unseen.has(id);
}

// unseenIds returns the unseen ids, newest first.
export function unseenIds() {
  return [...unseen.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
}

// onChange calls fn() when the unseen set changes; it returns the
// function that unsubscribes.
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed() {
  badge();
  for (const fn of [...listeners]) {
    try { fn(); } catch (e) { console.error(e); }
  }
}

// setTitle sets the tab's title without the count; the count is put in
// front of it.
export function setTitle(title) {
  baseTitle = title;
  badge();
}

function badge() {
  const n = unseen.size;
  const t = n ? `(${n}) ${baseTitle}` : baseTitle;
  if (document.title !== t) document.title = t;
  const link = document.getElementById('favicon');
  if (link) {
    const href = n ? ICON_DOT : ICON;
    if (link.getAttribute('href') !== href) link.setAttribute('href', href);
  }
  probe.notice.unseen = n;
}

// seen marks id as seen (how: "opened", "scrolled", "done", "removed").
export function seen(id, how) {
  const at = unseen.get(id);
  if (at === undefined) return;
  unseen.delete(id);
  probe.notice.seen[id] = { how, after: Date.now() - at };
  changed();
}

function arrived(item) {
  if (noticed.has(item.id)) return;
  noticed.add(item.id);
  unseen.set(item.id, Date.now());
  changed();
  notify(item);
}

// --- browser notifications ------------------------------------------------

function supported() {
  return typeof window.Notification === 'function';
}

function wanted() {
  try { return localStorage.getItem(PREF) === 'on'; } catch { return false; }
}

function remember(v) {
  try { localStorage.setItem(PREF, v); } catch { /* private mode: for this page only */ }
}

function notify(item) {
  if (!supported() || !wanted() || Notification.permission !== 'granted') return;
  const subject = subjectOf(item);
  const who = item.sender || item.sender_id || '';
  const why = item.dimensions && Array.isArray(item.dimensions.urgencyReasons) ? item.dimensions.urgencyReasons.join(', ') : '';
  try {
    const n = new Notification(subject, { body: [who, why].filter(Boolean).join(' · ') || 'High priority', tag: item.id, icon: ICON });
    probe.notice.notified.push({ id: item.id, subject });
    n.onclick = () => { window.focus(); openDetail(item.id); n.close(); };
  } catch (e) {
    // Some browsers allow notifications only from a service worker.
    console.warn('notification not shown', e);
  }
}

// button returns the header's notifications button.
function button() {
  const b = h('button', { type: 'button', class: 'btn btn-small', id: 'notify-toggle' });
  const draw = () => {
    if (!supported()) { b.hidden = true; return; }
    const perm = Notification.permission;
    const on = perm === 'granted' && wanted();
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.disabled = perm === 'denied';
    b.textContent = perm === 'denied' ? 'Notifications blocked' : on ? 'Notifications on' : 'Notify me';
    b.title = perm === 'denied'
      ? 'The browser blocks notifications from this page: allow them in its site settings.'
      : on ? 'New high-priority mail pops up as a notification. Click to turn them off.'
        : 'Pop up a notification when new high-priority mail arrives.';
  };
  b.addEventListener('click', async () => {
    if (Notification.permission === 'granted' && wanted()) {
      remember('off');
      announce('Notifications off.');
    } else {
      // Asked here, on the person's click, and only here.
      let perm = Notification.permission;
      if (perm === 'default') {
        try { perm = await Notification.requestPermission(); } catch { perm = Notification.permission; }
      }
      if (perm === 'granted') {
        remember('on');
        announce('Notifications on: new high-priority mail pops up.');
      } else {
        announce('The browser did not allow notifications.');
      }
    }
    draw();
  });
  draw();
  return b;
}

// --- seen on the screen -----------------------------------------------------

const timers = new Map(); // element -> {timer, since}
const stop = (el) => { const w = timers.get(el); if (w) clearTimeout(w.timer); timers.delete(el); };
const observer = typeof IntersectionObserver === 'function' ? new IntersectionObserver((entries) => {
  for (const e of entries) {
    const el = e.target;
    if (!el.isConnected || !unseen.has(el.dataset.id)) {
      observer.unobserve(el);
      stop(el);
      continue;
    }
    if (e.isIntersecting && e.intersectionRatio >= 0.6) {
      if (!timers.has(el)) timers.set(el, { since: Date.now(), timer: setTimeout(() => check(el), SEEN_MS) });
    } else {
      stop(el);
    }
  }
}, { threshold: [0, 0.6, 1] }) : null;

function check(el) {
  const w = timers.get(el);
  timers.delete(el);
  if (!el.isConnected) return;
  if (document.visibilityState !== 'visible') {
    // A hidden tab: look again when it is shown.
    observer.unobserve(el);
    return;
  }
  const id = el.dataset.id;
  const visibleFor = w ? Date.now() - w.since : 0;
  seen(id, 'scrolled');
  if (probe.notice.seen[id]) probe.notice.seen[id].visibleFor = visibleFor;
  observer.unobserve(el);
}

// track watches a card of an unseen communication: on the screen for a
// second, it counts as seen.
export function track(el) {
  if (!observer || !el || !unseen.has(el.dataset.id)) return;
  observer.unobserve(el);
  observer.observe(el);
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') return;
  for (const el of document.querySelectorAll('article.card.unseen')) track(el);
});

// init wires the header button and the live stream; open(id) opens a
// communication (a notification's click).
export function init(open) {
  openDetail = open || openDetail;
  (window.__doctales ||= {}).notice = probe.notice;
  openedAt = serverNow();
  const slot = document.getElementById('notify-slot');
  if (slot) slot.replaceWith(button());
  store.subscribe((item) => {
    if (unseen.has(item.id)) {
      // Put away or no longer high: it no longer needs noticing.
      if (isHidden(item) || urgencyOf(item) !== 'high') seen(item.id, 'done');
      return;
    }
    if (isNewHigh(item)) arrived(item);
  });
  store.onRemove((id) => seen(id, 'removed'));
  badge();
}
