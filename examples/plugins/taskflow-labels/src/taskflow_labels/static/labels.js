/* taskflow-labels in the frontend: label badges on board cards, a label picker
 * in the task forms, and the project's labels in project settings.
 *
 * An ES module loaded by the single-page app (same origin; no inline code, so
 * the strict CSP holds).  DOM is built with taskflow.h only; colours are set
 * through the DOM (element.style), which the CSP allows, never as attributes.
 */
const PROJECT_IN_URL = /^#\/projects\/(\d+)/;

export default function setup(taskflow) {
  const { h, api } = taskflow;
  const { t, tn } = translations(taskflow);

  taskflow.addCardBadges((task) => (task.labels || []).map((label) => ({
    text: label.name, color: label.color, title: t('Label: {name}', { name: label.name }),
  })));

  taskflow.addTaskField({
    name: 'labels',
    label: t('Labels'),
    render(container, task) {
      const projectId = task ? task.project_id : projectOfPage();
      const selected = new Set(((task && task.labels) || []).map((l) => l.id));
      const box = h('div', { class: 'labels-picker', 'data-testid': 'labels-picker' },
        h('span', { class: 'muted' }, t('Loading labels…')));
      container.append(box);
      if (projectId) fillPicker(box, projectId, selected);
      // Core receives {"labels": [...]} with the task's own body (the plugin
      // declares the field); its listener stores them in the same transaction,
      // or refuses the whole save with a message beside the field.
      return { value: () => (task || selected.size ? [...selected] : undefined) };
    },
  });

  async function fillPicker(box, projectId, selected) {
    let labels;
    try {
      labels = (await api.get(`/api/labels/projects/${Number(projectId)}`)).labels;
    } catch (err) {
      box.replaceChildren(h('span', { class: 'form-error' }, t('Labels unavailable: {problem}', { problem: err.message })));
      return;
    }
    if (!labels.length) {
      box.replaceChildren(h('span', { class: 'muted' }, t('This project has no labels yet (add them in its settings).')));
      return;
    }
    box.replaceChildren(...labels.map((label) => {
      const input = h('input', {
        type: 'checkbox', name: 'label', value: String(label.id), checked: selected.has(label.id),
        onchange: () => { if (input.checked) selected.add(label.id); else selected.delete(label.id); },
      });
      return h('label', { class: 'labels-choice' }, input, swatch(label.color), label.name);
    }));
  }

  taskflow.addProjectPanel({
    id: 'labels',
    title: t('Labels'),
    async render(container, project) {
      const list = h('ul', { class: 'labels-list', 'data-testid': 'labels-list' });
      container.append(list);
      // The project's owners manage its labels (admins own every project): the API's rule.
      const manages = project.my_role === 'owner' || (taskflow.user || {}).role === 'admin';
      const show = async () => {
        const { labels } = await api.get(`/api/labels/projects/${Number(project.id)}`);
        list.replaceChildren(...labels.map((label) => h('li', null,
          swatch(label.color), h('span', null, label.name),
          h('span', { class: 'muted' }, ' ', tn(label.task_count, '({n} task)', '({n} tasks)')),
          manages ? h('button', {
            type: 'button', class: 'btn btn-small', 'aria-label': t('Delete label {name}', { name: label.name }),
            onclick: async () => { await api.del(`/api/labels/${label.id}`); await show(); },
          }, t('Delete')) : null)));
        if (!labels.length) list.append(h('li', { class: 'muted' }, t('No labels yet.')));
      };
      await show();
      if (!manages) return;
      const name = h('input', { name: 'label_name', required: true, maxlength: 40, 'aria-label': t('Label name') });
      const color = h('input', { name: 'label_color', type: 'color', value: '#3366cc', 'aria-label': t('Label colour') });
      const form = h('form', { class: 'labels-form', 'data-testid': 'labels-form' },
        name, color, h('button', { type: 'submit', class: 'btn' }, t('Add label')));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          await api.post(`/api/labels/projects/${Number(project.id)}`, { name: name.value, color: color.value });
          form.reset();
          await show();
        } catch (err) {
          taskflow.toast(err.message, { kind: 'error' });
        }
      });
      container.append(form);
    },
  });

  function swatch(color) {
    const el = h('span', { class: 'labels-swatch', 'aria-hidden': 'true' });
    el.style.background = color;
    return el;
  }
}

function projectOfPage() {
  const match = PROJECT_IN_URL.exec(window.location.hash);
  return match ? Number(match[1]) : null;
}

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
