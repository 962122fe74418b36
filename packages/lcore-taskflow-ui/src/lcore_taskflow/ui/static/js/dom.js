/* TaskFlow DOM helpers.
 *
 * Every piece of user text reaches the page through these helpers as a text
 * node (or an attribute value set with setAttribute), never as HTML: the app
 * has no innerHTML anywhere, so a task titled "<img src=x onerror=...>" is
 * shown as those characters.  Event handlers are attached with
 * addEventListener, which the page's Content-Security-Policy requires.
 */
(function (global) {
  'use strict';
  const TF = global.TF = global.TF || {};
  const SVG_NS = 'http://www.w3.org/2000/svg';

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on')) {
        if (typeof value !== 'function') throw new Error('event handler must be a function: ' + key);
        el.addEventListener(key.slice(2), value);
      } else if (key === 'class') {
        el.setAttribute('class', value);
      } else if (key === 'dataset') {
        for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
      } else if (key === 'text') {
        el.textContent = String(value);
      } else if (key === 'value') {
        el.value = value;
      } else if (key === 'checked' || key === 'selected' || key === 'disabled' || key === 'hidden') {
        el[key] = Boolean(value);
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }

  /** h('a', {href: '#/x', class: 'btn'}, 'text', child...) -> HTMLElement (strings as text). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    return append(el, children);
  }

  /** The same for SVG elements (the dashboard chart). */
  function svg(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    setAttrs(el, attrs);
    return append(el, children);
  }

  /** Replace an element's children. */
  function mount(el, ...children) {
    el.replaceChildren();
    return append(el, children);
  }

  /** Escape text for the rare place that needs an HTML string (none in the app today). */
  function escapeHtml(value) {
    return String(value ?? '').replace(/[&<>"']/g, (c) => ({
      '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
    })[c]);
  }

  function byId(id) { return document.getElementById(id); }

  /** A timestamp (epoch seconds or ISO string) as local date and time. */
  function formatTime(value) {
    if (value === null || value === undefined || value === '') return '';
    let date;
    if (typeof value === 'number') date = new Date(value * 1000);
    else if (/^\d+(\.\d+)?$/.test(String(value))) date = new Date(parseFloat(value) * 1000);
    else date = new Date(String(value).replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? '' : 'Z'));
    if (isNaN(date.getTime())) return String(value);
    return date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  }

  const STATUS_LABELS = { todo: 'To Do', in_progress: 'In Progress', done: 'Done' };

  function badge(text, kind) {
    return h('span', { class: 'badge' + (kind ? ' badge-' + kind : '') }, text);
  }

  /** A destructive button that asks for a second click instead of a native confirm(). */
  function confirmButton(label, onConfirm, attrs) {
    let armed = false;
    let timer = null;
    const btn = h('button', Object.assign({ type: 'button', class: 'btn btn-small btn-danger' }, attrs || {}), label);
    btn.addEventListener('click', async (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      if (!armed) {
        armed = true;
        btn.classList.add('confirming');
        btn.textContent = 'Confirm ' + label.toLowerCase() + '?';
        timer = setTimeout(() => {
          armed = false;
          btn.classList.remove('confirming');
          btn.textContent = label;
        }, 4000);
        return;
      }
      clearTimeout(timer);
      btn.disabled = true;
      try {
        await onConfirm();
      } finally {
        btn.disabled = false;
      }
    });
    return btn;
  }

  TF.dom = { h, svg, mount, append, escapeHtml, byId, formatTime, badge, confirmButton, STATUS_LABELS };
})(window);
