// The communication card the views share, and the badges on it.

import { h } from './dom.js';
import { countdown, deadlineOf, projectLabel, relTime, typeLabel, urgencyOf, fmtDate, subjectOf } from './format.js';
import { icon } from './icons.js';
import * as archetype from './archetype.js';
import { actions } from './triage.js';
import * as notice from './notice.js';

// ctx is what a card needs from the page: openDetail(id, opener) and
// openPerson(senderId, name). opts: showType, showVisual, showReasons,
// fresh (highlight a moment), extra (a node shown above the buttons, such as
// Needs you now's reason line).
export function card(item, ctx, opts = {}) {
  const urgency = urgencyOf(item);
  const dims = item.dimensions || null;
  const deadline = deadlineOf(item);
  const cd = deadline && countdown(deadline);
  const visual = (dims && dims.visual && dims.visual.visualElements) || {};
  const attachments = Number(visual.attachments) || 0;
  const images = Number(visual.images) || 0;
  const subject = subjectOf(item);

  const open = (ev) => ctx.openDetail(item.id, ev.currentTarget);
  // A new high item not seen yet stays highlighted, with a "New" badge,
  // until it is opened or has been on the screen a second (notice.js).
  const unseen = notice.isUnseen(item.id);
  const el = h('article', {
    class: `card urg-${urgency || 'none'}${opts.fresh ? ' fresh' : ''}${unseen ? ' unseen' : ''}`,
    dataset: { id: item.id, urgency: urgency || 'none', state: item.state || 'open' },
    'aria-labelledby': `card-${cssId(item.id)}`,
  },
    h('div', { class: 'card-head' },
      unseen ? h('span', { class: 'badge badge-new' }, 'New') : null,
      opts.showType ? h('span', { class: 'type' }, icon(item.commType), ' ', typeLabel(item.commType)) : null,
      urgency ? h('span', { class: `badge badge-${urgency}` }, urgency) : h('span', { class: 'badge badge-none' }, 'unrated'),
      dims && dims.requiresAction ? h('span', { class: 'badge badge-action' }, 'Requires action') : null,
      item.status === 'accepted' ? h('span', { class: 'badge badge-pending' }, 'Extracting…') : null,
      item.status === 'failed' ? h('span', { class: 'badge badge-failed' }, 'Extraction failed') : null,
    ),
    h('h4', { class: 'card-title' },
      h('button', { type: 'button', class: 'link', id: `card-${cssId(item.id)}`, onclick: open }, subject)),
    h('p', { class: 'card-meta' },
      item.sender || item.sender_id ? h('button', {
        type: 'button', class: 'link person', id: `person-${cssId(item.id)}`,
        onclick: () => ctx.openPerson(item.sender_id || item.sender, item.sender || item.sender_id),
        title: item.sender_id || '',
      }, item.sender || item.sender_id) : h('span', {}, 'Unknown sender'),
      h('span', { 'aria-hidden': 'true' }, ' · '),
      h('span', {}, projectLabel(item.project)),
      h('span', { 'aria-hidden': 'true' }, ' · '),
      h('time', { datetime: item.timestamp, title: fmtDate(item.timestamp) }, relTime(item.timestamp)),
    ),
    cd ? h('p', { class: 'card-deadline' },
      h('button', {
        type: 'button', class: `countdown countdown-${cd.state}`, dataset: { deadline: deadline.toISOString() }, id: `due-${cssId(item.id)}`,
        title: `Deadline ${fmtDate(deadline)}`,
        onclick: (ev) => { archetype.record('deadline'); ctx.openDetail(item.id, ev.currentTarget, 'deadline'); },
      }, cd.text)) : null,
    opts.showVisual && (attachments || images) ? h('p', { class: 'card-visual' },
      attachments ? h('span', {}, `${attachments} attachment${attachments === 1 ? '' : 's'}`) : null,
      images ? h('button', {
        type: 'button', class: 'link image-link',
        onclick: (ev) => { archetype.record('image'); ctx.openDetail(item.id, ev.currentTarget, 'attachments'); },
      }, icon('image'), ` View ${images} image${images === 1 ? '' : 's'}`) : null,
    ) : null,
    opts.showReasons && dims && Array.isArray(dims.urgencyReasons) && dims.urgencyReasons.length
      ? h('p', { class: 'card-reasons' }, dims.urgencyReasons.join(' · ')) : null,
    opts.extra || null,
    actions(item),
  );
  if (unseen) notice.track(el);
  return el;
}

// cssId makes an id safe inside an element id.
export function cssId(id) {
  return String(id).replace(/[^A-Za-z0-9_-]/g, (c) => '_' + c.charCodeAt(0).toString(16));
}

// tickCountdowns refreshes every countdown on the page; the app calls it
// every second.
export function tickCountdowns(root = document) {
  const now = Date.now();
  for (const el of root.querySelectorAll('[data-deadline]')) {
    const cd = countdown(el.dataset.deadline, now);
    if (!cd) continue;
    if (el.textContent !== cd.text) el.textContent = cd.text;
    const cls = `countdown countdown-${cd.state}`;
    if (el.className !== cls) el.className = cls;
  }
}
