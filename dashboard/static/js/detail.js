// The detail pane: one communication's text with its entities, dates,
// deadline and PII highlighted, its dimensions, the reasons for its
// urgency and its event history (the log records and dead letters about
// it, and the flow history when the server keeps one).
//
// The extraction engine grows new fields over time, so everything here is
// read defensively: a missing or odd field is skipped, never an error, and
// dimensions this page does not know are still listed generically.
//
// The pane's Delete button asks for confirmation in the pane itself, then
// deletes the communication (DELETE /communications/{id}) and drops it
// from the store, so every view loses it; a communication deleted
// elsewhere (another tab, the retention sweep) closes the pane with a
// message.

import { api } from './api.js';
import { h, replace, announce } from './dom.js';
import { countdown, fmtDate, pct, num, projectLabel, typeLabel, toDate, urgencyOf, subjectOf } from './format.js';
import * as archetype from './archetype.js';
import * as store from './store.js';
import { icon } from './icons.js';
import { showMessage } from './toast.js';
import * as notice from './notice.js';

let pane = null;
let current = null; // {id, opener, focus, subject, del: {state: 'idle'|'confirm'|'busy', error}}
let seq = 0;

export function init() {
  pane = document.getElementById('detail');
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && current) {
      ev.preventDefault();
      close();
    }
  });
  store.subscribe((item) => {
    // Refresh the open pane when its communication changes (extraction
    // finished, a redrive succeeded).
    if (current && item.id === current.id) refresh();
  });
  store.onRemove((id, old) => {
    // Deleted elsewhere while shown here: close the pane and say why. This
    // pane's own delete (busy) closes it itself.
    if (!current || current.id !== id || current.del.state === 'busy') return;
    const subject = current.subject || (old && subjectOf(old)) || 'The communication';
    close();
    showMessage(`“${subject}” was deleted elsewhere; its details were closed.`);
  });
}

export function isOpen() {
  return !!current;
}

// openId returns the id of the communication the pane shows, or "".
export function openId() {
  return current ? current.id : '';
}

// open shows communication id; opener gets the focus back on close; focus
// names a section to scroll to ("deadline", "attachments"). Opening the
// pane by itself (a subject or a row) counts as a details view for the
// archetype; opening it from a deadline or an image has already counted as
// that interaction, so focus is set.
//
// opts.restore reopens a pane the person left open in a view they come
// back to: it counts nothing and leaves the focus where it is.
export async function open(id, opener, focus, opts = {}) {
  if (!focus && !opts.restore) archetype.record('open');
  notice.seen(id, 'opened');
  current = { id, opener: opener || document.activeElement, focus, subject: '', del: { state: 'idle', error: '' } };
  document.body.classList.add('detail-open');
  pane.hidden = false;
  replace(pane, header('Loading…'), h('p', { class: 'loading' }, 'Loading…'));
  if (!opts.restore) pane.querySelector('.detail-close').focus();
  // Opening is reading: mark it read, which acknowledges it for escalation (notify/when.go).
  const known = store.get(id);
  if (!(known && known.metadata && known.metadata.read)) api.setState(id, { state: 'read' }).then(store.publish, () => {});
  await load();
}

const refresh = (() => {
  let t = 0;
  return () => { clearTimeout(t); t = setTimeout(() => current && load(true), 250); };
})();

//
// opts.quiet (a change of view) leaves the focus alone.
export function close(opts = {}) {
  if (!current) return;
  const opener = current.opener;
  current = null;
  pane.hidden = true;
  replace(pane);
  document.body.classList.remove('detail-open');
  if (opts.quiet) return;
  // A live change (this pane's own read mark) may have re-rendered the opener: find it by id.
  const back = opener && (document.contains(opener) ? opener : opener.id && document.getElementById(opener.id));
  if (back) back.focus();
  else document.getElementById('main').focus();
}

function header(title) {
  return h('div', { class: 'detail-head' },
    h('h2', { id: 'detail-title' }, title),
    h('button', { type: 'button', class: 'btn btn-quiet detail-close', 'aria-label': 'Close details', onclick: close }, '✕'),
  );
}

async function load(keepScroll) {
  const my = ++seq;
  const id = current.id;
  let comm, log = null, flow = null;
  try {
    [comm, log, flow] = await Promise.all([
      api.get(id),
      api.log(id).catch(() => null),
      api.flow(id).catch(() => null),
    ]);
  } catch (e) {
    if (my !== seq || !current) return;
    replace(pane, header('Not available'), h('p', { class: 'error' }, e.message));
    return;
  }
  if (my !== seq || !current) return;
  const scroll = pane.scrollTop;
  const active = document.activeElement;
  const focusInside = active && (pane.contains(active) || active === document.body);
  const focusedId = focusInside && active.id;
  current.subject = comm.subject || comm.title || subjectOf({ ...comm, commType: comm.type });
  replace(pane, header(current.subject), ...body(comm, log, flow));
  // The rebuilt pane keeps the focus where it was, or on its close button.
  if (focusInside) {
    const f = focusedId && document.getElementById(focusedId);
    (f || pane.querySelector('.detail-close')).focus({ preventScroll: true });
  }
  if (keepScroll) {
    pane.scrollTop = scroll;
  } else if (current.focus) {
    const target = pane.querySelector(`[data-section="${current.focus}"]`);
    if (target) target.scrollIntoView({ block: 'start' });
  }
}

function body(c, log, flow) {
  const dims = (c.dimensions && typeof c.dimensions === 'object') ? c.dimensions : null;
  const urgency = urgencyOf(c);
  const deadline = dims && (toDate(dims.deadline) || toDate(dims.temporal && dims.temporal.deadline));
  const cd = deadline && countdown(deadline);
  const out = [];

  // Who, when, what.
  out.push(h('dl', { class: 'facts' },
    fact('From', c.sender ? [c.sender, c.sender_id ? h('span', { class: 'muted' }, ` <${c.sender_id}>`) : null] : (c.sender_id || '–')),
    Array.isArray(c.recipients) && c.recipients.length ? fact('To', c.recipients.join(', ')) : null,
    fact('Received', h('time', { datetime: c.timestamp }, fmtDate(c.timestamp))),
    fact('Project', projectLabel(c.project)),
    fact('Type', typeLabel(c.type) + (c.source && c.source !== c.type ? ` (${c.source})` : '')),
    fact('Status', c.status + (c.error ? ` — ${c.error}` : '')),
    fact('Urgency', urgency ? h('span', { class: `badge badge-${urgency}` }, urgency) : 'not rated yet'),
  ));
  out.push(h('div', { class: 'detail-actions', id: 'detail-actions' }, actions()));

  // Deadline and urgency reasons.
  if (dims) {
    out.push(h('section', { class: 'detail-section', 'data-section': 'deadline', 'aria-labelledby': 'd-urgency' },
      h('h3', { id: 'd-urgency' }, 'Why this urgency'),
      cd ? h('p', {},
        'Deadline ', h('strong', {}, fmtDate(deadline)), ' — ',
        h('span', { class: `countdown countdown-${cd.state}`, dataset: { deadline: deadline.toISOString() } }, cd.text)) : null,
      dims.suspicious ? h('p', { class: 'suspicious', role: 'note' }, h('strong', {}, 'Looks like fraud or phishing: '), dims.suspicious, '. It is never pushed.') : null,
      c.attention && c.attention.reason ? h('p', {}, h('strong', {}, `Now: ${c.attention.level}`), ` — ${c.attention.reason}`) : null,
      list('Urgency', dims.urgency ? `${dims.urgency} (score ${num(dims.urgencyScore, 2)})` : null, dims.urgencyReasons),
      list('Requires action', typeof dims.requiresAction === 'boolean' ? (dims.requiresAction ? `yes (score ${num(dims.actionScore, 2)})` : 'no') : null, dims.actionReasons),
      dims.category ? list('Kind', CATEGORY_LABEL[dims.category] || dims.category,
        arr(dims.categoryReasons).map((e) => e.text ? `${e.rule}: ${e.text}` : e.rule)) : null,
    ));
  }

  // The text with highlights.
  const content = typeof c.content === 'string' ? c.content : '';
  const spans = dims ? spansOf(dims) : { content: [], subject: [] };
  out.push(h('section', { class: 'detail-section', 'aria-labelledby': 'd-text' },
    h('h3', { id: 'd-text' }, 'Text'),
    legend(spans.content.concat(spans.subject)),
    spans.subject.length ? h('p', { class: 'subject-text' }, h('span', { class: 'muted' }, 'Subject: '), highlight(c.subject || '', spans.subject)) : null,
    h('div', { class: 'content-text' }, content ? highlight(content, spans.content) : h('p', { class: 'muted' }, 'No text.')),
    dims && dims.truncated ? h('p', { class: 'muted' }, `Only the first ${dims.analyzedBytes} bytes were analysed.`) : null,
  ));

  // Attachments.
  const atts = Array.isArray(c.attachments) ? c.attachments : [];
  if (atts.length) {
    out.push(h('section', { class: 'detail-section', 'data-section': 'attachments', 'aria-labelledby': 'd-att' },
      h('h3', { id: 'd-att' }, 'Attachments'),
      h('ul', { class: 'attachments' }, atts.map(attachment)),
    ));
  }

  // Dimensions.
  if (dims) out.push(dimensionsSection(dims));

  // History.
  out.push(historySection(c, log, flow));
  return out;
}

// --- delete -------------------------------------------------------------

// actions returns the pane's actions as current.del says: the Delete
// button (with the last error), or the confirmation.
function actions() {
  const d = current.del;
  if (d.state === 'idle') {
    return [
      h('button', { type: 'button', class: 'btn btn-danger-quiet', id: 'detail-delete', onclick: askDelete }, 'Delete communication'),
      d.error ? h('p', { class: 'error', id: 'delete-error', role: 'alert' }, d.error) : null,
    ];
  }
  const busy = d.state === 'busy';
  return h('div', {
    class: 'confirm', role: 'group', 'aria-labelledby': 'delete-q',
    onkeydown: (ev) => {
      // Escape cancels the confirmation, not the pane.
      if (ev.key === 'Escape' && !busy) {
        ev.preventDefault();
        ev.stopPropagation();
        cancelDelete();
      }
    },
  },
    h('p', { id: 'delete-q' }, h('strong', {}, 'Delete this communication for good?'),
      ' Its text, attachments and history are removed; this cannot be undone.'),
    h('div', { class: 'confirm-actions' },
      // aria-disabled rather than disabled while the request runs: a
      // disabled button would drop the keyboard focus.
      h('button', { type: 'button', class: 'btn btn-danger', id: 'delete-confirm', 'aria-disabled': busy ? 'true' : null, onclick: confirmDelete },
        busy ? 'Deleting…' : 'Delete'),
      h('button', { type: 'button', class: 'btn', id: 'delete-cancel', 'aria-disabled': busy ? 'true' : null, onclick: cancelDelete }, 'Cancel'),
    ),
  );
}

// renderActions rebuilds the actions and moves the focus to focusId.
function renderActions(focusId) {
  const el = pane.querySelector('#detail-actions');
  if (!el || !current) return;
  replace(el, actions());
  const f = focusId && document.getElementById(focusId);
  if (f) f.focus();
}

function askDelete() {
  if (!current) return;
  current.del = { state: 'confirm', error: '' };
  // The focus goes to Cancel: Enter by mistake deletes nothing.
  renderActions('delete-cancel');
}

function cancelDelete() {
  if (!current || current.del.state !== 'confirm') return;
  current.del = { state: 'idle', error: '' };
  renderActions('detail-delete');
}

async function confirmDelete() {
  const c = current;
  if (!c || c.del.state !== 'confirm') return;
  const { id } = c;
  const subject = c.subject || 'The communication';
  c.del = { state: 'busy', error: '' };
  renderActions('delete-confirm');
  announce('Deleting…');
  try {
    await api.remove(id);
  } catch (e) {
    const msg = deleteError(e);
    if (current === c) {
      c.del = { state: 'idle', error: msg };
      renderActions('detail-delete');
    } else {
      showMessage(msg, { error: true });
    }
    return;
  }
  // Every view drops it first, so the focus does not go back to its card.
  store.remove(id);
  if (current === c) close();
  showMessage(`Deleted “${subject}”.`);
}

// deleteError says why a delete failed; the communication is left as it
// was.
function deleteError(e) {
  if (!e || !e.status) return 'Could not reach the server: nothing was deleted. Try again when it answers.';
  if (e.status === 404) return 'Not deleted: the server does not know this communication (it may have been deleted already).';
  if (e.status === 403) return 'Not deleted: you may not delete communications (a read-only key; deleting needs the “ingest” scope).';
  return `Not deleted: ${e.message}`;
}

function fact(label, value) {
  return [h('dt', {}, label), h('dd', {}, value)];
}

function list(label, head, items) {
  if (!head && !(Array.isArray(items) && items.length)) return null;
  return h('div', { class: 'reason' },
    h('p', {}, h('strong', {}, label + ': '), head || ''),
    Array.isArray(items) && items.length ? h('ul', {}, items.map((r) => h('li', {}, String(r)))) : null,
  );
}

// --- highlighting -------------------------------------------------------

const ENTITY_CLASS = {
  PERSON: 'hl-person', ORGANIZATION: 'hl-org', LOCATION: 'hl-place', DATE: 'hl-date',
};
const KIND_LABEL = {
  'hl-why': 'Why it is urgent', 'hl-deadline': 'Deadline', 'hl-date': 'Date', 'hl-pii': 'Personal data', 'hl-person': 'Person',
  'hl-org': 'Organisation', 'hl-place': 'Place', 'hl-entity': 'Other entity',
};
// CATEGORY_LABEL names the message categories of the extraction engine.
const CATEGORY_LABEL = {
  person: 'written to you by a person', reply: 'a reply in a thread', list: 'a mailing list or forum',
  bulk: 'a newsletter or marketing', automated: 'sent by a system', autoreply: 'an automatic reply',
  suspicious: 'suspicious',
};
// Overlapping spans: the higher priority wins.
const PRIORITY = { 'hl-why': 7, 'hl-deadline': 6, 'hl-pii': 5, 'hl-date': 4, 'hl-person': 3, 'hl-org': 3, 'hl-place': 3, 'hl-entity': 1 };

// spansOf collects highlight spans by the text they point into.
function spansOf(dims) {
  const out = { content: [], subject: [] };
  const add = (src, b, e, cls, label) => {
    const where = (!src || src === 'content') ? 'content' : src === 'subject' ? 'subject' : null;
    if (!where || !Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e <= b) return;
    out[where].push({ b, e, cls, label });
  };
  for (const en of arr(dims.entities)) {
    const cls = ENTITY_CLASS[en.Type] || 'hl-entity';
    add(en.Source, en.BeginOffset, en.EndOffset, cls, `${en.Type || 'Entity'}${Number.isFinite(en.Score) ? ` ${pct(en.Score)}` : ''}`);
  }
  for (const d of arr(dims.dates)) {
    const when = fmtDate(d.time);
    add(d.source, d.beginOffset, d.endOffset, d.deadline ? 'hl-deadline' : 'hl-date',
      `${d.deadline ? 'Deadline' : 'Date'}${when ? ': ' + when : ''}${d.cue ? ` (${d.cue})` : ''}`);
  }
  // The words behind the urgency (issue 14): what made it urgent, where.
  for (const ev of arr(dims.urgencyEvidence)) {
    if (ev.rule === 'deadline') continue; // shown as the deadline itself
    add(ev.source, ev.start, ev.end, 'hl-why', `Why: ${ev.rule || 'urgency'}`);
  }
  for (const p of arr(dims.pii)) {
    add(p.Source, p.BeginOffset, p.EndOffset, 'hl-pii', `PII: ${p.Type || 'unknown'}`);
  }
  return out;
}

function arr(x) {
  return Array.isArray(x) ? x.filter((v) => v && typeof v === 'object') : [];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// highlight returns text as nodes with the spans (UTF-8 byte offsets)
// marked; overlapping spans are resolved by priority, spans outside the
// text are dropped.
export function highlight(text, spans) {
  const bytes = encoder.encode(text);
  const chosen = [];
  const sorted = spans.filter((s) => s.e <= bytes.length)
    .sort((a, b) => (PRIORITY[b.cls] || 0) - (PRIORITY[a.cls] || 0) || (b.e - b.b) - (a.e - a.b));
  for (const s of sorted) {
    if (!chosen.some((c) => s.b < c.e && c.b < s.e)) chosen.push(s);
  }
  chosen.sort((a, b) => a.b - b.b);
  const nodes = [];
  let pos = 0;
  for (const s of chosen) {
    if (s.b > pos) nodes.push(decoder.decode(bytes.subarray(pos, s.b)));
    nodes.push(h('mark', { class: s.cls, title: s.label, 'data-label': s.label },
      decoder.decode(bytes.subarray(s.b, s.e)),
      h('span', { class: 'visually-hidden' }, ` (${s.label})`)));
    pos = s.e;
  }
  if (pos < bytes.length) nodes.push(decoder.decode(bytes.subarray(pos)));
  return nodes;
}

function legend(spans) {
  const counts = {};
  for (const s of spans) counts[s.cls] = (counts[s.cls] || 0) + 1;
  const kinds = Object.keys(KIND_LABEL).filter((k) => counts[k]);
  if (!kinds.length) return null;
  return h('ul', { class: 'legend', 'aria-label': 'Highlights' },
    kinds.map((k) => h('li', {}, h('mark', { class: k }, KIND_LABEL[k]), ` ${counts[k]}`)));
}

// --- attachments --------------------------------------------------------

function attachment(a) {
  const name = a.name || a.Name || 'attachment';
  const type = a.type || a.Type || '';
  const size = Number(a.size || a.Size) || 0;
  const url = typeof a.url === 'string' ? a.url : '';
  const isImage = type.startsWith('image/') || /\.(png|jpe?g|gif|webp|svg)$/i.test(name);
  // Only same-origin and inline images are shown: the page loads nothing
  // from elsewhere.
  const local = url.startsWith('/') && !url.startsWith('//') || url.startsWith('data:image/');
  return h('li', { class: isImage ? 'attachment image' : 'attachment' },
    isImage ? h('button', {
      type: 'button', class: 'thumb',
      'aria-label': `View image ${name}`,
      onclick: (ev) => { archetype.record('image'); ev.currentTarget.classList.toggle('open'); },
    }, local ? h('img', { src: url, alt: name }) : h('span', { class: 'thumb-placeholder' }, icon('image', 28))) : null,
    h('span', {}, name),
    type || size ? h('span', { class: 'muted' }, ` ${[type, size ? `${Math.ceil(size / 1024)} KB` : ''].filter(Boolean).join(', ')}`) : null,
  );
}

// --- dimensions ---------------------------------------------------------

// Shown above, or as highlights; not repeated in the generic list.
const SHOWN = new Set(['urgency', 'urgencyScore', 'urgencyReasons', 'requiresAction', 'actionScore', 'actionReasons',
  'deadline', 'entities', 'pii', 'dates', 'keyPhrases', 'confidenceScores', 'sentiment', 'sentimentScore',
  'language', 'languageScore', 'extractedAt', 'analyzedBytes', 'truncated', 'urgencyEvidence', 'category', 'categoryReasons', 'suspicious']);

function dimensionsSection(d) {
  const conf = d.confidenceScores && typeof d.confidenceScores === 'object' ? d.confidenceScores : null;
  const people = arr(d.entities).filter((e) => e.Type === 'PERSON').map((e) => e.Text);
  const orgs = arr(d.entities).filter((e) => e.Type === 'ORGANIZATION').map((e) => e.Text);
  const places = arr(d.entities).filter((e) => e.Type === 'LOCATION').map((e) => e.Text);
  const pii = {};
  for (const p of arr(d.pii)) pii[p.Type || 'unknown'] = (pii[p.Type || 'unknown'] || 0) + 1;
  const other = Object.keys(d).filter((k) => !SHOWN.has(k) && d[k] !== null && d[k] !== undefined);

  return h('section', { class: 'detail-section', 'aria-labelledby': 'd-dims' },
    h('h3', { id: 'd-dims' }, 'Dimensions'),
    h('dl', { class: 'facts' },
      d.sentiment ? fact('Sentiment', `${String(d.sentiment).toLowerCase()}${d.sentimentScore && Number.isFinite(d.sentimentScore.Compound) ? ` (compound ${num(d.sentimentScore.Compound, 2)})` : ''}`) : null,
      d.language ? fact('Language', `${d.language}${Number.isFinite(d.languageScore) && d.language !== 'und' ? ` (${pct(d.languageScore)})` : ''}`) : null,
      people.length ? fact('People', chips(people)) : null,
      orgs.length ? fact('Organisations', chips(orgs)) : null,
      places.length ? fact('Places', chips(places)) : null,
      arr(d.keyPhrases).length ? fact('Key phrases', chips(arr(d.keyPhrases).map((k) => k.Text))) : null,
      Object.keys(pii).length ? fact('Personal data', Object.entries(pii).map(([t, n]) => `${t} ×${n}`).join(', ')) : null,
      arr(d.dates).length ? fact('Dates', h('ul', { class: 'plain' }, arr(d.dates).map((x) =>
        h('li', {}, `${x.text} → ${fmtDate(x.time)}${x.deadline ? ' (deadline)' : ''}`)))) : null,
      d.extractedAt ? fact('Extracted', fmtDate(d.extractedAt)) : null,
    ),
    conf ? h('div', { class: 'confidence' },
      h('h4', {}, 'Confidence'),
      h('ul', { class: 'bars' }, Object.entries(conf).filter(([, v]) => typeof v === 'number').map(([k, v]) =>
        h('li', {}, h('span', { class: 'bar-label' }, k),
          h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { class: 'bar-fill', style: { width: pct(Math.min(1, Math.max(0, v))) } })),
          h('span', { class: 'bar-value' }, pct(v)))))) : null,
    other.length ? h('details', { class: 'more-dims' },
      h('summary', {}, 'All other dimensions'),
      h('dl', { class: 'facts' }, other.map((k) => fact(k, value(d[k], 0))))) : null,
  );
}

function chips(texts) {
  const seen = new Set();
  return h('ul', { class: 'chips' }, texts.filter((t) => t && !seen.has(t) && seen.add(t)).map((t) => h('li', {}, String(t))));
}

// value renders any JSON value: objects as nested lists, bounded depth.
function value(v, depth) {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'object') return typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v);
  if (depth > 3) return JSON.stringify(v);
  if (Array.isArray(v)) {
    if (!v.length) return 'none';
    if (v.every((x) => typeof x !== 'object')) return v.join(', ');
    return h('ol', { class: 'plain' }, v.slice(0, 20).map((x) => h('li', {}, value(x, depth + 1))));
  }
  const keys = Object.keys(v);
  if (!keys.length) return '–';
  return h('dl', { class: 'facts nested' }, keys.map((k) => fact(k, value(v[k], depth + 1))));
}

// --- history ------------------------------------------------------------

function historySection(c, log, flow) {
  const events = log && Array.isArray(log.events) ? log.events : [];
  const dls = log && Array.isArray(log.deadLetters) ? log.deadLetters : [];
  const flowEvents = flowList(flow);
  return h('section', { class: 'detail-section', 'aria-labelledby': 'd-history' },
    h('h3', { id: 'd-history' }, 'Event history'),
    events.length ? h('ol', { class: 'timeline' }, events.map((e) => h('li', {},
      h('time', { datetime: e.time }, fmtDate(e.time)),
      ' ', h('span', { class: 'event-name' }, e.event || e.source),
      ' ', h('span', {}, e.summary || ''),
      h('span', { class: 'muted' }, ` · ${e.source} #${e.seq}`),
    ))) : h('p', { class: 'muted' }, log ? 'No log records (they may have been compacted).' : 'The log is not available.'),
    dls.length ? h('div', { class: 'dead-letters' },
      h('h4', {}, 'Dead letters'),
      h('ul', {}, dls.map((dl) => h('li', {},
        h('p', {}, h('strong', {}, `${dl.subscription}: `), dl.error || dl.reason, h('span', { class: 'muted' }, ` (${dl.attempts} attempts, ${fmtDate(dl.lastAttempt)})`)),
        h('button', {
          type: 'button', class: 'btn btn-small',
          onclick: async (ev) => {
            ev.currentTarget.disabled = true;
            try {
              await api.redrive(dl.id);
              announce(`Dead letter ${dl.id} redriven.`);
              refresh();
            } catch (e) {
              announce(`Redrive failed: ${e.message}`);
              ev.currentTarget.disabled = false;
            }
          },
        }, `Redrive dead letter ${dl.id}`),
      )))) : null,
    flowEvents.length ? h('details', { class: 'flow' },
      h('summary', {}, `Flow history (${flowEvents.length})`),
      h('ol', { class: 'timeline' }, flowEvents.slice(0, 200).map((e) => h('li', {},
        h('time', {}, fmtDate(e.at || e.time)), ' ',
        h('span', { class: 'event-name' }, [e.step, e.kind].filter(Boolean).join(' ')), ' ',
        h('span', {}, typeof e.detail === 'string' ? e.detail : (e.event || ''))))),
    ) : null,
  );
}

// flowList finds the list of events in a flow-history answer, whatever
// its exact shape.
function flowList(flow) {
  if (!flow) return [];
  if (Array.isArray(flow)) return arr(flow);
  for (const k of ['events', 'flow', 'history', 'Events']) if (Array.isArray(flow[k])) return arr(flow[k]);
  return [];
}
