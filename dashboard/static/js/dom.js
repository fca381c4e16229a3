// Small DOM helpers: h() builds elements, so no HTML string is ever parsed
// from data (no injection), and text is always set as text.

// h(tag, attrs, ...children) returns a new element. attrs keys: class,
// text, dataset (object), style (object of CSS properties), on<event>
// (listener), hidden/disabled/checked (booleans), anything else as an
// attribute (null or false leaves it out). Children may be strings,
// numbers, nodes, arrays or null.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') for (const [p, s] of Object.entries(v)) el.style.setProperty(p, s);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'hidden' || k === 'disabled' || k === 'checked' || k === 'selected') el[k] = !!v;
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

// append adds children (strings, nodes, arrays, null) to el.
export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
  return el;
}

// clear removes every child of el and returns it.
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// replace sets el's children.
export function replace(el, ...children) {
  return append(clear(el), children);
}

// announce says msg to screen readers through the page's status region.
export function announce(msg) {
  const el = document.getElementById('announce');
  if (!el) return;
  el.textContent = '';
  // A change in a later task is announced even when msg repeats.
  setTimeout(() => { el.textContent = msg; }, 30);
}

// debounce returns fn delayed until ms have passed without another call.
export function debounce(fn, ms) {
  let t = 0;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// preserveFocus runs render, which rebuilds el's content, and gives the
// focus back to the element with the same id if the focus was inside el,
// so live updates never take the keyboard focus away.
export function preserveFocus(el, render) {
  const active = document.activeElement;
  const id = active && el.contains(active) ? active.id : '';
  render();
  if (id) {
    const again = document.getElementById(id);
    if (again && again !== document.activeElement) again.focus({ preventScroll: true });
  }
}
