// Rules: the person's notification rules (GET/POST/PUT/DELETE /rules).
// Each rule is an event pattern over the table's change-stream record, with
// the channels it notifies; the first enabled rule that matches a change
// decides. The page lists the rules in that order (enable, disable, edit,
// delete with a confirmation in the page), and a form adds or edits one:
// the pattern is checked as it is typed, and "Test against my last 100"
// shows which of the person's newest communications it would have matched.
// Changes made elsewhere (another tab, the CLI) arrive over the live
// stream as "rule" events and reload the list.

import { api } from '../api.js';
import { h, replace, announce, preserveFocus, debounce } from '../dom.js';
import { fmtDate } from '../format.js';

const EXAMPLE = '{"dynamodb": {"NewImage": {"project": {"S": ["launch"]}}}}';

// Examples the form offers, one per dimension people ask for most.
const EXAMPLES = [
  ['Urgency high', '{"dynamodb": {"NewImage": {"metadata": {"M": {"urgency": {"S": ["high"]}}}}}}'],
  ['A sender', '{"dynamodb": {"NewImage": {"sender_id": {"S": [{"suffix": "@acme.example"}]}}}}'],
  ['A project', EXAMPLE],
  ['Asks for action', '{"dynamodb": {"NewImage": {"dimensions": {"M": {"requiresAction": {"BOOL": [true]}}}}}}'],
];

const CHANNEL_NAMES = { all: 'All channels', log: 'Log', webhook: 'Webhooks', email: 'E-mail', browser: 'This dashboard' };

// pretty indents a pattern for the text area.
function pretty(p) {
  try { return JSON.stringify(p, null, 2); } catch { return String(p || ''); }
}

export function create(ctx) {
  let root = null;
  let rules = [], channels = [], error = '', loaded = false;
  let actionError = '';    // why the last enable, disable or delete failed
  let editing = null;      // the rule being edited, or null for a new one
  let confirming = '';     // id of the rule whose deletion is being confirmed
  let busy = '';           // id of the rule being changed
  let preview = null;      // {tested, matches} or null
  let previewNote = '';    // why there is no preview (a bad pattern)
  let checkSeq = 0;

  async function load() {
    try {
      const r = await api.rules();
      rules = Array.isArray(r && r.rules) ? r.rules : [];
      channels = Array.isArray(r && r.channels) ? r.channels : [];
      error = '';
    } catch (e) {
      error = `Cannot read your rules: ${e.message}`;
    }
    loaded = true;
    renderList();
    ctx.rendered('rules');
  }

  function renderList() {
    const el = root && root.querySelector('#rules-list');
    if (!el) return;
    preserveFocus(el, () => replace(el,
      h('h3', { id: 'rules-h' }, 'Your rules ', h('span', { class: 'count' }, loaded ? String(rules.length) : '')),
      error ? h('p', { class: 'error', role: 'alert' }, error) : null,
      actionError ? h('p', { class: 'error', role: 'alert', id: 'rules-action-error' }, actionError) : null,
      h('p', { class: 'muted small' }, 'Tried from top to bottom: the first enabled rule that matches a change notifies its channels, once, when a communication begins to match.'),
      rules.length ? h('ol', { class: 'rule-list', 'aria-labelledby': 'rules-h' }, rules.map(ruleItem)) : null,
    ));
  }

  function ruleItem(r) {
    const id = r.id;
    const nameId = `rule-name-${id}`;
    return h('li', { class: `rule${r.enabled ? '' : ' rule-off'}`, dataset: { id } },
      h('p', { class: 'rule-head' },
        h('strong', { id: nameId }, r.name), ' ',
        h('span', { class: `badge ${r.enabled ? 'badge-low' : 'badge-none'}` }, r.enabled ? 'Enabled' : 'Disabled'),
        r.default ? h('span', { class: 'badge badge-action' }, 'Default') : null,
        h('span', { class: 'muted small' }, ` order ${r.order} · to ${(r.targets || []).map((t) => CHANNEL_NAMES[t] || t).join(', ')}`)),
      h('pre', { class: 'rule-pattern' }, h('code', {}, JSON.stringify(r.pattern))),
      r.updatedAt && !r.updatedAt.startsWith('0001') ? h('p', { class: 'muted small' }, `Changed ${fmtDate(r.updatedAt)}`) : null,
      confirming === id ? h('div', { class: 'confirm', role: 'group', 'aria-labelledby': `del-q-${id}` },
        h('p', { id: `del-q-${id}` }, h('strong', {}, `Delete the rule “${r.name}”?`)),
        h('div', { class: 'confirm-actions' },
          h('button', { type: 'button', class: 'btn btn-danger', id: `rule-del-confirm-${id}`, disabled: busy === id, onclick: () => remove(r) }, 'Delete'),
          h('button', { type: 'button', class: 'btn', id: `rule-del-cancel-${id}`, onclick: () => { confirming = ''; renderList(); focus(`rule-del-${id}`); } }, 'Cancel')))
        : h('div', { class: 'rule-actions' },
          h('button', { type: 'button', class: 'btn btn-small', id: `rule-toggle-${id}`, disabled: busy === id,
            'aria-describedby': nameId, onclick: () => toggle(r) }, r.enabled ? 'Disable' : 'Enable'),
          h('button', { type: 'button', class: 'btn btn-small', id: `rule-edit-${id}`, 'aria-describedby': nameId, onclick: () => edit(r) }, 'Edit'),
          h('button', { type: 'button', class: 'btn btn-small', id: `rule-test-${id}`, 'aria-describedby': nameId, onclick: () => testStored(r) }, 'Test'),
          r.default ? null : h('button', { type: 'button', class: 'btn btn-small btn-danger-quiet', id: `rule-del-${id}`, 'aria-describedby': nameId,
            onclick: () => { confirming = id; renderList(); focus(`rule-del-confirm-${id}`); } }, 'Delete')),
    );
  }

  function focus(id) {
    const el = document.getElementById(id);
    if (el) el.focus();
  }

  async function toggle(r) {
    busy = r.id;
    actionError = '';
    renderList();
    try {
      await api.putRule(r.id, { enabled: !r.enabled });
      announce(`Rule ${r.name} ${r.enabled ? 'disabled' : 'enabled'}.`);
    } catch (e) {
      actionError = `Cannot change the rule ${r.name}: ${e.message}`;
    }
    busy = '';
    await load();
  }

  async function remove(r) {
    busy = r.id;
    actionError = '';
    renderList();
    let ok = false;
    try {
      await api.deleteRule(r.id);
      announce(`Rule ${r.name} deleted.`);
      confirming = '';
      ok = true;
      if (editing && editing.id === r.id) edit(null, true);
    } catch (e) {
      actionError = `Cannot delete the rule ${r.name}: ${e.message}`;
    }
    busy = '';
    await load();
    // The focus goes to the form after a deletion, to the message after a failure.
    focus(ok ? 'rule-name' : `rule-del-confirm-${r.id}`);
  }

  // edit fills the form with r, or empties it for a new rule, and moves
  // the focus to it unless quiet.
  function edit(r, quiet) {
    editing = r;
    const form = root.querySelector('#rule-form');
    replace(form, formContent());
    preview = null;
    previewNote = '';
    renderPreview();
    if (!quiet) focus('rule-name');
  }

  function formContent() {
    const r = editing;
    const targets = new Set(r ? r.targets : ['all']);
    const field = (name, label, control, hint) => h('div', { class: 'field' },
      h('label', { for: `rule-${name}` }, label), control,
      hint ? h('p', { class: 'muted small', id: `rule-${name}-hint` }, hint) : null,
      h('p', { class: 'field-error', id: `rule-${name}-err`, hidden: true }));
    return [
      h('h3', { id: 'rule-form-h' }, r ? `Edit “${r.name}”` : 'Add a rule'),
      field('name', 'Name', h('input', { id: 'rule-name', name: 'name', autocomplete: 'off', value: r ? r.name : '', 'aria-describedby': 'rule-name-err' })),
      field('order', 'Order (lower is tried first)', h('input', { id: 'rule-order', name: 'order', type: 'number', step: '1', value: String(r ? r.order : 0), 'aria-describedby': 'rule-order-err' })),
      h('div', { class: 'field' }, h('label', { class: 'check' },
        h('input', { type: 'checkbox', id: 'rule-enabled', name: 'enabled', checked: r ? r.enabled : true }), ' Enabled')),
      h('fieldset', { class: 'targets', 'aria-describedby': 'rule-targets-err' },
        h('legend', {}, 'Notify'),
        ['all', ...channels].map((c) => h('label', { class: 'check' },
          h('input', { type: 'checkbox', name: 'targets', value: c, id: `rule-target-${c}`, checked: targets.has(c) }), ' ', CHANNEL_NAMES[c] || c)),
        h('p', { class: 'field-error', id: 'rule-targets-err', hidden: true })),
      field('pattern', 'Event pattern (JSON)', h('textarea', {
        id: 'rule-pattern', name: 'pattern', rows: '6', spellcheck: 'false', class: 'mono',
        'aria-describedby': 'rule-pattern-hint rule-pattern-err', oninput: debounce(check, 400),
      }, r ? pretty(r.pattern) : EXAMPLE),
      'Over the change record, as AWS sends it: "dynamodb" → "NewImage" → the field, typed (S, N, BOOL, M). Examples below.'),
      h('p', { class: 'examples small' }, 'Examples: ', EXAMPLES.map(([label, p], i) => [i ? ' · ' : '',
        h('button', { type: 'button', class: 'link', onclick: () => { setPattern(p); check(); } }, label)])),
      h('div', { class: 'rule-form-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary', id: 'rule-save' }, r ? 'Save changes' : 'Add rule'),
        h('button', { type: 'button', class: 'btn', id: 'rule-preview', onclick: () => check(true) }, 'Test against my last 100'),
        r ? h('button', { type: 'button', class: 'btn btn-quiet', id: 'rule-cancel', onclick: () => edit(null) }, 'Cancel') : null),
      h('p', { class: 'rule-form-result', id: 'rule-form-result', role: 'status' }),
    ];
  }

  function setPattern(p) {
    const ta = root.querySelector('#rule-pattern');
    ta.value = p;
  }

  function clearErrors() {
    for (const el of root.querySelectorAll('#rule-form .field-error')) { el.hidden = true; el.textContent = ''; }
    for (const el of root.querySelectorAll('#rule-form [aria-invalid]')) el.removeAttribute('aria-invalid');
  }

  // showError puts the API's message under the field it names.
  function showError(field, msg, focusIt) {
    const name = /^targets/.test(field) ? 'targets' : field;
    const err = root.querySelector(`#rule-${CSS.escape(name)}-err`);
    const input = name === 'targets' ? root.querySelector('#rule-target-all') : root.querySelector(`#rule-${CSS.escape(name)}`);
    if (!err) {
      replace(root.querySelector('#rule-form-result'), h('span', { class: 'error' }, msg));
      return;
    }
    err.textContent = msg;
    err.hidden = false;
    if (input && name !== 'targets') input.setAttribute('aria-invalid', 'true');
    if (focusIt && input) input.focus();
  }

  // check validates the pattern on the server and refreshes the preview;
  // announce says the outcome when the person asked for it.
  async function check(asked) {
    const my = ++checkSeq;
    const text = root.querySelector('#rule-pattern').value;
    const perr = root.querySelector('#rule-pattern-err');
    try {
      const res = await api.testRule({ pattern: text });
      if (my !== checkSeq) return;
      perr.hidden = true;
      perr.textContent = '';
      root.querySelector('#rule-pattern').removeAttribute('aria-invalid');
      preview = res;
      previewNote = '';
      if (asked) announce(`${res.matches.length} of your last ${res.tested} communications match.`);
    } catch (e) {
      if (my !== checkSeq) return;
      preview = null;
      previewNote = 'Fix the pattern to see what it matches.';
      showError(e.field || 'pattern', e.message, asked === true);
    }
    renderPreview();
  }

  async function testStored(r) {
    edit(r);
    await check(true);
  }

  function renderPreview() {
    const el = root && root.querySelector('#rule-matches');
    if (!el) return;
    replace(el,
      h('h3', { id: 'rule-matches-h' }, 'Matches in your last 100'),
      preview ? h('p', { class: 'muted small', id: 'rule-matches-count' }, `${preview.matches.length} of your last ${preview.tested} communications match.`) :
        h('p', { class: 'muted small' }, previewNote || 'Write a pattern, or press “Test against my last 100”, to see which communications it matches.'),
      preview && preview.matches.length ? h('ul', { class: 'match-list', 'aria-labelledby': 'rule-matches-h' }, preview.matches.map((m) => h('li', { dataset: { id: m.id } },
        h('button', { type: 'button', class: 'link', onclick: (ev) => ctx.openDetail(m.id, ev.currentTarget) }, m.subject || '(no subject)'), ' ',
        m.urgency ? h('span', { class: `badge badge-${m.urgency}` }, m.urgency) : null,
        h('span', { class: 'muted small' }, ` ${m.sender || ''} · ${fmtDate(m.timestamp)}`)))) : null,
    );
  }

  async function submit(ev) {
    ev.preventDefault();
    clearErrors();
    const form = root.querySelector('#rule-form');
    const fd = new FormData(form);
    const body = {
      name: String(fd.get('name') || '').trim(),
      order: Number(fd.get('order') || 0),
      enabled: !!form.querySelector('#rule-enabled').checked,
      pattern: String(fd.get('pattern') || ''),
      targets: fd.getAll('targets').map(String),
    };
    if (!Number.isInteger(body.order)) {
      showError('order', 'The order is a whole number, such as 0 or -1.', true);
      return;
    }
    const result = root.querySelector('#rule-form-result');
    replace(result, 'Saving…');
    try {
      const saved = editing ? await api.putRule(editing.id, body) : await api.createRule(body);
      announce(`Rule ${saved.name} saved.`);
      editing = null;
      replace(form, formContent());
      replace(root.querySelector('#rule-form-result'), `Saved “${saved.name}”.`);
      await load();
    } catch (e) {
      replace(result);
      showError(e.field || 'form', e.message, true);
    }
  }

  return {
    title: 'Rules',
    mount(main) {
      root = h('div', { class: 'view rules' },
        h('div', { class: 'view-head' },
          h('h2', { class: 'view-title' }, 'Rules'),
          h('p', { class: 'muted' }, 'What reaches you, and where: each rule is an event pattern over a communication’s change, sent to the channels you pick.')),
        h('div', { class: 'split' },
          h('section', { class: 'col-wide', id: 'rules-list', 'aria-labelledby': 'rules-h' }),
          h('div', { class: 'col' },
            h('form', { class: 'compose', id: 'rule-form', 'aria-labelledby': 'rule-form-h', novalidate: true, onsubmit: submit }),
            h('section', { class: 'rule-matches', id: 'rule-matches', 'aria-labelledby': 'rule-matches-h' }))),
      );
      replace(main, root);
      renderList();
      // The form waits for the channels the targets may name.
      load().then(() => { if (root) edit(null, true); });
    },
    unmount() { root = null; },
    refresh() { load(); },
  };
}
