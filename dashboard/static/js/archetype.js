// Archetype detection from what people do in each view (issue 12), not
// from what they open. The page counts actions per view (done, snooze,
// search, filter, sort, a thread, a person, a board, a deadline
// followed…; opening a communication is counted and weighs nothing) and
// the time spent working in a view (visible, and touched in the last
// minute), and reports them to the server (POST /user-profile/activity)
// a moment after the last action and every half minute. The server keeps
// the whole activity in the profile and weighs it (doctales.ArchetypeEvidence:
// an action counts for its view's archetype, or at half its weight for the
// archetype it leans to on the shared screens; a minute in an archetype's
// view is one point), so the page and every other client agree.
//
// The original's bugs stay fixed: confidences start at 25 % (a prior), the
// primary archetype changes only on enough evidence, and a manual choice
// sticks until "Detect from my use" is chosen again, while the bars keep
// moving.

import { api } from './api.js';
import { h, replace, debounce, announce } from './dom.js';
import { pct, setZone } from './format.js';

export const ARCHETYPES = ['prioritizer', 'connector', 'visualizer', 'analyst'];
export const NAMES = { prioritizer: 'Prioritizer', connector: 'Connector', visualizer: 'Visualizer', analyst: 'Analyst' };
// ACTIONS are the actions the server weighs (doctales.ActionWeights).
export const ACTIONS = ['open', 'more', 'done', 'snooze', 'waiting', 'pin', 'deadline', 'search', 'filter', 'sort', 'person', 'thread', 'board', 'image', 'export'];

// Time spent is sampled every TICK_MS and counted while the page is
// visible and was touched within IDLE_MS.
const TICK_MS = 5000;
const IDLE_MS = 60000;
const REPORT_MS = 30000;

const state = {
  primary: 'prioritizer',
  mode: 'auto',
  conf: { prioritizer: 0.25, connector: 0.25, visualizer: 0.25, analyst: 0.25 },
  preferences: {},
  view: '',
  pending: {}, // {view: {actions: {a: n}, seconds}} not yet reported
  lastInput: 0,
  listeners: new Set(),
};

// For tests: what is waiting to be reported.
export function pending() {
  return JSON.parse(JSON.stringify(state.pending));
}

export function primary() {
  return state.primary;
}

// onChange calls fn(primary) whenever the primary archetype changes.
export function onChange(fn) {
  state.listeners.add(fn);
}

// setView names the view the person is in: actions and time count there.
export function setView(name) {
  state.view = name || '';
}

function slot(view) {
  const v = view || state.view || 'other';
  return (state.pending[v] ||= { actions: {}, seconds: 0 });
}

// record counts one action in the current view (or in view).
export function record(action, view) {
  if (!ACTIONS.includes(action)) return;
  const s = slot(view);
  s.actions[action] = (s.actions[action] || 0) + 1;
  state.lastInput = Date.now();
  reportSoon();
}

function apply(p) {
  if (!p) return;
  if (typeof p.timezone === 'string') setZone(p.timezone);
  state.preferences = (p.preferences && typeof p.preferences === 'object') ? p.preferences : {};
  state.mode = state.preferences.archetypeMode === 'manual' ? 'manual' : 'auto';
  if (p.archetypeConfidence && typeof p.archetypeConfidence === 'object') {
    for (const a of ARCHETYPES) if (Number.isFinite(p.archetypeConfidence[a])) state.conf[a] = p.archetypeConfidence[a];
  }
  if (ARCHETYPES.includes(p.primaryArchetype)) setPrimary(p.primaryArchetype);
  render();
}

// load reads the profile and starts counting time; a failure leaves the
// defaults.
export async function load() {
  try {
    apply(await api.profile());
  } catch (e) {
    console.warn('user profile not loaded', e);
  }
  render();
  startClock();
  return state.primary;
}

let reporting = false;
// report sends what is pending; on failure it is kept for the next try.
async function report(keepalive) {
  if (reporting) return;
  const views = Object.keys(state.pending);
  if (!views.length) return;
  const activity = state.pending;
  state.pending = {};
  // Seconds are sent rounded to a tenth, actions whole.
  for (const v of views) activity[v].seconds = Math.round(activity[v].seconds * 10) / 10;
  reporting = true;
  try {
    const before = state.primary;
    apply(await api.activity({ activity }, keepalive));
    if (state.mode === 'auto' && state.primary !== before) announce(`Your archetype now looks like ${NAMES[state.primary]}.`);
  } catch (e) {
    // Put it back, added to what came since.
    for (const [v, a] of Object.entries(activity)) {
      const s = slot(v);
      for (const [k, n] of Object.entries(a.actions)) s.actions[k] = (s.actions[k] || 0) + n;
      s.seconds += a.seconds;
    }
    console.warn('activity not reported', e);
  } finally {
    reporting = false;
  }
}
const reportSoon = debounce(() => report(false), 1500);

let clock = 0;
function startClock() {
  if (clock) return;
  const touched = () => { state.lastInput = Date.now(); };
  for (const ev of ['pointerdown', 'keydown', 'wheel', 'scroll', 'touchstart']) {
    document.addEventListener(ev, touched, { capture: true, passive: true });
  }
  let last = performance.now();
  let sinceReport = 0;
  clock = setInterval(() => {
    const now = performance.now();
    const dt = Math.min((now - last) / 1000, TICK_MS / 1000 * 2);
    last = now;
    if (document.visibilityState === 'visible' && Date.now() - state.lastInput < IDLE_MS && state.view) {
      slot().seconds += dt;
    }
    sinceReport += dt * 1000;
    if (sinceReport >= REPORT_MS) { sinceReport = 0; report(false); }
  }, TICK_MS);
  // What is left when the page goes away goes with it.
  window.addEventListener('pagehide', () => report(true));
}

function setPrimary(a) {
  if (a === state.primary) return;
  state.primary = a;
  for (const fn of state.listeners) fn(a);
}

// choose sets the mode: "auto" or an archetype chosen by hand. Back to
// "auto", the server detects again from the activity it holds.
export async function choose(value) {
  if (value === 'auto') state.mode = 'auto';
  else if (ARCHETYPES.includes(value)) { state.mode = 'manual'; setPrimary(value); } else return;
  render();
  const preferences = { ...state.preferences, archetypeMode: state.mode };
  state.preferences = preferences;
  try {
    await api.putProfile({ primaryArchetype: state.primary, preferences });
    // An empty report makes the server detect the archetype again.
    if (state.mode === 'auto') { slot(); await report(false); }
  } catch (e) {
    console.warn('user profile not saved', e);
  }
}

// render draws the archetype name, the four confidence bars and the mode.
export function render() {
  const conf = state.conf;
  const name = document.getElementById('archetype-name');
  if (name) name.textContent = NAMES[state.primary] + (state.mode === 'manual' ? ' (chosen)' : '');
  const bars = document.getElementById('archetype-bars');
  if (bars) {
    replace(bars, ARCHETYPES.map((a) => h('li', { class: a === state.primary ? 'primary' : '' },
      h('span', { class: 'bar-label' }, NAMES[a]),
      h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { class: 'bar-fill', style: { width: pct(conf[a]) } })),
      h('span', { class: 'bar-value' }, pct(conf[a])),
    )));
  }
  const sel = document.getElementById('archetype-mode');
  if (sel) sel.value = state.mode === 'auto' ? 'auto' : state.primary;
}
