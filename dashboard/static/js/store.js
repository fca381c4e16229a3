// The items the page has seen, by id, and the live-update bus the views
// listen on.

const items = new Map();
const listeners = new Set();
const removeListeners = new Set();
// The ids deleted while the page is open (in this tab, another tab or by
// the retention sweep): a list page or a live change read before the
// delete must not bring them back.
const removed = new Set();

function stamp(item) {
  const t = Date.parse(item && item.updatedAt);
  return Number.isFinite(t) ? t : 0;
}

// put keeps item unless a newer version of it is known, and returns the
// version kept; a removed item is not kept, and put returns undefined.
export function put(item) {
  if (!item || !item.id) return item;
  if (removed.has(item.id)) return undefined;
  const old = items.get(item.id);
  if (old && stamp(old) > stamp(item)) return old;
  items.set(item.id, item);
  return item;
}

// putAll puts each item of list and returns the versions kept, without
// the removed ones.
export function putAll(list) {
  return (list || []).map(put).filter(Boolean);
}

export function get(id) {
  return items.get(id);
}

// isRemoved reports whether id was deleted while the page was open.
export function isRemoved(id) {
  return removed.has(id);
}

// subscribe calls fn(item, isNew) for each live change; it returns the
// function that unsubscribes.
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// onRemove calls fn(id, old) when a communication is deleted (old is the
// version the page had, or undefined); it returns the function that
// unsubscribes. By then store.get(id) is undefined, so a
// view that renders its ids through store.get drops it on re-rendering.
export function onRemove(fn) {
  removeListeners.add(fn);
  return () => removeListeners.delete(fn);
}

// publish records a live change and tells every listener.
export function publish(item) {
  if (!item || !item.id || removed.has(item.id)) return;
  const isNew = !items.has(item.id);
  const kept = put(item);
  if (kept !== item) return; // an older version arrived late
  for (const fn of [...listeners]) {
    try { fn(item, isNew); } catch (e) { console.error(e); }
  }
}

// remove forgets communication id and tells the onRemove listeners, once
// however often it is called (this tab's delete and the stream's
// "removed" event both call it). It reports whether id was new to it.
export function remove(id) {
  if (!id || removed.has(id)) return false;
  removed.add(id);
  const old = items.get(id);
  items.delete(id);
  for (const fn of [...removeListeners]) {
    try { fn(id, old); } catch (e) { console.error(e); }
  }
  return true;
}
