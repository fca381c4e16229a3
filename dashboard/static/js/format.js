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

// Times are shown in the person's time zone: the server's configured
// zone when the API gives one (GET /user-profile "timezone"), else the
// browser's; with the year only when it is not this year (in that zone).
let zoneName = '';
let fmts = null;

function browserZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
}

// setZone sets the time zone times are shown in (an IANA name); an empty
// or unknown name means the browser's. It returns the zone in use.
export function setZone(tz) {
  let ok = '';
  if (tz) {
    try { new Intl.DateTimeFormat(undefined, { timeZone: tz }); ok = tz; } catch { ok = ''; }
  }
  zoneName = ok;
  fmts = null;
  return zone();
}

// zone returns the IANA time zone times are shown in.
export function zone() {
  return zoneName || browserZone();
}

function formatters() {
  if (fmts) return fmts;
  const timeZone = zone();
  const f = (o) => new Intl.DateTimeFormat(undefined, { timeZone, ...o });
  fmts = {
    year: f({ year: 'numeric' }),
    dateTime: f({ month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }),
    dateTimeYear: f({ year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }),
    day: f({ month: 'short', day: 'numeric' }),
    dayYear: f({ year: 'numeric', month: 'short', day: 'numeric' }),
    weekdayTime: f({ weekday: 'short', hour: 'numeric', minute: '2-digit' }),
    parts: f({ year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' }),
  };
  return fmts;
}

// thisYear reports whether d falls in the current year of the zone.
function thisYear(d, now = new Date()) {
  const y = formatters().year;
  return y.format(d) === y.format(now);
}

// fmtDate returns a readable date and time in the person's zone, with the
// year when it is not this year, or "" for a missing one.
export function fmtDate(v) {
  const d = toDate(v);
  if (!d) return '';
  const f = formatters();
  return (thisYear(d) ? f.dateTime : f.dateTimeYear).format(d);
}

// fmtDay returns the day (with the year when not this year).
export function fmtDay(v) {
  const d = toDate(v);
  if (!d) return '';
  const f = formatters();
  return (thisYear(d) ? f.day : f.dayYear).format(d);
}

// zoneOffset returns the offset of the zone from UTC at d, in minutes.
function zoneOffset(d) {
  const p = Object.fromEntries(formatters().parts.formatToParts(d).map((x) => [x.type, x.value]));
  const asUTC = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
  return Math.round((asUTC - Math.floor(d.getTime() / 1000) * 1000) / 60000);
}

// wallTime returns the instant of a wall-clock time in the person's zone
// (month 0-based; day may overflow into the next month, as in Date.UTC).
export function wallTime(year, month, day, hour = 0, minute = 0) {
  const guess = Date.UTC(year, month, day, hour, minute);
  let t = guess - zoneOffset(new Date(guess)) * 60000;
  t = guess - zoneOffset(new Date(t)) * 60000; // again, across a DST change
  return new Date(t);
}

// today returns {year, month (0-based), day} of now in the person's zone.
export function today(now = new Date()) {
  const p = Object.fromEntries(formatters().parts.formatToParts(now).map((x) => [x.type, x.value]));
  return { year: +p.year, month: +p.month - 1, day: +p.day };
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
  if (sec < -86400) return { text: `missed, was due ${formatters().dayYear.format(d)}`, state: 'missed' };
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
