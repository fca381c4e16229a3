// The HTTP API, as the dashboard uses it. Every call returns the decoded
// JSON answer or throws an ApiError with the API's message, code and field.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.field = body && body.field;
  }
}

// The session's CSRF token (GET /auth/session), sent with every request
// that changes state; the session cookie itself is HttpOnly.
let csrfToken = '';

// serverSkew is how far the server's clock is ahead of the browser's, in
// ms, from the Date header of the last answer (to the second).
let serverSkew = 0;

// serverNow returns the server's time now, as far as the page knows it.
export function serverNow() {
  return Date.now() + serverSkew;
}

// SIGN_IN is the sign-in page; a 401 (no session, or it ended) goes there.
export const SIGN_IN = '/ui/signin.html';

async function call(method, path, body, keepalive) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  // keepalive lets a request outlive the page (pagehide).
  if (keepalive) init.keepalive = true;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && csrfToken) init.headers['X-CSRF-Token'] = csrfToken;
  const resp = await fetch(path, init);
  const date = Date.parse(resp.headers.get('Date') || '');
  if (Number.isFinite(date)) serverSkew = date - Date.now();
  if (resp.status === 401 && path !== '/auth/session') location.assign(SIGN_IN);
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}

// query encodes the set (non-empty) parameters of params.
function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

const enc = encodeURIComponent;

export const api = {
  // session returns {open, signedIn, user, scopes, csrfToken} and keeps
  // the CSRF token for the calls that follow.
  session: async () => {
    const s = await call('GET', '/auth/session');
    csrfToken = (s && s.csrfToken) || '';
    return s;
  },
  signOut: () => call('DELETE', '/auth/session'),
  // list returns {communications, count, next}; params: project, type,
  // sender, urgency, status, state (open, done, snoozed), since, until,
  // sort (newest, oldest), limit, next, and q (a search, ranked best
  // first).
  list: (params) => call('GET', '/communications' + query(params)),
  // setState changes the reader's state of a communication:
  // {state: 'done'|'open'|'read'|'unread'|'pinned'|'unpinned'} or
  // {state: 'snoozed', until: ISO time}; it returns the changed item.
  setState: (id, body) => call('PATCH', `/communications/${enc(id)}`, body),
  get: (id) => call('GET', `/communications/${enc(id)}`),
  log: (id) => call('GET', `/communications/${enc(id)}/log`),
  // flow is the flow history of the observability work, when the server
  // has it; callers treat a failure as "not available".
  flow: (id) => call('GET', `/communications/${enc(id)}/events`),
  post: (body) => call('POST', '/communications', body),
  // remove deletes a communication: {id, objects, redactedLogRecords}.
  remove: (id) => call('DELETE', `/communications/${enc(id)}`),
  people: (params) => call('GET', '/people' + query(params)),
  // The aggregate tables the analytics consumer keeps (issue 12):
  // volume returns {by, days|weeks, total} (params: by, from, to);
  // analyticsPeople {people, organizations} with last contact, open
  // requests and response times (params: limit); deadlines {deadlines,
  // count} (params: from, to as YYYY-MM-DD, limit).
  volume: (params) => call('GET', '/analytics/volume' + query(params)),
  analyticsPeople: (params) => call('GET', '/analytics/people' + query(params)),
  deadlines: (params) => call('GET', '/analytics/deadlines' + query(params)),
  // csvURL is the address of the CSV export of a list (every row the
  // filters select, streamed by the server).
  csvURL: (params) => '/communications' + query({ ...params, format: 'csv' }),
  projects: (params) => call('GET', '/projects' + query(params)),
  profile: (userId) => call('GET', '/user-profile' + query({ userId })),
  putProfile: (profile) => call('PUT', '/user-profile', profile),
  // activity reports what the person did in each view since the last
  // report ({activity: {view: {actions: {done: 2}, seconds}}}) and returns
  // the profile with the archetype detected from it.
  activity: (body, keepalive) => call('POST', '/user-profile/activity', body, keepalive),
  archetypes: () => call('GET', '/archetypes'),
  stats: () => call('GET', '/stats'),
  deadLetters: () => call('GET', '/dlq?limit=200'),
  redrive: (id) => call('POST', `/dlq/${enc(id)}/redrive`),
  redriveAll: () => call('POST', '/dlq/redrive'),
  // now returns "needs you now": {now, complete, sections: [{id, title,
  // count, items}]}; params: limit (per section), tz (IANA zone).
  now: (params) => call('GET', '/communications/now' + query(params)),
  // threads returns {threads, count, next}; params: limit, min, next.
  threads: (params) => call('GET', '/threads' + query(params)),
  // thread returns {thread, communications} (oldest first).
  thread: (id) => call('GET', `/threads/${enc(id)}`),
  // The person's notification rules (issue 13): rules returns {rules,
  // channels}; testRule takes {pattern} and returns {tested, matches}.
  rules: () => call('GET', '/rules'),
  createRule: (body) => call('POST', '/rules', body),
  putRule: (id, body) => call('PUT', `/rules/${enc(id)}`, body),
  deleteRule: (id) => call('DELETE', `/rules/${enc(id)}`),
  testRule: (body) => call('POST', '/rules/test', body),
  // liveTicket says where the live stream is: {transport: 'sse', url} or,
  // on AWS, {transport: 'websocket', url, ticket, expiresAt} (live-ws.js).
  liveTicket: () => call('POST', '/live/ticket'),
};
