/* TaskFlow's interactive API page: reads /openapi.json, lets you try each route.
 *
 * Written for the page's Content-Security-Policy (script-src 'self', no inline
 * code or style): no innerHTML, no inline handlers, no style attributes.
 * Everything from the document or the server reaches the page as text nodes.
 * The bearer token stays in this tab (sessionStorage) and goes only to this
 * origin.
 */
'use strict';

(function () {
  const TOKEN_KEY = 'taskflow.docs.token';
  const specUrl = document.body.dataset.openapi;
  let spec = null;
  let base = '';

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (key === 'text') node.textContent = String(value);
      else if (key === 'value') node.value = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

  function setToken(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
    document.getElementById('token').value = value || '';
    document.getElementById('token-state').textContent = value ? 'Token set' : 'No token';
  }

  // ------------------------------------------------------------ schemas
  function resolve(schema) {
    let seen = 0;
    while (schema && schema.$ref && seen++ < 20) {
      const path = schema.$ref.replace(/^#\//, '').split('/');
      schema = path.reduce((node, key) => (node ? node[key] : undefined), spec);
    }
    return schema || {};
  }

  function nonNull(schema) {
    schema = resolve(schema);
    if (schema.anyOf) return resolve(schema.anyOf.find((s) => resolve(s).type !== 'null'));
    return schema;
  }

  /* A value that satisfies ``schema``: the starting point of a request body. */
  function example(schema, depth) {
    schema = nonNull(schema);
    if (schema.examples && schema.examples.length) return schema.examples[0];
    if (schema.default !== undefined) return schema.default;
    if (schema.enum) return schema.enum.find((v) => v !== null);
    const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
    if (type === 'object' || schema.properties) {
      // The required fields, and the optional ones the document gives an example of.
      const out = {};
      if ((depth || 0) > 3) return out;
      const required = schema.required || [];
      for (const [name, prop] of Object.entries(schema.properties || {})) {
        const given = nonNull(prop).examples;
        if (required.includes(name) || (given && given.length)) {
          out[name] = example(prop, (depth || 0) + 1);
        }
      }
      return out;
    }
    if (type === 'array') return [example(schema.items || {}, (depth || 0) + 1)];
    if (type === 'integer' || type === 'number') return Math.max(1, schema.minimum || 0);
    if (type === 'boolean') return false;
    if (schema.format === 'date') return new Date().toISOString().slice(0, 10);
    if (schema.format === 'password') return '';
    if (schema.pattern && schema.pattern.includes('@')) return 'someone@example.com';
    return 'text';
  }

  function schemaBlock(label, schema) {
    return el('details', { class: 'schema' },
      el('summary', { text: label }),
      el('pre', { text: JSON.stringify(expand(schema, 0), null, 2) }));
  }

  /* The schema with its $refs replaced (a few levels deep), for reading. */
  function expand(schema, depth) {
    if (Array.isArray(schema)) return schema.map((s) => expand(s, depth));
    if (!schema || typeof schema !== 'object') return schema;
    if (schema.$ref) {
      return depth > 3 ? { $ref: schema.$ref } : expand(resolve(schema), depth + 1);
    }
    const out = {};
    for (const [key, value] of Object.entries(schema)) out[key] = expand(value, depth);
    return out;
  }

  // ---------------------------------------------------------- operations
  function operationCard(path, method, op) {
    const params = (op.parameters || []).map((p) => ({ ...p, schema: nonNull(p.schema) }));
    const inputs = {};
    const body = op.requestBody && op.requestBody.content;
    const media = body ? Object.keys(body)[0] : null;
    const secured = (op.security || []).some((req) => Object.keys(req).length);

    const fields = params.map((p) => {
      const input = el('input', {
        name: p.name, placeholder: p.schema.type || 'string', 'aria-label': p.name,
        value: p.in === 'path' ? String(example(p.schema)) : '',
      });
      inputs[p.name] = input;
      return el('label', { class: 'param' },
        el('span', { class: 'param-name', text: p.name + (p.required ? ' *' : '') }),
        el('span', { class: 'param-in', text: p.in }),
        input,
        p.description ? el('span', { class: 'muted small', text: p.description }) : null);
    });

    let bodyInput = null;
    if (media === 'application/json') {
      bodyInput = el('textarea', { rows: 8, spellcheck: 'false', 'aria-label': 'request body' });
      bodyInput.value = JSON.stringify(example(body[media].schema), null, 2);
    } else if (media) {
      bodyInput = el('input', { type: 'file', 'aria-label': 'file' });
    }

    const output = el('div', { class: 'output', hidden: true });
    const send = el('button', { type: 'submit', class: 'btn btn-primary', text: 'Send' });
    const form = el('form', { class: 'try' }, fields,
      bodyInput ? el('label', { class: 'body' }, el('span', { text: 'Body (' + media + ')' }),
        bodyInput) : null,
      el('div', { class: 'actions' }, send), output);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      run(path, method, params, inputs, media, bodyInput, output, send);
    });

    const responses = Object.entries(op.responses || {}).map(([code, answer]) => {
      const resolved = resolve(answer);
      const content = resolved.content || {};
      const type = Object.keys(content)[0];
      return el('li', {},
        el('code', { class: 'status s' + code[0], text: code }), ' ',
        resolved.description || '',
        type && content[type].schema ? schemaBlock(type, content[type].schema) : null);
    });

    return el('details', { class: 'op', id: op.operationId },
      el('summary', {},
        el('span', { class: 'method m-' + method, text: method.toUpperCase() }),
        el('code', { class: 'path', text: path }),
        el('span', { class: 'op-summary', text: op.summary || '' }),
        secured ? el('span', { class: 'lock', title: 'needs credentials', text: 'auth' }) : null),
      op.description ? el('p', { class: 'desc', text: op.description }) : null,
      body && body[media].schema ? schemaBlock('Request body schema', body[media].schema) : null,
      el('h4', { text: 'Try it' }), form,
      el('h4', { text: 'Responses' }), el('ul', { class: 'responses' }, responses));
  }

  async function run(path, method, params, inputs, media, bodyInput, output, send) {
    let url = base + path;
    const query = new URLSearchParams();
    for (const p of params) {
      const value = inputs[p.name].value;
      if (p.in === 'path') url = url.replace('{' + p.name + '}', encodeURIComponent(value));
      else if (p.in === 'query' && value !== '') query.append(p.name, value);
    }
    if ([...query].length) url += '?' + query.toString();
    const headers = { Accept: 'application/json' };
    if (token()) headers.Authorization = 'Bearer ' + token();
    const init = { method: method.toUpperCase(), headers, credentials: 'same-origin' };
    if (media === 'application/json') {
      headers['Content-Type'] = 'application/json';
      init.body = bodyInput.value;
    } else if (media && bodyInput.files.length) {
      const data = new FormData();
      data.append('file', bodyInput.files[0]);
      init.body = data;
    }
    send.disabled = true;
    output.hidden = false;
    output.replaceChildren(el('p', { class: 'muted', text: 'Sending ' + init.method + ' ' + url }));
    try {
      const reply = await fetch(url, init);
      const text = await reply.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON */ }
      const picked = ['content-type', 'retry-after', 'x-request-id', 'location']
        .filter((h) => reply.headers.get(h))
        .map((h) => h + ': ' + reply.headers.get(h)).join('\n');
      output.replaceChildren(
        el('p', {}, el('code', { class: 'status s' + String(reply.status)[0],
          text: String(reply.status) }), ' ', init.method + ' ' + url),
        picked ? el('pre', { class: 'headers', text: picked }) : null,
        el('pre', { class: 'reply', text: shown || '(no body)' }));
    } catch (err) {
      output.replaceChildren(el('p', { class: 'error', text: 'Request failed: ' + err.message }));
    } finally {
      send.disabled = false;
    }
  }

  // ---------------------------------------------------------------- page
  function findOperation(id) {
    for (const [path, methods] of Object.entries(spec.paths || {})) {
      for (const [method, op] of Object.entries(methods)) {
        if (op.operationId === id) return { path, method };
      }
    }
    return null;
  }

  function authBox() {
    const input = document.getElementById('token');
    input.value = token();
    setToken(token());
    document.getElementById('auth').addEventListener('submit', (event) => {
      event.preventDefault();
      setToken(input.value.trim());
    });
    document.getElementById('clear').addEventListener('click', () => setToken(''));
    const login = findOperation('login');
    const form = document.getElementById('login');
    if (!login) return;
    form.hidden = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const state = document.getElementById('login-state');
      state.textContent = 'Signing in…';
      const reply = await fetch(base + login.path, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ username: form.username.value, password: form.password.value }),
      });
      const data = await reply.json().catch(() => ({}));
      if (reply.ok && data.token) {
        setToken(data.token);
        form.password.value = '';
        state.textContent = 'Signed in as ' + data.user.username;
      } else {
        state.textContent = data.error || 'Sign-in failed (' + reply.status + ')';
      }
    });
  }

  function render() {
    document.getElementById('title').textContent = spec.info.title;
    document.getElementById('version').textContent = 'version ' + spec.info.version +
      ' · OpenAPI ' + spec.openapi;
    document.getElementById('description').textContent = spec.info.description || '';
    const byTag = new Map();
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const tag = (op.tags || ['other'])[0];
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push(operationCard(path, method, op));
      }
    }
    const order = (spec.tags || []).map((t) => t.name);
    const rank = (tag) => (order.includes(tag) ? order.indexOf(tag) : order.length);
    const tags = [...byTag.keys()].sort((a, b) => rank(a) - rank(b));
    const main = document.getElementById('operations');
    main.replaceChildren(...tags.map((tag) =>
      el('section', { class: 'tag' }, el('h2', { text: '/' + tag.replace(/^\//, '') }),
        byTag.get(tag))));
    const wanted = location.hash.slice(1);
    if (wanted && document.getElementById(wanted)) document.getElementById(wanted).open = true;
  }

  async function start() {
    const main = document.getElementById('operations');
    try {
      const reply = await fetch(specUrl, { headers: { Accept: 'application/json' } });
      if (!reply.ok) throw new Error('HTTP ' + reply.status);
      spec = await reply.json();
    } catch (err) {
      main.replaceChildren(el('p', { class: 'error', text: 'Cannot load ' + specUrl + ': ' +
        err.message }));
      return;
    }
    base = ((spec.servers || [{}])[0].url || '').replace(/\/$/, '');
    authBox();
    render();
  }

  document.addEventListener('DOMContentLoaded', start);
}());
