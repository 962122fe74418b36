/* New tasks on the board: the quick-add field at the top of each column (a title,
 * Enter, the next) and the full form behind "+ New task"; plugins' task fields
 * (addTaskField) in that form and in the task's edit form. */
import { h, shorten, srOnly, STATUSES, STATUS_LABELS } from '../dom.js';
import { api, taskPath } from '../api.js';
import { field, select, onSubmit, formValues } from '../forms.js';
import { toast, announce, errorText } from '../toast.js';
import { contributions, forProject, safeRender, assistText } from '../extensions.js';
import { userOptions, PRIORITY_OPTIONS } from './common.js';
import { t } from '../i18n.js';

/** The quick-add field of a column of board `b`: Enter adds the task and keeps the field open for the next. */
export function quickAdd(b, status) {
  const id = 'quick-add-' + status;
  const input = h('input', {
    id, name: 'title', maxlength: 200, autocomplete: 'off', 'data-testid': 'quick-add-' + status,
    placeholder: t('Add a task…'), 'aria-keyshortcuts': status === 'todo' ? 'n' : null,
  });
  const error = h('p', { class: 'field-error quick-error', role: 'alert', hidden: true });
  const form = h('form', { class: 'quick-add', 'data-testid': 'quick-add-form-' + status },
    h('label', { class: 'sr-only', for: id }, t('New task in {status}', { status: STATUS_LABELS[status] })),
    h('div', { class: 'quick-row' }, input,
      h('button', { type: 'submit', class: 'btn btn-small' }, t('Add'), srOnly(' ', t('to {status}', { status: STATUS_LABELS[status] })))),
    error);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const title = input.value.trim();
    if (!title || form.dataset.busy) return;
    form.dataset.busy = '1';
    error.hidden = true;
    input.removeAttribute('aria-invalid');
    try {
      // Only the title and the column: every other field keeps the server's default.
      const created = await api.post(`/api/projects/${Number(b.pid)}/tasks`, { title, status });
      const task = await api.get(taskPath(b.pid, created.id));
      input.value = '';
      const values = { title: shorten(task.title), status: STATUS_LABELS[status] };
      announce(b.add(task) ? t('Added “{title}” to {status}.', values) : t('Added “{title}” to {status} (hidden by the filters).', values));
    } catch (err) {
      if (err.status === 401) return;
      error.textContent = (err.fields && err.fields.title) ? t('Title: {message}', { message: err.fields.title }) : errorText(err);
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
    } finally {
      delete form.dataset.busy;
      input.focus();
    }
  });
  return { form, input };
}

/** The task fields plugins add (addTaskField) that apply in `project`, each {name, el, value()}. */
export function pluginFields(task, project) {
  return forProject(contributions.taskFields, project).map((f) => {
    const box = h('div', { class: 'extension-field', dataset: { extension: f.name } });
    const label = h('span', { class: 'label-text' }, f.label);
    const wrap = h('div', { class: 'field' }, label, box);
    let handle = null;
    const out = safeRender(box, f.name, (c) => f.render(c, task, {}));
    if (out && typeof out.value === 'function') handle = out;
    return { name: f.name, el: wrap, value: () => (handle ? handle.value() : undefined) };
  });
}

/** The full new-task form; the task created shows on `board` at once (and gets the focus). */
export function newTaskForm(pid, users, board, panel, toggleBtn, signal, project) {
  const extras = pluginFields(null, project);
  const form = h('form', { class: 'stack', 'data-testid': 'new-task-form' },
    field(t('Title'), h('input', { name: 'title', required: true, maxlength: 200 })),
    field(t('Description'), h('textarea', { name: 'description', maxlength: 5000 })),
    h('div', { class: 'form-row' },
      field(t('Assignee'), select('assignee_id', userOptions(users, t('Unassigned')), '')),
      field(t('Priority'), select('priority', PRIORITY_OPTIONS, 'medium')),
      field(t('Due date'), h('input', { name: 'due_date', type: 'date' })),
      field(t('Status'), select('status', STATUSES.map((s) => [s, STATUS_LABELS[s]]), 'todo'))),
    extras.map((x) => x.el),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Create task'))));
  assistText(form.elements.description, { field: 'description', projectId: Number(pid), taskId: null }, signal);
  return onSubmit(form, async (data) => {
    const body = formValues(data, ['title', 'description', 'priority', 'due_date', 'status']);
    if (data.get('assignee_id')) body.assignee_id = Number(data.get('assignee_id'));
    for (const x of extras) if (x.value() !== undefined) body[x.name] = x.value();
    const created = await api.post(`/api/projects/${Number(pid)}/tasks`, body);
    const task = await api.get(taskPath(pid, created.id));
    form.reset();
    panel.hidden = true;
    toggleBtn.setAttribute('aria-expanded', 'false');
    const card = board.add(task);
    toast(card ? t('Created “{title}”', { title: shorten(task.title) }) : t('Created “{title}” (hidden by the filters)', { title: shorten(task.title) }));
    if (card) {
      board.showColumn(task.status);
      card.querySelector('a').focus();
    } else {
      toggleBtn.focus();
    }
  });
}
