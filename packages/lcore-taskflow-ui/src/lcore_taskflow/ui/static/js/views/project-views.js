/* What the board and the list view of a project share in their top bar: the
 * Board | List switch (each keeps the filters of the URL) and "Save view",
 * which names the current filters (POST /api/views) for the sidebar's list of
 * saved views, privately or shared with the project's members. */
import { h, mount } from '../dom.js';
import { api } from '../api.js';
import { currentLocation } from '../router.js';
import { field, onSubmit } from '../forms.js';
import { toast } from '../toast.js';
import { toggle } from './common.js';
import { refreshSavedViews } from '../saved-views.js';
import { t } from '../i18n.js';
/** The query of the current address as a view keeps it: filters and sort, no page. */
function viewQuery(kind) {
  const params = new URLSearchParams(currentLocation().params);
  params.delete('page');
  params.delete('view');
  if (kind === 'list') params.set('view', 'list');
  return params.toString();
}

function switchLinks(pid, kind) {
  const here = () => {
    const params = new URLSearchParams(currentLocation().params);
    params.delete('page');
    return params.toString() ? '?' + params : '';
  };
  const link = (target, label) => h('a', {
    class: 'btn view-switch-link', href: `#/projects/${Number(pid)}${target === 'list' ? '/list' : ''}`,
    'aria-current': target === kind ? 'page' : null, 'data-testid': 'view-switch-' + target,
    // The filters of this moment, not of the moment the link was drawn.
    onclick: (ev) => { ev.currentTarget.href = `#/projects/${Number(pid)}${target === 'list' ? '/list' : ''}${here()}`; },
  }, label);
  return h('nav', { class: 'view-switch', 'aria-label': t('Show the project as') }, link('board', t('Board')), link('list', t('List')));
}

function saveViewPanel(project, kind, done) {
  const panel = h('section', { class: 'card save-view-panel', 'aria-labelledby': 'save-view-title', 'data-testid': 'save-view-panel' });
  const form = h('form', { class: 'stack', 'data-testid': 'save-view-form' },
    field(t('Name'), h('input', { name: 'name', required: true, maxlength: 100, 'data-testid': 'save-view-name' })),
    h('label', { class: 'choice' }, h('input', { type: 'checkbox', name: 'shared', 'data-testid': 'save-view-shared' }),
      h('span', null, t('Share with everyone who can see this project'))),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'save-view-submit' }, t('Save view'))));
  onSubmit(form, async (data) => {
    const name = String(data.get('name')).trim();
    await api.post('/api/views', { name, project_id: Number(project.id), query: viewQuery(kind), shared: data.get('shared') === 'on' });
    form.reset();
    toast(t('Saved the view “{name}”', { name }));
    done();
    await refreshSavedViews();
  });
  mount(panel, h('h2', { id: 'save-view-title' }, t('Save these filters as a view')), form);
  return panel;
}

/** [switch, "Save view" button, its panel] for ctx.setActions (no save in a shared project). */
export function projectViewTools(ctx, project, kind, { canSave = true } = {}) {
  const nodes = [switchLinks(project.id, kind)];
  if (canSave) {
    let button = null;
    const panel = saveViewPanel(project, kind, () => {
      panel.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      button.focus();
    });
    button = toggle(t('Save view'), panel, { class: 'btn', 'data-testid': 'save-view' });
    nodes.push(button, panel);
  }
  return nodes;
}
