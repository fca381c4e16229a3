// The items the page has seen, by id, and the live-update bus the views
// listen on.

const items = new Map();
const listeners = new Set();

function stamp(item) {
  const t = Date.parse(item && item.updatedAt);
  return Number.isFinite(t) ? t : 0;
}

// put keeps item unless a newer version of it is known, and returns the
// version kept.
export function put(item) {
  if (!item || !item.id) return item;
  const old = items.get(item.id);
  if (old && stamp(old) > stamp(item)) return old;
  items.set(item.id, item);
  return item;
}

export function putAll(list) {
  return (list || []).map(put);
}

export function get(id) {
  return items.get(id);
}

// subscribe calls fn(item, isNew) for each live change; it returns the
// function that unsubscribes.
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// publish records a live change and tells every listener.
export function publish(item) {
  const isNew = !items.has(item.id);
  const kept = put(item);
  if (kept !== item) return; // an older version arrived late
  for (const fn of [...listeners]) {
    try { fn(item, isNew); } catch (e) { console.error(e); }
  }
}
