// Formatting of times, deadlines, urgency and names.

export const URGENCIES = ['high', 'medium', 'low'];

export function urgencyRank(u) {
  return { high: 3, medium: 2, low: 1 }[u] || 0;
}

// urgencyOf returns an item's urgency: the table's, else the extraction's.
export function urgencyOf(item) {
  return (item && item.metadata && item.metadata.urgency) || (item && item.dimensions && item.dimensions.urgency) || '';
}

// projectLabel shows a project id as words: every "-" and "_" becomes a
// space (the original replaced only the first).
export function projectLabel(p) {
  if (!p) return 'No project';
  return String(p).replace(/[-_]+/g, ' ');
}

export function toDate(v) {
  if (!v) return null;
  const d = v instanceof Date ? v : new Date(v);
  return isNaN(d.getTime()) ? null : d;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

// fmtDate returns a readable date and time, or "" for a missing one.
export function fmtDate(v) {
  const d = toDate(v);
  return d ? dateFmt.format(d) : '';
}

export function fmtDay(v) {
  const d = toDate(v);
  return d ? dayFmt.format(d) : '';
}

// relTime says how long ago (or how far ahead) v is: "5 min ago".
export function relTime(v, now = Date.now()) {
  const d = toDate(v);
  if (!d) return '';
  const s = Math.round((d.getTime() - now) / 1000);
  const abs = Math.abs(s);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
  if (abs < 60) return rtf.format(s, 'second');
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 86400 * 30) return rtf.format(Math.round(s / 86400), 'day');
  return fmtDay(d);
}

// duration formats a number of seconds as "2d 3h", "3h 05m", "4m 09s".
export function duration(sec) {
  sec = Math.max(0, Math.floor(sec));
  const d = Math.floor(sec / 86400), h = Math.floor(sec % 86400 / 3600);
  const m = Math.floor(sec % 3600 / 60), s = sec % 60;
  const two = (n) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${two(m)}m`;
  return `${m}m ${two(s)}s`;
}

// countdown describes a deadline from now: text and a state, "overdue",
// "soon" (within a day) or "later".
export function countdown(deadline, now = Date.now()) {
  const d = toDate(deadline);
  if (!d) return null;
  const sec = (d.getTime() - now) / 1000;
  // Past by more than a day: missed, too late to act on ("was due 23 Aug
  // 2002"), never "overdue by 8,900 days" (issue 14).
  if (sec < -86400) return { text: `missed, was due ${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' })}`, state: 'missed' };
  if (sec < 0) return { text: `overdue by ${duration(-sec)}`, state: 'overdue' };
  return { text: `due in ${duration(sec)}`, state: sec < 86400 ? 'soon' : 'later' };
}

// deadlineOf returns an item's deadline (a Date) or null.
export function deadlineOf(item) {
  const dims = item && item.dimensions;
  if (!dims) return null;
  return toDate(dims.deadline) || toDate(dims.temporal && dims.temporal.deadline);
}

// pct formats a 0..1 number as a whole percentage; anything else as "–"
// (never "NaN%").
export function pct(x) {
  return Number.isFinite(x) ? `${Math.round(x * 100)}%` : '–';
}

// num formats a number, or "–".
export function num(x, digits = 0) {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

export const TYPE_LABELS = { email: 'E-mail', document: 'Document', social: 'Social post' };

// subjectOf returns what to call a communication: its subject, or for a
// post without one, who posted it.
export function subjectOf(item) {
  if (item && item.subject) return item.subject;
  const who = item && (item.sender || item.sender_id);
  if (item && item.commType === 'social' && who) return `Post by ${who}`;
  return '(no subject)';
}

export function typeLabel(t) {
  return TYPE_LABELS[t] || (t ? t[0].toUpperCase() + t.slice(1) : 'Unknown');
}
