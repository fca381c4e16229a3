// Archetype detection from interactions, as in the original dashboard
// (date clicks → prioritizer, person clicks → connector, image views →
// visualizer, detail views → analyst), with the original's bugs fixed:
//
//   - the first click no longer makes that archetype 100%: each count
//     starts from a prior of PRIOR interactions per archetype, so the
//     confidences start at 25% each and move as evidence builds up;
//   - the primary archetype changes only when another one is strictly more
//     likely and at least MIN_EVIDENCE interactions were seen, so one click
//     does not flip it; everything that depends on it reads the new value
//     at once (the original re-sorted with the previous, stale archetype);
//   - a manual choice sticks until "Detect from my use" is chosen again,
//     while the counts and bars keep updating.
//
// The counts, the mode and the confidences are kept in the user profile
// (GET/PUT /user-profile), saved a moment after the last interaction.

import { api } from './api.js';
import { h, replace, debounce, announce } from './dom.js';
import { pct } from './format.js';

export const ARCHETYPES = ['prioritizer', 'connector', 'visualizer', 'analyst'];
export const NAMES = { prioritizer: 'Prioritizer', connector: 'Connector', visualizer: 'Visualizer', analyst: 'Analyst' };
export const INTERACTIONS = {
  date_click: 'prioritizer',
  person_click: 'connector',
  image_view: 'visualizer',
  details_view: 'analyst',
};
const PRIOR = 2;
const MIN_EVIDENCE = 4;

const state = {
  // The server reads and writes the signed-in user's own profile (the
  // default user's on an open server); the page never names a user.
  userId: undefined,
  primary: 'prioritizer',
  mode: 'auto',
  counts: { date_click: 0, person_click: 0, image_view: 0, details_view: 0 },
  preferences: {},
  listeners: new Set(),
};

// confidence returns each archetype's confidence, 0..1, summing to 1.
export function confidence(counts = state.counts) {
  let total = 0;
  const by = {};
  for (const a of ARCHETYPES) by[a] = 0;
  for (const [kind, a] of Object.entries(INTERACTIONS)) {
    const n = Number(counts[kind]) || 0;
    by[a] += n;
    total += n;
  }
  const out = {};
  for (const a of ARCHETYPES) out[a] = (by[a] + PRIOR) / (total + PRIOR * ARCHETYPES.length);
  return out;
}

// total returns the number of interactions counted.
function total(counts = state.counts) {
  return Object.keys(INTERACTIONS).reduce((n, k) => n + (Number(counts[k]) || 0), 0);
}

// detect returns the archetype with the highest confidence; current keeps
// its place unless another is strictly higher, and until MIN_EVIDENCE
// interactions were counted.
export function detect(conf, current, seen = total()) {
  let best = ARCHETYPES.includes(current) ? current : ARCHETYPES[0];
  if (seen < MIN_EVIDENCE) return best;
  for (const a of ARCHETYPES) if (conf[a] > conf[best]) best = a;
  return best;
}

export function primary() {
  return state.primary;
}

// onChange calls fn(primary) whenever the primary archetype changes.
export function onChange(fn) {
  state.listeners.add(fn);
}

// load reads the profile; a failure leaves the defaults.
export async function load() {
  try {
    const p = await api.profile(state.userId);
    const prefs = (p && p.preferences && typeof p.preferences === 'object') ? p.preferences : {};
    state.preferences = prefs;
    const c = prefs.interactions || {};
    for (const k of Object.keys(state.counts)) state.counts[k] = Math.max(0, Number(c[k]) || 0);
    state.mode = prefs.archetypeMode === 'manual' ? 'manual' : 'auto';
    state.primary = ARCHETYPES.includes(p.primaryArchetype) ? p.primaryArchetype : 'prioritizer';
    if (state.mode === 'auto') state.primary = detect(confidence(), state.primary);
  } catch (e) {
    console.warn('user profile not loaded', e);
  }
  render();
  return state.primary;
}

const save = debounce(async () => {
  const preferences = { ...state.preferences, interactions: { ...state.counts }, archetypeMode: state.mode };
  state.preferences = preferences;
  try {
    await api.putProfile({ id: state.userId, primaryArchetype: state.primary, archetypeConfidence: confidence(), preferences });
  } catch (e) {
    console.warn('user profile not saved', e);
  }
}, 800);

function setPrimary(a) {
  if (a === state.primary) return;
  state.primary = a;
  for (const fn of state.listeners) fn(a);
}

// record counts one interaction (a key of INTERACTIONS).
export function record(kind) {
  if (!(kind in state.counts)) return;
  state.counts[kind]++;
  if (state.mode === 'auto') {
    const before = state.primary;
    setPrimary(detect(confidence(), state.primary));
    if (state.primary !== before) announce(`Your archetype now looks like ${NAMES[state.primary]}.`);
  }
  render();
  save();
}

// choose sets the mode: "auto" or an archetype chosen by hand.
export function choose(value) {
  if (value === 'auto') {
    state.mode = 'auto';
    setPrimary(detect(confidence(), state.primary));
  } else if (ARCHETYPES.includes(value)) {
    state.mode = 'manual';
    setPrimary(value);
  }
  render();
  save();
}

// render draws the archetype name, the four confidence bars and the mode.
export function render() {
  const conf = confidence();
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
