// Triage (issue 12): done, snooze and reopen, the keyboard (j/k move,
// e done, s snooze until tomorrow 9:00, / search, ? help) and the search
// box. A state change is a PATCH; the server writes it as a MODIFY record,
// so every open page (this one included) gets the new item from the live
// stream; the answer is also published here at once.

import { api } from './api.js';
import { h, announce } from './dom.js';
import * as store from './store.js';
import { subjectOf, fmtDate, today, wallTime } from './format.js';
import * as archetype from './archetype.js';

// isHidden reports whether the reader put item away: done, waiting on
// others, or snoozed until a time still ahead.
export function isHidden(item, now = Date.now()) {
  if (!item) return false;
  if (item.state === 'done' || item.state === 'waiting') return true;
  if (item.state === 'snoozed') {
    const t = Date.parse(item.stateUntil);
    return !Number.isFinite(t) || t > now;
  }
  return false;
}

// tomorrowNine is 9:00 tomorrow in the person's time zone.
export function tomorrowNine(now = new Date()) {
  const t = today(now);
  return wallTime(t.year, t.month, t.day + 1, 9, 0);
}

async function change(id, body, said) {
  try {
    const item = await api.setState(id, body);
    store.publish(item);
    announce(said(item));
    return item;
  } catch (e) {
    announce(`Could not change “${subjectOf(store.get(id) || { id })}”: ${e.message}`);
    return null;
  }
}

export function markDone(id) {
  archetype.record('done');
  return change(id, { state: 'done' }, (it) => `Done: ${subjectOf(it)}.`);
}
export function markWaiting(id) {
  archetype.record('waiting');
  return change(id, { state: 'waiting' }, (it) => `Waiting on others: ${subjectOf(it)}.`);
}
export const reopen = (id) => change(id, { state: 'open' }, (it) => `Back in the list: ${subjectOf(it)}.`);
export function snooze(id, until = tomorrowNine()) {
  archetype.record('snooze');
  return change(id, { state: 'snoozed', until: until.toISOString() },
    (it) => `Snoozed until ${fmtDate(until)}: ${subjectOf(it)}.`);
}

// actions returns the Done / Snooze (or Reopen) buttons of a card.
export function actions(item) {
  if (isHidden(item)) {
    return h('p', { class: 'card-actions' },
      h('span', { class: 'badge badge-state' }, item.state === 'done' || item.state === 'waiting' ? item.state : 'snoozed'), ' ',
      h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'open' }, onclick: () => reopen(item.id) }, 'Reopen'));
  }
  return h('p', { class: 'card-actions' },
    h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'done' }, title: 'Done (e)', onclick: () => markDone(item.id) }, 'Done'), ' ',
    h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'snooze' }, title: 'Snooze until tomorrow 9:00 (s)', onclick: () => snooze(item.id) }, 'Snooze'), ' ',
    h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'waiting' }, title: 'Waiting on others: the next step is someone else’s', onclick: () => markWaiting(item.id) }, 'Waiting'));
}

const KEYS = [
  ['j', 'next communication'],
  ['k', 'previous communication'],
  ['Enter', 'open the chosen communication'],
  ['e', 'done: out of the list'],
  ['s', 'snooze until tomorrow 9:00'],
  ['/', 'search'],
  ['?', 'this help'],
  ['Esc', 'close the help or the details'],
];

let selected = ''; // id of the chosen card

function cards() {
  return [...document.querySelectorAll('#main article.card')];
}

// select marks the card of id as chosen and focuses its title.
function select(el) {
  for (const c of document.querySelectorAll('article.card.selected')) c.classList.remove('selected');
  if (!el) { selected = ''; return; }
  selected = el.dataset.id;
  el.classList.add('selected');
  const title = el.querySelector('.card-title button');
  if (title) title.focus();
  el.scrollIntoView({ block: 'nearest' });
}

function move(step) {
  const all = cards();
  if (!all.length) return;
  let i = all.findIndex((c) => c.dataset.id === selected);
  if (i < 0) i = step > 0 ? -1 : all.length;
  select(all[Math.max(0, Math.min(all.length - 1, i + step))]);
}

// afterHide chooses the card after the one that went, so e and s can be
// pressed again and again.
function nextAfter(id) {
  const all = cards();
  const i = all.findIndex((c) => c.dataset.id === id);
  return i >= 0 ? (all[i + 1] || all[i - 1] || null) : null;
}

async function act(fn) {
  const id = selected;
  if (!id) { announce('Choose a communication first with j or k.'); return; }
  const next = nextAfter(id);
  await fn(id);
  const again = next && document.querySelector(`#main article.card[data-id="${CSS.escape(next.dataset.id)}"]`);
  select(again || null);
}

function helpDialog() {
  let d = document.getElementById('keys-help');
  if (d) return d;
  d = h('dialog', { id: 'keys-help', class: 'keys-help', 'aria-labelledby': 'keys-help-h' },
    h('h2', { id: 'keys-help-h' }, 'Keyboard'),
    h('dl', {}, KEYS.map(([k, what]) => [h('dt', {}, h('kbd', {}, k)), h('dd', {}, what)])),
    h('form', { method: 'dialog' }, h('button', { class: 'btn', id: 'keys-help-close' }, 'Close')));
  document.body.appendChild(d);
  return d;
}

export function toggleHelp() {
  const d = helpDialog();
  if (d.open) d.close(); else d.showModal();
}

// searchBox returns the search form of the header: it opens
// #/search?q=… .
export function searchBox() {
  const input = h('input', { type: 'search', id: 'search', name: 'q', placeholder: 'Search: words, "a phrase", from:, project:, has:attachment', autocomplete: 'off', maxlength: '1024' });
  const m = /^#\/search\?(.*)$/.exec(location.hash);
  if (m) input.value = new URLSearchParams(m[1]).get('q') || '';
  return h('form', {
    role: 'search', class: 'search-box',
    onsubmit: (ev) => {
      ev.preventDefault();
      const q = input.value.trim();
      if (!q) return;
      archetype.record('search');
      location.hash = `#/search?${new URLSearchParams({ q })}`;
    },
  }, h('label', { for: 'search', class: 'visually-hidden' }, 'Search communications'), input,
  h('button', { type: 'submit', class: 'btn' }, 'Search'), ' ',
  h('button', { type: 'button', class: 'btn', id: 'keys-help-open', title: 'Keyboard shortcuts (?)', onclick: toggleHelp }, '?'));
}

// initKeys wires the keyboard; keys typed into a field are the field's.
export function initKeys() {
  // A view re-rendered by a live change builds new cards: the chosen one
  // keeps its mark, so e and s go on working on it.
  const main = document.getElementById('main');
  if (main) {
    new MutationObserver(() => {
      if (!selected) return;
      const c = main.querySelector(`article.card[data-id="${CSS.escape(selected)}"]`);
      if (c && !c.classList.contains('selected')) c.classList.add('selected');
    }).observe(main, { childList: true, subtree: true });
  }
  document.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
      if (ev.key === 'Escape' && t.id === 'search') t.blur();
      return;
    }
    if (document.querySelector('dialog[open]') && ev.key !== '?') return;
    switch (ev.key) {
      case 'j': move(1); break;
      case 'k': move(-1); break;
      case 'e': act(markDone); break;
      case 's': act((id) => snooze(id)); break;
      case '/': document.getElementById('search').focus(); break;
      case '?': toggleHelp(); break;
      default: return;
    }
    ev.preventDefault();
  });
  document.addEventListener('focusin', (ev) => {
    const c = ev.target && ev.target.closest && ev.target.closest('#main article.card');
    if (c && c.dataset.id !== selected) {
      for (const o of document.querySelectorAll('article.card.selected')) o.classList.remove('selected');
      selected = c.dataset.id;
      c.classList.add('selected');
    }
  });
}
