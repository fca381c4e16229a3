// Visualizer: a board per project (GET /projects, most active first), each
// with the project's latest communications as cards showing their type,
// attachments and images (GET /communications?project=…).

import { api } from '../api.js';
import { h, replace, preserveFocus, debounce } from '../dom.js';
import { card, cssId } from '../cards.js';
import { projectLabel, urgencyOf } from '../format.js';
import * as store from '../store.js';
import * as archetype from '../archetype.js';

const BOARDS = 12;
const PER_BOARD = 12;

// hue gives each project a stable colour for its board's edge: an FNV-1a
// hash of the name, spread by the golden angle so neighbours differ.
function hue(s) {
  let x = 0x811c9dc5;
  for (const c of String(s)) x = Math.imul(x ^ c.codePointAt(0), 0x01000193) >>> 0;
  return Math.round((x % 97) * 137.508) % 360;
}

export function create(ctx) {
  let root = null;
  let unsub = null;
  let unsubRemoved = null;
  let projects = [];
  let error = '';
  const boards = new Map(); // project -> {ids, next, loading, error}

  async function load() {
    try {
      const r = await api.projects({ limit: BOARDS });
      projects = Array.isArray(r.projects) ? r.projects : [];
      error = '';
    } catch (e) {
      error = e.message;
    }
    render();
    await Promise.all(projects.map((p) => loadBoard(p.project, false)));
    ctx.rendered('visualizer');
  }

  async function loadBoard(project, more) {
    const b = boards.get(project) || { ids: [], next: '', loading: false, error: '' };
    boards.set(project, b);
    b.loading = true;
    renderBoard(project);
    try {
      const page = await api.list({ project, limit: PER_BOARD, next: more ? b.next : '' });
      const items = store.putAll(page.communications);
      b.ids = (more ? b.ids : []).concat(items.map((i) => i.id).filter((id) => !(more && b.ids.includes(id))));
      b.next = page.next || '';
      b.error = '';
    } catch (e) {
      b.error = e.message;
    }
    b.loading = false;
    renderBoard(project);
  }

  const reload = debounce(load, 1000);

  function render() {
    const el = root && root.querySelector('.boards');
    if (!el) return;
    replace(el,
      error ? h('p', { class: 'error' }, error) : null,
      !projects.length && !error ? h('p', { class: 'muted' }, 'No communications yet.') : null,
      projects.map((p) => h('section', {
        class: 'board', 'data-project': p.project, 'aria-labelledby': `board-${cssId(p.project)}`,
        style: { '--board-hue': String(hue(p.project)) },
      })),
    );
    for (const p of projects) renderBoard(p.project);
  }

  function renderBoard(project) {
    const el = root && [...root.querySelectorAll('.board')].find((b) => b.dataset.project === project);
    if (!el) return;
    const p = projects.find((x) => x.project === project) || { project, count: 0, high: 0 };
    const b = boards.get(project) || { ids: [] };
    const items = b.ids.map((id) => store.get(id)).filter(Boolean);
    const hid = `board-${cssId(project)}`;
    preserveFocus(el, () => replace(el,
      h('h3', { id: hid, class: 'board-title' }, projectLabel(project),
        h('span', { class: 'count' }, ` ${p.count}`), p.high ? h('span', { class: 'badge badge-high' }, `${p.high} high`) : null),
      b.error ? h('p', { class: 'error' }, b.error) : null,
      items.length ? h('div', { class: 'board-cards', role: 'list', 'aria-labelledby': hid },
        items.map((it) => h('div', { role: 'listitem' }, card(it, ctx, { showType: true, showVisual: true })))) : null,
      b.loading ? h('p', { class: 'loading' }, 'Loading…') : null,
      b.next && !b.loading ? h('button', { type: 'button', class: 'btn btn-small', id: `more-${hid}`, onclick: () => { archetype.record('board'); loadBoard(project, true); } }, `More in ${projectLabel(project)}`) : null,
    ));
  }

  function onItem(item, isNew) {
    const b = boards.get(item.project);
    if (!b) {
      if (isNew) reload(); // a new project: its board appears
      return;
    }
    if (!b.ids.includes(item.id)) {
      b.ids.unshift(item.id);
      const p = projects.find((x) => x.project === item.project);
      if (p && isNew) p.count++;
    }
    renderBoard(item.project);
  }

  // onRemoved drops a deleted communication from its board and its
  // project's counts.
  function onRemoved(id, old) {
    for (const [project, b] of boards) {
      const i = b.ids.indexOf(id);
      if (i < 0) continue;
      b.ids.splice(i, 1);
      const p = projects.find((x) => x.project === project);
      if (p) {
        p.count = Math.max(0, p.count - 1);
        if (old && urgencyOf(old) === 'high') p.high = Math.max(0, p.high - 1);
      }
      renderBoard(project);
    }
  }

  return {
    title: 'Visualizer',
    mount(main) {
      root = h('div', { class: 'view visualizer' },
        h('div', { class: 'view-head' },
          h('h2', { class: 'view-title' }, 'Visualizer'),
          h('p', { class: 'muted' }, 'A board per project, most active first, with each communication’s type, attachments and images.')),
        h('div', { class: 'boards' }, h('p', { class: 'loading' }, 'Loading…')),
      );
      replace(main, root);
      load();
      unsub = store.subscribe(onItem);
      unsubRemoved = store.onRemove(onRemoved);
    },
    unmount() {
      if (unsub) unsub();
      if (unsubRemoved) unsubRemoved();
      root = null;
    },
    refresh() {
      load();
    },
  };
}
