// The live stream: Server-Sent Events from GET /notifications/stream,
// reconnected after errors and server restarts.
//
// The browser's EventSource retries by itself after a network error, but
// gives up for good on an HTTP error (a restarting server answers 503), so
// a closed stream is reopened here with a capped backoff. After each
// reconnection onReconnect runs, because the hub replays nothing: views
// reload their first pages to pick up what was missed.

const STREAM = '/notifications/stream?events=communication,notification,removed,rule';
const MAX_BACKOFF_MS = 10000;

export function connect({ onCommunication, onNotification, onRemoved, onRule, onStatus, onReconnect }) {
  let es = null;
  let backoff = 500;
  let everOpen = false;
  let timer = 0;

  const status = (state, text) => onStatus && onStatus(state, text);

  function open() {
    clearTimeout(timer);
    es = new EventSource(STREAM);
    es.addEventListener('open', () => {
      backoff = 500;
      status('live', 'Live');
      if (everOpen && onReconnect) onReconnect();
      everOpen = true;
    });
    es.addEventListener('communication', (ev) => {
      let item;
      try { item = JSON.parse(ev.data); } catch { return; }
      if (item && item.id) onCommunication(item);
    });
    es.addEventListener('removed', (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg && msg.id && onRemoved) onRemoved(msg.id);
    });
    // One of the person's rules changed (here, in another tab, by the CLI).
    es.addEventListener('rule', (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg && msg.id && onRule) onRule(msg);
    });
    es.addEventListener('notification', (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg) onNotification(msg);
    });
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) {
        status('offline', `Reconnecting in ${Math.round(backoff / 1000) || 1}s…`);
        timer = setTimeout(open, backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      } else {
        status('reconnecting', 'Reconnecting…');
      }
    });
  }

  open();
  return {
    close() { clearTimeout(timer); if (es) es.close(); },
    get state() { return es ? es.readyState : -1; },
  };
}
