/* lcore-taskflow-io in the frontend: the Import screen, export buttons on a
 * project, and in the profile the calendar feed and "your data" (download it,
 * delete the account).
 *
 * An ES module loaded by the single-page app through the extension API
 * (docs/ui-extensions.md; needs version 2: api.upload, api.blob, the body of
 * api.del, addProfilePanel, addViewAction for My tasks' export buttons).  DOM is built with taskflow.h only: a card title
 * from an imported file is text, never markup.  The file is read in the
 * browser only to offer the column mapping; the server parses it again and
 * decides.
 */
import { csvHeaders, guessColumn, guessStatus } from './csv.js';

// Functions of t, not tables: the words come from the catalog of the language in use.
const STATUSES = (t) => [['todo', t('To do')], ['in_progress', t('In progress')], ['done', t('Done')]];
const CSV_FIELDS = (t) => [['title', t('Title')], ['description', t('Description')], ['status', t('Status')],
  ['priority', t('Priority')], ['due_date', t('Due date')], ['assignee', t('Assignee (email or username)')]];
const SOURCES = (t) => [['trello', t('Trello board (JSON export)')], ['csv', t('CSV file')],
  ['taskflow', t('TaskFlow project (JSON export)')]];
const PREVIEW_BYTES = 8 * 1024 * 1024;  // larger files import without a mapping preview
const POLL_MS = 1000;

export default function setup(taskflow) {
  if (taskflow.version < 2) return;
  const { h, api } = taskflow;
  const { t } = translations(taskflow);
  let uid = 0;
  const nextId = (prefix) => `io-${prefix}-${++uid}`;

  /** A label wrapping its control (the frontend's own field shape), with an optional hint. */
  function field(label, control, hint) {
    const hintEl = hint ? h('span', { class: 'hint', id: nextId('hint') }, hint) : null;
    if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
    return h('label', { class: 'field' }, h('span', { class: 'label-text' }, label), control, hintEl);
  }

  function choice(name, options, value, attrs) {
    return h('select', Object.assign({ name }, attrs || {}), options.map(([v, text]) =>
      h('option', { value: v, selected: String(v) === String(value ?? '') }, text)));
  }

  /** Offer a Blob as a file download. */
  function save(blob, filename) {
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  async function download(path, filename, button) {
    button.disabled = true;
    try {
      save(await api.blob(path), filename);
    } catch (err) {
      taskflow.toast(err.message, { kind: 'error' });
    } finally {
      button.disabled = false;
    }
  }

  // ------------------------------------------------------------ import
  taskflow.addNavItem({ id: 'import', label: t('Import'), render: renderImport });

  async function renderImport(container, ctx) {
    const { projects } = await api.get('/api/projects/?limit=100');
    const file = h('input', { type: 'file', name: 'file', required: true, accept: '.json,.csv,text/csv,application/json', 'data-testid': 'io-file' });
    const source = choice('source', SOURCES(t), 'trello', { 'data-testid': 'io-source' });
    const project = choice('project_id', [['', t('A new project')],
      ...projects.filter((p) => p.status !== 'archived').map((p) => [String(p.id), p.name])], '', { 'data-testid': 'io-project' });
    const mapping = h('div', { class: 'io-mapping', 'data-testid': 'io-mapping', 'aria-live': 'polite' });
    const problem = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'io-start' }, t('Start the import'));
    const form = h('form', { class: 'stack io-import', 'data-testid': 'io-import-form' },
      problem,
      field(t('File'), file, t('A Trello board export (JSON), a CSV file, or a TaskFlow project export.')),
      field(t('What it is'), source),
      field(t('Import into'), project, t('A CSV file needs an existing project; the others may make a new one.')),
      mapping,
      h('div', null, submit));
    const progress = h('section', { class: 'io-progress', 'data-testid': 'io-progress', 'aria-live': 'polite' });
    container.append(h('div', { class: 'grid-2' }, h('section', { class: 'card' },
      h('h2', null, t('Bring tasks in')), form), progress));

    let readMapping = () => ({});
    const refresh = async () => {
      readMapping = () => ({});
      mapping.replaceChildren();
      const chosen = file.files[0];
      if (!chosen || source.value === 'taskflow') return;
      if (chosen.size > PREVIEW_BYTES) {
        mapping.append(h('p', { class: 'muted' }, t('This file is large: it imports with the default mapping.')));
        return;
      }
      const text = await chosen.text();
      readMapping = source.value === 'csv' ? csvMapping(mapping, text) : trelloMapping(mapping, text);
    };
    file.addEventListener('change', refresh);
    source.addEventListener('change', refresh);

    // #/ext/import?job=<id> shows that job (the URL an import leaves behind: a reload or a
    // link brings its report back).
    const shown = Number(ctx.params && ctx.params.get('job'));
    if (Number.isInteger(shown) && shown > 0) follow(progress, shown, ctx.signal);

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      problem.hidden = true;
      form.querySelectorAll('.field-error').forEach((el) => el.remove());
      if (!file.files[0]) { showProblem(t('Choose a file to import.')); return; }
      if (source.value === 'csv' && !project.value) { showProblem(t('Choose the project a CSV file goes into.')); return; }
      const data = new FormData();
      data.append('source', source.value);
      if (project.value) data.append('project_id', project.value);
      for (const [key, value] of Object.entries(readMapping())) data.append(key, JSON.stringify(value));
      data.append('file', file.files[0]);
      submit.disabled = true;
      try {
        const job = await api.upload('/api/imports', data);
        history.replaceState(null, '', `#/ext/import?job=${Number(job.id)}`);
        await follow(progress, Number(job.id), ctx.signal);
      } catch (err) {
        const fields = err.fields ? Object.entries(err.fields).map(([k, v]) => `${k}: ${v}`).join('; ') : '';
        showProblem(fields ? `${err.message} ${fields}` : err.status === 413 ? err.message : (err.detail || err.message));
      } finally {
        submit.disabled = false;
      }
    });

    function showProblem(text) {
      problem.textContent = text;
      problem.hidden = false;
    }
  }

  /** Lists of a Trello export -> a status each; the reader of the choice. */
  function trelloMapping(box, text) {
    let lists;
    try {
      const board = JSON.parse(text);
      lists = (Array.isArray(board.lists) ? board.lists : []).filter((l) => l && typeof l.name === 'string');
    } catch {
      box.append(h('p', { class: 'muted' }, t('This is not JSON we can read here; the server will say what is wrong with it.')));
      return () => ({});
    }
    if (!lists.length) return () => ({});
    const names = [...new Set(lists.map((l) => l.name))];
    const selects = names.map((name) => [name, choice('list_status', STATUSES(t), guessStatus(name), { 'aria-label': t('Column for the list {name}', { name }) })]);
    box.append(h('fieldset', { class: 'io-map' }, h('legend', null, t('Trello lists → columns')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('List')), h('th', { scope: 'col' }, t('Column')))),
        h('tbody', null, selects.map(([name, sel]) => h('tr', null, h('td', null, name), h('td', null, sel))))))));
    return () => ({ mapping: Object.fromEntries(selects.map(([name, sel]) => [name, sel.value])) });
  }

  /** Headers of a CSV file -> a TaskFlow field each; the reader of the choice. */
  function csvMapping(box, text) {
    const headers = csvHeaders(text);
    if (!headers.length) {
      box.append(h('p', { class: 'muted' }, t('No header row found; the server will say what is wrong with the file.')));
      return () => ({});
    }
    const options = [['', t('(not imported)')], ...headers.map((name) => [name, name])];
    const selects = CSV_FIELDS(t).map(([key, label]) => [key, choice(`column_${key}`, options, guessColumn(key, headers), { 'aria-label': t('CSV column for {field}', { field: label }) }), label]);
    box.append(h('fieldset', { class: 'io-map' }, h('legend', null, t('CSV columns → task fields')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('Task field')), h('th', { scope: 'col' }, t('CSV column')))),
        h('tbody', null, selects.map(([, sel, label]) => h('tr', null, h('td', null, label), h('td', null, sel))))))));
    return () => ({ columns: Object.fromEntries(selects.filter(([, sel]) => sel.value).map(([key, sel]) => [key, sel.value])) });
  }

  /** Poll the job until it ends; show its state, then its counts and per-row notes. */
  async function follow(box, id, signal) {
    const title = t('Import #{id}', { id });
    const state = h('p', { 'data-testid': 'io-status' }, t('Queued…'));
    const bar = h('progress', { 'aria-label': t('Import progress') });
    box.replaceChildren(h('section', { class: 'card' }, h('h2', null, title), state, bar));
    for (;;) {
      if (signal && signal.aborted) return;
      let job;
      try {
        job = await api.get(`/api/imports/${id}`);
      } catch (err) {
        box.replaceChildren(h('section', { class: 'card' }, h('h2', null, title),
          h('p', { class: 'form-error', 'data-testid': 'io-status' }, err.detail || err.message)));
        return;
      }
      if (job.status === 'done' || job.status === 'failed') {
        box.replaceChildren(report(job));
        return;
      }
      state.textContent = job.status === 'running' ? t('Importing…') : t('Queued…');
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** One line of an import's counts; a count this frontend does not know keeps its key. */
  function countText(what, n) {
    const known = {
      projects: t('Projects: {n}', { n }), tasks: t('Tasks: {n}', { n }), comments: t('Comments: {n}', { n }),
      checklist_items: t('Checklist items: {n}', { n }), labels: t('Labels: {n}', { n }), skipped: t('Skipped: {n}', { n }),
    };
    return known[what] || `${what.replace(/_/g, ' ')}: ${n}`;
  }

  function report(job) {
    const done = job.status === 'done';
    const counts = Object.entries(job.counts || {});
    const notes = job.errors || [];
    return h('section', { class: 'card', 'data-testid': 'io-report' },
      h('h2', null, done ? t('Import finished') : t('Import failed')),
      h('p', { 'data-testid': 'io-status', class: done ? '' : 'form-error' },
        done ? t('Imported from {file}.', { file: job.filename || t('the file') })
          : t('Nothing was imported: {problem}.', { problem: job.error || t('the file could not be read') })),
      counts.length ? h('ul', { class: 'io-counts', 'data-testid': 'io-counts' },
        counts.map(([what, n]) => h('li', null, countText(what, n)))) : null,
      notes.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table io-notes', 'data-testid': 'io-notes' },
        h('caption', null, t('What was skipped or changed')),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('Row')), h('th', { scope: 'col' }, t('Note')))),
        h('tbody', null, notes.map((n) => h('tr', null, h('td', null, n.row), h('td', null, n.message)))))) : null,
      done && job.project_id ? h('p', null, h('a', { class: 'btn', href: `#/projects/${Number(job.project_id)}`, 'data-testid': 'io-open-project' }, t('Open the project'))) : null);
  }

  // ------------------------------------------------------------ export (project settings)
  taskflow.addProjectPanel({
    id: 'io-export',
    title: t('Export'),
    render(container, project) {
      const pid = Number(project.id);
      const slug = `taskflow-project-${pid}`;
      const json = h('button', { type: 'button', class: 'btn', 'data-testid': 'io-export-json',
        onclick: () => download(`/api/projects/${pid}/export?format=json`, `${slug}.json`, json) }, t('Download JSON'));
      const csv = h('button', { type: 'button', class: 'btn', 'data-testid': 'io-export-csv',
        onclick: () => download(`/api/projects/${pid}/export?format=csv`, `${slug}.csv`, csv) }, t('Download CSV'));
      container.append(h('p', { class: 'muted' }, t('Everything of this project you can see: tasks, comments, checklists.')),
        h('div', { class: 'actions' }, json, csv));
      const owner = project.my_role === 'owner' || (taskflow.user || {}).role === 'admin';
      if (owner) {
        container.append(feedControls({
          what: t('this project’s tasks with due dates'),
          create: () => api.post(`/api/projects/${pid}/calendar`, {}),
          remove: () => api.del(`/api/projects/${pid}/calendar`),
          testid: 'io-project-feed',
        }));
      }
    },
  });

  // ------------------------------------------------------------ My tasks: export the view
  if (taskflow.addViewAction) {  // a frontend older than the list actions shows none
    taskflow.addViewAction({
      id: 'io-my-tasks-export',
      view: 'my-tasks',
      render(container, ctx) {
        const status = ctx.params.get('status') || '';
        const path = (format) => `/api/users/me/tasks/export?format=${format}${status ? `&status=${encodeURIComponent(status)}` : ''}`;
        const name = `my-tasks${status ? `-${status}` : ''}`;
        const json = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'io-my-tasks-json',
          onclick: () => download(path('json'), `${name}.json`, json) }, t('Export JSON'));
        const csv = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'io-my-tasks-csv',
          onclick: () => download(path('csv'), `${name}.csv`, csv) }, t('Export CSV'));
        container.append(json, csv);
      },
    });
  }

  // ------------------------------------------------------------ profile
  taskflow.addProfilePanel({
    id: 'io-calendar',
    title: t('Calendar feed'),
    async render(container) {
      const state = await api.get('/api/users/me/calendar');
      container.append(feedControls({
        what: t('the tasks assigned to you that have a due date'),
        active: state.active,
        since: state.created_at,
        create: () => api.post('/api/users/me/calendar', {}),
        remove: () => api.del('/api/users/me/calendar'),
        testid: 'io-feed',
      }));
    },
  });

  /** Make, show, copy, replace and end a secret feed URL. */
  function feedControls({ what, active, since, create, remove, testid }) {
    const box = h('div', { class: 'stack', 'data-testid': testid });
    const status = h('p', { class: 'muted', 'data-testid': `${testid}-state` });
    const urlBox = h('div', { class: 'copy-row', hidden: true });
    const make = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': `${testid}-make` });
    const end = h('button', { type: 'button', class: 'btn', 'data-testid': `${testid}-end` }, t('Turn the feed off'));
    const show = (isActive, created) => {
      // the app's language (UI API 3) for the date too, else the browser's
      const day = created ? new Date(created * 1000).toLocaleDateString(taskflow.language || []) : '';
      if (isActive) {
        status.textContent = day ? t('A feed URL is live since {day}. Making a new one stops the old one.', { day })
          : t('A feed URL is live. Making a new one stops the old one.');
      } else {
        status.textContent = t('No feed yet. A calendar application can subscribe to {what}.', { what });
      }
      make.textContent = isActive ? t('Make a new URL') : t('Make a feed URL');
      end.hidden = !isActive;
    };
    make.addEventListener('click', async () => {
      make.disabled = true;
      try {
        const { url } = await create();
        const input = h('input', { type: 'text', readonly: true, value: url, name: `${testid}-url`, 'aria-label': t('Calendar feed URL'), 'data-testid': `${testid}-url` });
        const copy = h('button', { type: 'button', class: 'btn', 'data-testid': `${testid}-copy`, onclick: () => copyText(input) }, t('Copy'));
        urlBox.replaceChildren(input, copy);
        urlBox.hidden = false;
        show(true, Date.now() / 1000);
        taskflow.toast(t('New calendar URL made: it is shown only now. Any earlier URL has stopped working.'));
      } catch (err) {
        taskflow.toast(err.message, { kind: 'error' });
      } finally {
        make.disabled = false;
      }
    });
    end.addEventListener('click', async () => {
      try {
        await remove();
        urlBox.replaceChildren();
        urlBox.hidden = true;
        show(false);
        taskflow.toast(t('Calendar feed turned off.'));
      } catch (err) {
        taskflow.toast(err.message, { kind: 'error' });
      }
    });
    show(Boolean(active), since);
    box.append(status, urlBox, h('div', { class: 'actions' }, make, end));
    return box;
  }

  async function copyText(input) {
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      taskflow.toast(t('Copied.'));
    } catch {
      taskflow.toast(t('Press Ctrl+C (⌘C) to copy the selected URL.'), { kind: 'info' });
    }
  }

  taskflow.addProfilePanel({
    id: 'io-personal',
    title: t('Your data'),
    render(container, user) {
      const name = String(user.username || 'me').replace(/[^A-Za-z0-9_.-]/g, '_');
      const get = h('button', { type: 'button', class: 'btn', 'data-testid': 'io-download-data',
        onclick: () => download('/api/users/me/export', `taskflow-personal-data-${name}.json`, get) }, t('Download my data'));
      const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'current-password', 'data-testid': 'io-delete-password' });
      const sure = h('input', { type: 'checkbox', name: 'confirm', required: true, 'data-testid': 'io-delete-confirm' });
      const problem = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'io-delete-error' });
      const form = h('form', { class: 'stack io-delete', hidden: true, 'data-testid': 'io-delete-form' },
        problem,
        field(t('Your password'), password),
        h('label', { class: 'check' }, sure, ' ', t('I understand: my account goes for good; my comments stay, signed “deleted user”.')),
        h('div', { class: 'actions' },
          h('button', { type: 'submit', class: 'btn btn-danger', 'data-testid': 'io-delete-submit' }, t('Delete my account')),
          h('button', { type: 'button', class: 'btn', onclick: () => { form.hidden = true; open.hidden = false; } }, t('Keep it'))));
      const open = h('button', { type: 'button', class: 'btn btn-danger', 'data-testid': 'io-delete-open',
        onclick: () => { form.hidden = false; open.hidden = true; password.focus(); } }, t('Delete my account…'));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        problem.hidden = true;
        try {
          await api.del('/api/users/me', { password: password.value });
        } catch (err) {
          problem.textContent = err.status === 422 ? t('That is not your password.') : (err.detail || err.message);
          problem.hidden = false;
          password.focus();
          return;
        }
        taskflow.toast(t('Your account was deleted.'), { timeout: 0 });
        // Every credential of the account died with it: the next call answers 401, which
        // signs the page out (the frontend's rule for a 401).
        api.get('/auth/me').catch(() => {});
      });
      container.append(
        h('p', null, t('A copy of everything TaskFlow keeps about you: profile, tasks, comments, memberships, sign-ins.')),
        h('div', { class: 'actions' }, get, open),
        form);
    },
  });
}

// ---------------------------------------------------------------- helpers (no DOM)
/** The frontend's translation functions (UI API 3; the catalog is this folder's
 * i18n/<lang>.json), else English with the {placeholders} filled: an older frontend runs it too. */
function translations(taskflow) {
  if (taskflow.version >= 3 && typeof taskflow.t === 'function' && typeof taskflow.tn === 'function') {
    return { t: taskflow.t, tn: taskflow.tn };
  }
  const fill = (text, params) => String(text).replace(/\{(\w+)\}/g,
    (whole, key) => (params && Object.prototype.hasOwnProperty.call(params, key) ? String(params[key]) : whole));
  return { t: fill, tn: (n, singular, plural, params) => fill(n === 1 ? singular : plural, { ...params, n }) };
}
