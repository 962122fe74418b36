/* The task page's checklist and relations (SPEC §11).
 *
 * Checklist: items in order with "3/5 done"; editors tick, move (▲ ▼), remove
 * and add items; everyone else reads a list that says which are done.
 * Relations: "Blocks", "Blocked by", "Parent of", ... with links to the other
 * tasks; editors add one (this task blocks / relates to / duplicates / is the
 * parent of another, found by words or by its number) and remove them; a
 * refused one (409: a cycle, a second parent) is said in the card. */
import { h, mount } from '../dom.js';
import { api, links, share, taskPath } from '../api.js';
import { field, select, onSubmit, nextId } from '../forms.js';
import { toast, toastError, announce, errorText } from '../toast.js';
import { card, empty } from './common.js';
import { t } from '../i18n.js';
// ---------------------------------------------------------------- checklist
export function checklistCard(pid, tid, editable) {
  const base = taskPath(pid, tid) + '/checklist';
  const summary = h('p', { class: 'muted small', 'data-testid': 'checklist-summary' });
  const list = h('ul', { class: 'checklist', 'data-testid': 'checklist' });
  let items = [];
  let shown = '';

  async function load() {
    const data = await api.get(base);
    items = data.items || [];
    shown = `${data.done}/${data.total}`;
    render();
  }

  function render() {
    const done = items.filter((i) => i.done).length;
    summary.textContent = items.length ? t('{done}/{total} done', { done, total: items.length }) : '';
    list.hidden = !items.length;
    mount(list, items.map((item, n) => (editable ? editItem(item, n) : h('li', { class: 'is-read', 'data-testid': 'checklist-item', dataset: { done: item.done ? '1' : '0' } },
      h('span', { class: 'check-mark', 'aria-hidden': 'true' }, item.done ? '✓' : '○'),
      h('span', { class: item.done ? 'is-done' : null }, item.title),
      h('span', { class: 'sr-only' }, ' ', item.done ? t('(done)') : t('(not done)'))))));
    noItems.hidden = Boolean(items.length);
  }

  async function change(item, body, message) {
    try {
      await api.patch(`${base}/${Number(item.id)}`, body);
      await load();
      if (message) announce(message);
    } catch (err) {
      toastError(err);
      await load().catch(() => {});
    }
  }

  function focusItem(id, which) {
    const el = list.querySelector(`[data-item-id="${Number(id)}"] ${which}`);
    if (el && !el.disabled) el.focus();
    else { const box = list.querySelector(`[data-item-id="${Number(id)}"] input`); if (box) box.focus(); }
  }

  function editItem(item, n) {
    const id = nextId('chk');
    const box = h('input', {
      type: 'checkbox', id, checked: item.done, 'data-testid': 'checklist-toggle',
      onchange: async () => {
        await change(item, { done: box.checked }, `${item.title}: ${box.checked ? 'done' : 'not done'}`);
        focusItem(item.id, 'input');
      },
    });
    const move = (dir) => h('button', {
      type: 'button', class: 'btn btn-small', 'aria-label': dir === -1 ? t('Move “{title}” up', { title: item.title }) : t('Move “{title}” down', { title: item.title }),
      'data-testid': dir === -1 ? 'checklist-up' : 'checklist-down',
      disabled: dir === -1 ? n === 0 : n === items.length - 1,
      onclick: async () => {
        await change(item, { position: n + 1 + dir }, t('Moved “{title}” to {position} of {count}', { title: item.title, position: n + 1 + dir, count: items.length }));
        focusItem(item.id, `[data-testid=${dir === -1 ? 'checklist-up' : 'checklist-down'}]`);
      },
    }, dir === -1 ? '▲' : '▼');
    const remove = h('button', {
      type: 'button', class: 'btn btn-small btn-danger', 'aria-label': t('Remove “{title}”', { title: item.title }), 'data-testid': 'checklist-remove',
      onclick: async () => {
        remove.disabled = true;
        try {
          await api.del(`${base}/${Number(item.id)}`);
        } catch (err) {
          remove.disabled = false;
          toastError(err);
          return;
        }
        await load();
        toast(t('Removed “{title}”', { title: item.title }));
        addForm.elements.title.focus();
      },
    }, t('Remove'));
    return h('li', { 'data-testid': 'checklist-item', dataset: { itemId: item.id, done: item.done ? '1' : '0' } },
      h('label', { class: 'check', for: id }, box, h('span', { class: item.done ? 'is-done' : null }, item.title)),
      h('span', { class: 'check-actions' }, move(-1), move(1), remove));
  }

  const noItems = empty(t('No checklist items.'));
  const addForm = editable ? h('form', { class: 'inline checklist-add', 'data-testid': 'checklist-form' },
    field(t('New item'), h('input', { name: 'title', required: true, maxlength: 500, autocomplete: 'off', 'data-testid': 'checklist-new' })),
    h('button', { type: 'submit', class: 'btn' }, t('Add'))) : null;
  if (addForm) {
    onSubmit(addForm, async (data) => {
      await api.post(base, { title: String(data.get('title')).trim() });
      addForm.reset();
      await load();
      addForm.elements.title.focus();
      announce(t('Item added'));
    });
  }
  const el = card(t('Checklist'), summary, list, noItems, addForm);
  el.dataset.testid = 'checklist-card';
  return {
    el,
    ready: load(),
    /** After the task was read again: reload when its counts moved (someone else's change). */
    update(task) {
      const c = task.checklist || {};
      if (`${c.done}/${c.total}` !== shown) load().catch(() => {});
    },
  };
}

// ---------------------------------------------------------------- relations
export const RELATION_LABELS = {
  blocks: t('Blocks'), blocked_by: t('Blocked by'), relates: t('Relates to'), duplicates: t('Duplicates'),
  duplicated_by: t('Duplicated by'), parent: t('Parent of'), child: t('Child of'),
};
// What the server accepts (the others are how the other task shows them).
const ADDABLE = [['blocks', t('Blocks')], ['relates', t('Relates to')], ['duplicates', t('Duplicates')], ['parent', t('Is the parent of')]];

export function relationsCard(pid, tid, first, editable) {
  const base = taskPath(pid, tid) + '/relations';
  const listBox = h('div');
  const problem = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'relations-error' });
  let relations = first.relations || [];

  function render() {
    const groups = Object.keys(RELATION_LABELS).map((kind) => [kind, relations.filter((r) => r.kind === kind)]).filter(([, rs]) => rs.length);
    mount(listBox, groups.length ? h('dl', { class: 'relations', 'data-testid': 'relations' }, groups.map(([kind, rs]) => [
      h('dt', null, RELATION_LABELS[kind]),
      rs.map((r) => h('dd', { 'data-testid': 'relation', dataset: { kind: r.kind, taskId: r.task_id } },
        // A share link opens one project: a task of another is named, not linked.
        share.active && Number(r.project_id) !== Number(pid) ? h('span', null, r.title)
          : h('a', { href: links.task(r.project_id, r.task_id) }, r.title), ' ', h('span', { class: 'muted small' }, `#${r.task_id}`),
        editable ? h('button', {
          type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'relation-remove',
          'aria-label': t('Remove “{relation} {title}”', { relation: RELATION_LABELS[kind], title: r.title }),
          onclick: (ev) => remove(r, ev.currentTarget),
        }, t('Remove')) : null)),
    ])) : empty(t('No related tasks.')));
  }

  async function reload() {
    relations = (await api.get(base)).relations || [];
    render();
  }

  async function remove(r, button) {
    button.disabled = true;
    problem.hidden = true;
    try {
      await api.del(`${base}/${Number(r.id)}`);
    } catch (err) {
      button.disabled = false;
      toastError(err);
      return;
    }
    await reload();
    toast(t('Removed the relation to “{title}”', { title: r.title }));
    if (form) form.elements.q.focus();
  }

  async function add(kind, other) {
    problem.hidden = true;
    try {
      await api.post(base, { kind, task_id: Number(other) });
    } catch (err) {
      if (err.status === 409 || err.status === 404 || err.status === 422) {
        const fields = err.fields ? Object.values(err.fields).join(' ') : '';
        problem.textContent = err.status === 404 ? t('There is no task #{id} that you can see.', { id: Number(other) })
          : (fields ? fields.charAt(0).toUpperCase() + fields.slice(1) + '.' : errorText(err).replace(/\.?$/, '.'));
        problem.hidden = false;
        problem.scrollIntoView({ block: 'nearest' });
        return;
      }
      toastError(err);
      return;
    }
    form.reset();
    mount(results);
    await reload();
    announce(t('Relation added'));
    form.elements.q.focus();
  }

  const results = h('ul', { class: 'pick-list', 'data-testid': 'relation-results' });
  const form = editable ? h('form', { class: 'stack', 'data-testid': 'relation-form' },
    h('div', { class: 'form-row' },
      field(t('This task'), select('kind', ADDABLE, 'blocks', { 'data-testid': 'relation-kind' })),
      field(t('Other task'), h('input', { name: 'q', required: true, autocomplete: 'off', maxlength: 200, 'data-testid': 'relation-task' }),
        t('Its number (#12), or words of its title.'))),
    h('div', null, h('button', { type: 'submit', class: 'btn' }, t('Find or add')))) : null;
  if (form) {
    onSubmit(form, async (data) => {
      const q = String(data.get('q')).trim();
      const kind = String(data.get('kind'));
      const number = /^#?(\d+)$/.exec(q);
      if (number) return add(kind, number[1]);
      const found = await api.get(`/api/search?q=${encodeURIComponent(q)}&limit=10`);
      const tasks = (found.results || []).filter((r) => r.kind === 'task' && Number(r.task_id || r.id) !== Number(tid));
      mount(results, tasks.length ? tasks.map((r) => h('li', null,
        h('span', { class: 'wrap' }, r.title, ' ', h('span', { class: 'muted small' }, `#${r.task_id || r.id}`)),
        h('button', {
          type: 'button', class: 'btn btn-small', 'data-testid': 'relation-pick',
          'aria-label': `${ADDABLE.find(([k]) => k === kind)[1]} “${r.title}”`,
          onclick: () => add(String(form.elements.kind.value), r.task_id || r.id),
        }, t('Add')))) : h('li', { class: 'muted' }, t('No task matches.')));
      return undefined;
    });
  }
  render();
  const el = card(t('Related tasks'), listBox, problem, form, form ? results : null);
  el.dataset.testid = 'relations-card';
  return {
    el,
    update(task) {
      relations = task.relations || [];
      render();
    },
  };
}
