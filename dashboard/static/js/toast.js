// Pop-up notifications for high-priority communications: each notification
// from the live stream becomes a toast with the message's subject and a
// button that opens the communication. A toast stays 15 seconds, longer
// while the pointer or the keyboard focus is on it.

import { h } from './dom.js';
import { fmtDate } from './format.js';

const STAY_MS = 15000;
const MAX_TOASTS = 5;
const MESSAGE_MS = 8000;

export function showNotification(msg, openDetail) {
  const region = document.getElementById('toasts');
  if (!region) return;
  const attrs = msg.MessageAttributes || {};
  const id = attrs.communicationId && attrs.communicationId.StringValue;
  const subject = msg.Subject || 'High priority communication';
  // The message's deadline is RFC 3339: shown in the person's zone.
  const lines = String(msg.Message || '').split('\n').filter((l) => /^(From|Project|Deadline):/.test(l))
    .map((l) => l.replace(/^Deadline: (\S+)$/, (all, iso) => (fmtDate(iso) ? `Deadline: ${fmtDate(iso)}` : all)));

  let timer = 0;
  const close = () => { clearTimeout(timer); toast.remove(); };
  const arm = () => { clearTimeout(timer); timer = setTimeout(close, STAY_MS); };
  const toast = h('div', { class: 'toast', role: 'alert', dataset: { id: id || '' } },
    h('p', { class: 'toast-title' }, subject),
    lines.length ? h('p', { class: 'toast-body' }, lines.join(' · ')) : null,
    h('div', { class: 'toast-actions' },
      id ? h('button', { type: 'button', class: 'btn btn-small', onclick: () => { close(); openDetail(id); } }, 'Open') : null,
      h('button', { type: 'button', class: 'btn btn-small btn-quiet', 'aria-label': `Dismiss notification: ${subject}`, onclick: close }, 'Dismiss'),
    ),
  );
  toast.addEventListener('mouseenter', () => clearTimeout(timer));
  toast.addEventListener('mouseleave', arm);
  toast.addEventListener('focusin', () => clearTimeout(timer));
  toast.addEventListener('focusout', arm);
  region.prepend(toast);
  while (region.children.length > MAX_TOASTS) region.lastElementChild.remove();
  arm();
}

// showMessage shows a short message (the result of an action) as a toast
// for a few seconds; the toasts region is a polite live region, so screen
// readers say it. opts.error marks a failure.
export function showMessage(text, opts = {}) {
  const region = document.getElementById('toasts');
  if (!region) return;
  let timer = 0;
  const close = () => { clearTimeout(timer); toast.remove(); };
  const arm = () => { clearTimeout(timer); timer = setTimeout(close, MESSAGE_MS); };
  const toast = h('div', { class: `toast toast-message${opts.error ? ' toast-error' : ''}` },
    h('p', { class: 'toast-title' }, text),
    h('div', { class: 'toast-actions' },
      h('button', { type: 'button', class: 'btn btn-small btn-quiet', 'aria-label': `Dismiss: ${text}`, onclick: close }, 'Dismiss'),
    ),
  );
  toast.addEventListener('mouseenter', () => clearTimeout(timer));
  toast.addEventListener('mouseleave', arm);
  toast.addEventListener('focusin', () => clearTimeout(timer));
  toast.addEventListener('focusout', arm);
  region.prepend(toast);
  while (region.children.length > MAX_TOASTS) region.lastElementChild.remove();
  arm();
}

// dropNotifications removes the pop-ups about communication id (it was
// deleted: their Open button would find nothing).
export function dropNotifications(id) {
  const region = document.getElementById('toasts');
  if (!region) return;
  for (const t of region.querySelectorAll('.toast[data-id]')) if (t.dataset.id === id) t.remove();
}
