// The live stream over a WebSocket, where the server says so (issue 16).
//
// On AWS, API Gateway cannot hold the Server-Sent Events stream open, so
// the same events come through an API Gateway WebSocket API. Which one to
// open is the server's answer to POST /live/ticket: {transport: 'sse'}
// (the embedded server) hands over to live.js, unchanged;
// {transport: 'websocket', url, ticket} opens url?ticket=…&events=…, whose
// messages are {event, id, data}: the SSE event's name, id and data.
//
// connectLive takes live.js's handlers and calls them the same way, with
// the same status states and reconnection: a capped backoff, and
// onReconnect after each reconnection, since nothing is replayed. A ticket
// opens one connection within a minute, so each reconnection asks for a
// new one. A notification posted twice (the fan-out retries) is shown once.

import { api } from './api.js';
import { connect as connectSSE } from './live.js';

const EVENTS = 'communication,notification,removed,rule';
const MAX_BACKOFF_MS = 10000;
// PING_MS keeps the socket open: API Gateway closes one idle for 10 minutes.
const PING_MS = 5 * 60 * 1000;
// SEEN_MAX bounds the notification ids kept to drop a repeat.
const SEEN_MAX = 200;

export function connectLive(handlers) {
  const { onCommunication, onNotification, onRemoved, onRule, onStatus, onReconnect } = handlers;
  let sse = null;         // live.js's connection, when the server streams SSE
  let ws = null;
  let closed = false;
  let backoff = 500;
  let everOpen = false;
  let timer = 0;
  let ping = 0;
  const seen = [];

  const status = (state, text) => onStatus && onStatus(state, text);

  function retry() {
    if (closed) return;
    status('offline', `Reconnecting in ${Math.round(backoff / 1000) || 1}s…`);
    clearTimeout(timer);
    timer = setTimeout(start, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }

  // dispatch hands one message to its handler, as live.js does an SSE event.
  function dispatch(raw) {
    let f;
    try { f = JSON.parse(raw); } catch { return; }
    if (!f || typeof f.event !== 'string') return;
    const d = f.data;
    switch (f.event) {
      case 'communication':
        if (d && d.id) onCommunication(d);
        break;
      case 'removed':
        if (d && d.id && onRemoved) onRemoved(d.id);
        break;
      case 'rule':
        if (d && d.id && onRule) onRule(d);
        break;
      case 'notification':
        if (!d) break;
        if (f.id) {
          if (seen.includes(f.id)) break;
          seen.push(f.id);
          if (seen.length > SEEN_MAX) seen.shift();
        }
        onNotification(d);
        break;
      case 'resync':
        // An event too large for a WebSocket message: reload what is shown.
        if (onReconnect) onReconnect();
        break;
    }
  }

  function open(t) {
    const sep = t.url.includes('?') ? '&' : '?';
    ws = new WebSocket(`${t.url}${sep}ticket=${encodeURIComponent(t.ticket)}&events=${EVENTS}`);
    ws.addEventListener('open', () => {
      backoff = 500;
      status('live', 'Live');
      if (everOpen && onReconnect) onReconnect();
      everOpen = true;
      clearInterval(ping);
      ping = setInterval(() => { if (ws && ws.readyState === WebSocket.OPEN) ws.send('{"action":"ping"}'); }, PING_MS);
    });
    ws.addEventListener('message', (ev) => dispatch(ev.data));
    ws.addEventListener('error', () => status('reconnecting', 'Reconnecting…'));
    ws.addEventListener('close', () => {
      clearInterval(ping);
      ws = null;
      retry();
    });
  }

  async function start() {
    if (closed) return;
    let t;
    try {
      t = await api.liveTicket();
    } catch (e) {
      // A server without the route streams SSE; any other failure (the
      // network, a restart) is tried again.
      if (!everOpen && (e.status === 404 || e.status === 405)) {
        sse = connectSSE(handlers);
        return;
      }
      retry();
      return;
    }
    if (closed) return;
    if (!t || t.transport !== 'websocket' || !t.url || !t.ticket) {
      sse = connectSSE(handlers);
      return;
    }
    open(t);
  }

  start();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(ping);
      if (ws) ws.close();
      if (sse) sse.close();
    },
    get state() {
      if (sse) return sse.state;
      return ws ? ws.readyState : -1;
    },
  };
}
