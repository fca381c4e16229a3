// Operations: the flow as a diagram (API → store → extraction → table →
// notification → topic) with live rates, lag and dead letters per stage
// from GET /stats and GET /dlq, polled every two seconds while the page is
// shown; the dead letters with a redrive button each, named by the subject
// and sender of their communication (the API looks them up); and a form to
// post a communication by hand.
//
// The API stage counts communications (the table's items, GET /stats
// "communications"), not the objects stored for them: a mail is stored as
// its JSON and its original, two objects and one communication.

import { api } from '../api.js';
import { h, replace, announce, preserveFocus } from '../dom.js';
import { fmtDate, relTime } from '../format.js';

const POLL_MS = 2000;

// Stages of the diagram, each reading the subscriptions that match it.
const STAGES = [
  { key: 'api', title: 'API', sub: 'POST /communications', match: () => false },
  { key: 'store', title: 'Object store', sub: 's3:ObjectCreated events', match: (s) => s.source === 'aws:s3' },
  { key: 'extraction', title: 'Extraction', sub: 'dimensions', match: (s) => s.name === 'extraction' },
  { key: 'table', title: 'Table', sub: 'change stream', match: (s) => s.name === 'notification' },
  { key: 'notification', title: 'Notification', sub: 'your rules (default: urgency high)', match: (s) => s.name === 'notification' },
  { key: 'topic', title: 'Topic', sub: 'log · webhook · SSE', match: (s) => s.source === 'aws:sns' || String(s.name).startsWith('topic/') },
];

// dlStage maps a dead letter's subscription to a stage.
function dlStage(sub) {
  if (sub === 'extraction') return 'extraction';
  if (sub === 'notification') return 'notification';
  if (String(sub).startsWith('topic/')) return 'topic';
  return 'other';
}

function fmtAge(ns) {
  const ms = Number(ns) / 1e6;
  if (!Number.isFinite(ms) || ms <= 0) return '0 s';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60000)} min`;
}

function rate(x) {
  if (!Number.isFinite(x) || x <= 0) return '0/s';
  return x < 10 ? `${x.toFixed(1)}/s` : `${Math.round(x)}/s`;
}

export function create(ctx) {
  let root = null;
  let timer = 0;
  let prev = null; // {t, subs: {name: stats}}
  let subs = [];
  let rates = {}; // name -> {read, succeeded} per second
  let dls = [];
  let alarms = []; // alarm states, when the server evaluates alarms
  let comms = null; // {total, accepted, extracted, failed}, when the server counts them
  let commRate = 0; // communications accepted per second
  let error = '';
  let busy = new Set();

  async function poll() {
    clearTimeout(timer);
    try {
      const [st, dl] = await Promise.all([api.stats(), api.deadLetters()]);
      const now = performance.now();
      subs = Array.isArray(st && st.subscriptions) ? st.subscriptions : [];
      dls = Array.isArray(dl && dl.deadLetters) ? dl.deadLetters : [];
      alarms = Array.isArray(st && st.alarms) ? st.alarms.filter((a) => a && typeof a === 'object') : [];
      const c = st && st.communications && typeof st.communications === 'object' ? st.communications : null;
      if (prev && prev.comms && c) {
        const dt = (now - prev.t) / 1000;
        commRate = dt > 0 ? Math.max(0, (c.total - prev.comms.total) / dt) : 0;
      }
      comms = c;
      const next = {};
      for (const s of subs) next[s.name] = s;
      if (prev) {
        const dt = (now - prev.t) / 1000;
        rates = {};
        for (const s of subs) {
          const p = prev.subs[s.name];
          if (!p || dt <= 0) continue;
          rates[s.name] = {
            read: Math.max(0, (s.read - p.read) / dt),
            succeeded: Math.max(0, (s.succeeded - p.succeeded) / dt),
          };
        }
      }
      prev = { t: now, subs: next, comms };
      error = '';
    } catch (e) {
      error = `Cannot read the pipeline's state: ${e.message}`;
    }
    render();
    ctx.rendered('operations');
    if (root) timer = setTimeout(poll, POLL_MS);
  }

  function stageMetrics(stage) {
    const ss = subs.filter(stage.match);
    const sum = (f) => ss.reduce((a, s) => a + (Number(f(s)) || 0), 0);
    const r = (k) => ss.reduce((a, s) => a + ((rates[s.name] && rates[s.name][k]) || 0), 0);
    const dead = dls.filter((d) => dlStage(d.subscription) === stage.key).length;
    switch (stage.key) {
      case 'api': {
        if (comms) return [['accepted', rate(commRate)], ['communications', String(comms.total)]];
        // A server that does not count them: the object events stand in.
        const s3 = subs.filter((s) => s.source === 'aws:s3');
        const acc = s3.reduce((a, s) => a + ((rates[s.name] && rates[s.name].read) || 0), 0);
        return [['accepted', rate(acc)], ['since start', String(s3.reduce((a, s) => a + (s.read || 0), 0))]];
      }
      case 'store':
        return [['objects', rate(r('read'))], ['in flight', String(sum((s) => s.inFlight))]];
      case 'table':
        return [['stream records', rate(r('read'))], ['filtered out', String(sum((s) => s.filtered))]];
      case 'extraction':
        return [
          comms ? ['waiting', String(comms.accepted)] : null,
          ['done', rate(r('succeeded'))],
          comms ? ['extracted', String(comms.extracted)] : null,
          comms ? ['failed', String(comms.failed)] : null,
          ['lag', fmtAge(Math.max(0, ...ss.map((s) => Number(s.iteratorAge) || 0)))],
          ['in flight', String(sum((s) => s.inFlight))],
          ['retries', String(sum((s) => s.retried))],
          ['dead letters', String(dead)],
        ].filter(Boolean);
      default:
        return [
          ['done', rate(r('succeeded'))],
          ['lag', fmtAge(Math.max(0, ...ss.map((s) => Number(s.iteratorAge) || 0)))],
          ['in flight', String(sum((s) => s.inFlight))],
          ['retries', String(sum((s) => s.retried))],
          ['dead letters', String(dead)],
        ];
    }
  }

  function render() {
    if (!root) return;
    const flow = root.querySelector('.flow-diagram');
    replace(flow, STAGES.map((stage, i) => {
      const ss = subs.filter(stage.match);
      const dead = dls.filter((d) => dlStage(d.subscription) === stage.key).length;
      // Only the stages that run a function show its last error.
      const errs = ['extraction', 'notification', 'topic'].includes(stage.key) ? ss.map((s) => s.lastError).filter(Boolean) : [];
      return h('li', { class: `stage${dead ? ' has-dead' : ''}`, dataset: { stage: stage.key } },
        h('h4', {}, stage.title),
        h('p', { class: 'muted small' }, stage.sub),
        h('dl', { class: 'metrics' }, stageMetrics(stage).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
        errs.length ? h('p', { class: 'stage-error small' }, `Last error: ${errs[0]}`) : null,
        i < STAGES.length - 1 ? h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→') : null,
      );
    }));

    const al = root.querySelector('.alarms');
    replace(al, alarms.length ? [
      h('h4', {}, 'Alarms'),
      h('ul', { class: 'alarm-list' }, alarms.map((a) => {
        const rule = a.rule || {};
        return h('li', { class: a.alarm ? 'alarm-on' : 'alarm-ok' },
          h('span', { class: `badge ${a.alarm ? 'badge-failed' : 'badge-low'}` }, a.alarm ? 'ALARM' : 'OK'), ' ',
          h('strong', {}, rule.name || rule.metric || 'alarm'),
          h('span', { class: 'muted small' }, ` ${rule.metric || ''}${rule.subscription ? ` (${rule.subscription})` : ''} ${rule.comparison || '>'} ${rule.threshold ?? ''}, now ${Number.isFinite(a.value) ? Math.round(a.value * 100) / 100 : '–'}`));
      })),
    ] : []);

    const other = root.querySelector('.subs');
    preserveFocus(other, () => replace(other,
      h('h3', { id: 'subs-h' }, 'Subscriptions'),
      error ? h('p', { class: 'error', role: 'alert' }, error) : null,
      h('div', { class: 'table-wrap', id: 'subs-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'subs-h' },
        h('table', { class: 'dims' },
          h('thead', {}, h('tr', {}, ['Subscription', 'Source', 'Read', 'Done', 'Filtered', 'Errors', 'Retried', 'Dead-lettered', 'In flight', 'Lag']
            .map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, subs.map((s) => h('tr', {},
            h('th', { scope: 'row' }, s.name), h('td', {}, s.source), h('td', {}, String(s.read)),
            h('td', {}, String(s.succeeded)), h('td', {}, String(s.filtered)), h('td', {}, String(s.errors)),
            h('td', {}, String(s.retried)), h('td', {}, String(s.deadLettered)), h('td', {}, String(s.inFlight)),
            h('td', {}, fmtAge(s.iteratorAge)))))))));

    const dl = root.querySelector('.dlq');
    preserveFocus(dl, () => replace(dl,
      h('h3', { id: 'dlq-h' }, `Dead letters (${dls.length})`),
      dls.length ? h('button', { type: 'button', class: 'btn', id: 'redrive-all', disabled: busy.has('all'), onclick: redriveAll }, 'Redrive all') : null,
      dls.length ? h('ul', { class: 'dl-list', 'aria-labelledby': 'dlq-h' }, dls.map((d) => h('li', { class: 'dl', dataset: { id: String(d.id) } },
        d.communication ? h('p', { class: 'dl-subject' },
          h('strong', {}, d.communication.subject || '(no subject)'),
          d.communication.sender || d.communication.senderId ? h('span', { class: 'muted' }, ` from ${d.communication.sender || d.communication.senderId}`) : null) : null,
        h('p', {}, h(d.communication ? 'span' : 'strong', {}, `#${d.id} ${d.subscription}`), ` · ${d.reason || ''} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`),
        h('p', { class: 'small' }, h('span', { class: 'muted' }, 'Key '), h('code', {}, d.key)),
        h('p', { class: 'small dl-error' }, d.error || ''),
        h('p', { class: 'muted small' }, h('time', { datetime: d.lastAttempt, title: fmtDate(d.lastAttempt) }, `last attempt ${relTime(d.lastAttempt)}`)),
        h('div', { class: 'dl-actions' },
          h('button', {
            type: 'button', class: 'btn btn-small', id: `redrive-${d.id}`, disabled: busy.has(d.id),
            'aria-label': `Redrive dead letter ${d.id} of ${d.subscription}${d.communication ? `: ${d.communication.subject || '(no subject)'}` : ''}`,
            onclick: () => redrive(d.id),
          }, 'Redrive'),
          (d.communication && d.communication.id) || idOf(d) ? h('button', { type: 'button', class: 'btn btn-small btn-quiet', onclick: (ev) => ctx.openDetail((d.communication && d.communication.id) || idOf(d), ev.currentTarget) }, 'Open communication') : null,
        ),
      ))) : h('p', { class: 'muted' }, 'No dead letters. Records that fail every retry land here, to be redriven once the cause is fixed.'),
    ));
  }

  // idOf returns the communication id a dead letter is about, if its key
  // tells: an object key "<type>/<y>/<m>/<d>/<id>.json" or a stream key.
  function idOf(d) {
    if (d.source === 'aws:s3') {
      const m = /([^/]+)\.json$/.exec(d.key || '');
      return m ? m[1] : '';
    }
    return d.source === 'aws:dynamodb' ? d.key : '';
  }

  async function redrive(id) {
    busy.add(id);
    render();
    try {
      await api.redrive(id);
      announce(`Dead letter ${id} redriven.`);
    } catch (e) {
      announce(`Redrive of dead letter ${id} failed: ${e.message}`);
    }
    busy.delete(id);
    poll();
  }

  async function redriveAll() {
    busy.add('all');
    render();
    try {
      const r = await api.redriveAll();
      const n = Array.isArray(r && r.redriven) ? r.redriven.length : 0;
      announce(`${n} dead letter${n === 1 ? '' : 's'} redriven.`);
    } catch (e) {
      announce(`Redrive failed: ${e.message}`);
    }
    busy.delete('all');
    poll();
  }

  function composeForm() {
    const field = (name, label, control, hint) => h('div', { class: 'field' },
      h('label', { for: `c-${name}` }, label), control,
      hint ? h('p', { class: 'muted small', id: `c-${name}-hint` }, hint) : null,
      h('p', { class: 'field-error', id: `c-${name}-err`, hidden: true }));
    const input = (name, attrs = {}) => h('input', { id: `c-${name}`, name, autocomplete: 'off', 'aria-describedby': `c-${name}-err`, ...attrs });
    const result = h('div', { class: 'compose-result', role: 'status' });
    const form = h('form', { class: 'compose', 'aria-labelledby': 'compose-h', novalidate: true, onsubmit: submit },
      h('h3', { id: 'compose-h' }, 'Post a communication'),
      field('source', 'Source', h('select', { id: 'c-source', name: 'source' },
        h('option', { value: 'email' }, 'E-mail'), h('option', { value: 'document' }, 'Document'), h('option', { value: 'social' }, 'Social post'))),
      field('subject', 'Subject or title', input('subject')),
      field('from', 'From (name)', input('from')),
      field('from_email', 'From (address or user id)', input('from_email', { type: 'text' })),
      field('to', 'To', input('to'), 'Addresses separated by commas.'),
      field('body', 'Text', h('textarea', { id: 'c-body', name: 'body', rows: '5', required: true, 'aria-describedby': 'c-body-err' })),
      field('project', 'Project', input('project')),
      field('urgency', 'Urgency', h('select', { id: 'c-urgency', name: 'urgency' },
        h('option', { value: '' }, 'Let the extraction decide'), h('option', { value: 'high' }, 'High'),
        h('option', { value: 'medium' }, 'Medium'), h('option', { value: 'low' }, 'Low'))),
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Post'),
      result,
    );

    async function submit(ev) {
      ev.preventDefault();
      const fd = new FormData(form);
      const v = (k) => String(fd.get(k) || '').trim();
      for (const el of form.querySelectorAll('.field-error')) { el.hidden = true; el.textContent = ''; }
      for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
      const source = v('source');
      const body = { source };
      const names = {
        email: { subject: 'subject', from: 'from', from_email: 'from_email', body: 'body' },
        document: { subject: 'title', from: 'author', from_email: 'author_id', body: 'content' },
        social: { subject: 'subject', from: 'user', from_email: 'user_id', body: 'text' },
      }[source] || {};
      for (const k of ['subject', 'from', 'from_email', 'body']) if (v(k)) body[names[k] || k] = v(k);
      if (source === 'email' && v('to')) body.to = v('to').split(',').map((s) => s.trim()).filter(Boolean);
      if (v('project')) body.project = v('project');
      if (v('urgency')) body.urgency = v('urgency');
      if (!v('body')) {
        showError('body', 'Write the text of the communication.');
        return;
      }
      replace(result, 'Posting…');
      try {
        const r = await api.post(body);
        replace(result, 'Accepted: ', h('code', {}, r.id), ' ',
          h('button', { type: 'button', class: 'link', onclick: (e) => ctx.openDetail(r.id, e.currentTarget) }, 'Open it'));
        form.querySelector('#c-body').value = '';
        form.querySelector('#c-subject').value = '';
      } catch (e) {
        replace(result);
        const back = { title: 'subject', author: 'from', author_id: 'from_email', content: 'body', text: 'body', user: 'from', user_id: 'from_email' };
        const f = e.field && (back[e.field] || e.field);
        if (f && form.querySelector(`#c-${CSS.escape(f)}`)) showError(f, e.message);
        else replace(result, h('span', { class: 'error' }, e.message));
      }
    }

    function showError(name, msg) {
      const input = form.querySelector(`#c-${name}`);
      const err = form.querySelector(`#c-${name}-err`);
      if (input) input.setAttribute('aria-invalid', 'true');
      if (err) { err.textContent = msg; err.hidden = false; }
      if (input) input.focus();
    }
    return form;
  }

  return {
    title: 'Operations',
    mount(main) {
      root = h('div', { class: 'view operations' },
        h('div', { class: 'view-head' },
          h('h2', { class: 'view-title' }, 'Operations'),
          h('p', { class: 'muted' }, 'The pipeline as it runs: rates over the last two seconds, lag, retries and dead letters per stage.')),
        h('section', { class: 'flow-box', 'aria-labelledby': 'flow-h' },
          h('h3', { id: 'flow-h' }, 'Flow'),
          h('ol', { class: 'flow-diagram' }),
          h('div', { class: 'alarms' })),
        h('div', { class: 'split' },
          h('section', { class: 'dlq col-wide', 'aria-labelledby': 'dlq-h' }),
          h('div', { class: 'col' }, composeForm())),
        h('section', { class: 'subs', 'aria-labelledby': 'subs-h' }),
      );
      replace(main, root);
      render();
      poll();
    },
    unmount() {
      clearTimeout(timer);
      root = null;
    },
    refresh() {
      poll();
    },
  };
}
