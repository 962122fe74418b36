/* Projects: the list (archived ones hidden unless asked), create, archive;
 * project settings (edit, who can see it, members, share links) for owners,
 * the project and its members read-only for everyone else. */
import { h, badge, mount, srOnly } from '../dom.js';
import { api, session } from '../api.js';
import { route, replaceParams } from '../router.js';
import { listProjects } from '../queries.js';
import { field, select, onSubmit, formValues } from '../forms.js';
import { toast, toastError, announce } from '../toast.js';
import { contributions, forProject, safeRender } from '../extensions.js';
import { card, progress, empty, toggle, deleteWithUndo, pendingDeletes, PROJECT_STATUSES, projectStatusLabel } from './common.js';
import { projectRole, can, ROLE_HINTS } from '../roles.js';
import { membersCard, accessCard, sharesCard, roleBadge } from './members.js';
import { t } from '../i18n.js';
const statusLabel = projectStatusLabel;
const projectPath = (id) => '/api/projects/' + Number(id);

/** PUT needs the name; archive and unarchive keep everything else as it is. */
function setStatus(p, status) {
  return api.put(projectPath(p.id), { name: p.name, description: p.description || '', status });
}

function newProjectForm(onCreated) {
  const form = h('form', { class: 'stack', 'data-testid': 'new-project-form' },
    field(t('Name'), h('input', { name: 'name', required: true, maxlength: 200 })),
    field(t('Description'), h('textarea', { name: 'description', maxlength: 5000 })),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Create project'))));
  return onSubmit(form, async (data) => {
    const created = await api.post('/api/projects/', formValues(data, ['name', 'description']));
    form.reset();
    toast(t('Project “{name}” created', { name: created.name }));
    onCreated(created);
  });
}

function projectCard(p, onArchived) {
  const c = p.task_counts || {};
  const archived = p.status === 'archived';
  const owner = can(projectRole(p), 'owner');
  const el = h('article', { class: 'card project-card' + (archived ? ' is-archived' : ''), 'data-testid': 'project-card', dataset: { projectId: p.id } },
    h('h2', { class: 'project-name' }, h('a', { href: '#/projects/' + Number(p.id) }, p.name)),
    p.description ? h('p', { class: 'muted small desc' }, p.description) : null,
    h('div', { class: 'counts' }, badge(statusLabel(p.status), 'project-' + p.status),
      p.visibility === 'private' ? badge(t('Private'), 'private', { 'data-testid': 'private-badge' }) : null,
      badge(t('{count} to do', { count: c.todo || 0 }), 'todo'), badge(t('{count} in progress', { count: c.in_progress || 0 }), 'in_progress'),
      badge(t('{count} done', { count: c.done || 0 }), 'done')),
    progress(c.done || 0, c.total || 0),
    h('div', { class: 'row' },
      // The visible words start the accessible name (WCAG 2.5.3, axe label-content-name-mismatch).
      h('a', { class: 'btn btn-small', href: '#/projects/' + Number(p.id) }, t('Open board'), srOnly(' ', t('of {name}', { name: p.name }))),
      owner ? h('a', { class: 'btn btn-small', href: `#/projects/${Number(p.id)}/settings`, 'aria-label': t('Settings of {name}', { name: p.name }) }, t('Settings'))
        : h('a', { class: 'btn btn-small', href: `#/projects/${Number(p.id)}/settings`, 'aria-label': t('Members of {name}', { name: p.name }) }, t('Members')),
      owner ? h('button', {
        type: 'button', class: 'btn btn-small', 'data-testid': 'archive-project',
        'aria-label': `${archived ? 'Unarchive' : 'Archive'} ${p.name}`,
        onclick: (ev) => archiveToggle(p, ev.currentTarget, onArchived),
      }, archived ? t('Unarchive') : t('Archive')) : null));
  return el;
}

async function archiveToggle(p, button, done) {
  const to = p.status === 'archived' ? 'active' : 'archived';
  const from = p.status;
  button.disabled = true;
  try {
    await setStatus(p, to);
    p.status = to;
    toast(to === 'archived' ? t('Archived “{name}”', { name: p.name }) : t('“{name}” is active again', { name: p.name }), {
      action: { label: t('Undo'), run: async () => {
        try { await setStatus(p, from); p.status = from; done(); } catch (err) { toastError(err); }
      } },
    });
    done();
  } catch (err) {
    toastError(err, { label: t('Retry'), run: () => archiveToggle(p, button, done) });
  } finally {
    button.disabled = false;
  }
}

route(/^projects$/, async (ctx) => {
  ctx.setTitle(t('Projects'));
  let showArchived = ctx.params.get('archived') === '1';
  const list = h('div', { class: 'projects', 'data-testid': 'projects' });
  const count = h('p', { class: 'muted small', role: 'status', 'data-testid': 'projects-count' });
  const more = h('button', { type: 'button', class: 'btn', hidden: true, 'data-testid': 'projects-more' }, t('Show more projects'));
  let page = 1;
  let total = 0;
  const redraw = () => refresh().catch(toastError);
  const cards = (projects) => projects.filter((p) => !pendingDeletes.has('project:' + p.id)).map((p) => projectCard(p, redraw));
  const describe = () => {
    const shown = list.querySelectorAll('[data-testid=project-card]').length;
    count.textContent = total > shown ? t('Showing {shown} of {total} projects', { shown, total }) : '';
    more.hidden = page * 100 >= total;
  };
  // Pages of 100 (the API's largest): the first on (re)load, the next ones appended.
  const refresh = async () => {
    const data = await listProjects(showArchived, 1);
    if (!ctx.alive()) return;
    page = 1;
    total = data.total || 0;
    const shown = cards(data.projects);
    mount(list, shown.length ? shown
      : empty(showArchived ? t('No projects yet.') : t('No active projects. Archived ones are hidden.')));
    describe();
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const data = await listProjects(showArchived, page + 1);
      page += 1;
      const added = cards(data.projects);
      list.append(...added);
      describe();
      const link = added[0] && added[0].querySelector('a');
      if (link) link.focus();
    } catch (err) {
      toastError(err);
    } finally {
      more.disabled = false;
    }
  });
  const panel = session.isAdmin() ? card(t('New project'), newProjectForm(() => refresh().catch(toastError))) : null;
  const archivedBox = h('input', {
    type: 'checkbox', checked: showArchived, 'data-testid': 'show-archived',
    onchange: async (ev) => {
      showArchived = ev.currentTarget.checked;
      const params = new URLSearchParams(ctx.params);
      if (showArchived) params.set('archived', '1'); else params.delete('archived');
      replaceParams(params);
      await refresh().catch(toastError);
      announce(showArchived ? t('Showing archived projects too') : t('Archived projects hidden'));
    },
  });
  await refresh();
  ctx.setActions(panel ? toggle(t('+ New project'), panel, { 'data-testid': 'new-project' }) : null);
  ctx.mount(panel, h('p', { class: 'filters-line' }, h('label', { class: 'check' }, archivedBox, t('Show archived projects'))), list, count, more);
}, { title: t('Projects') });

// ------------------------------------------------------------ settings
function editProjectForm(ctx, project) {
  const form = h('form', { class: 'stack', 'data-testid': 'edit-project-form' },
    field(t('Name'), h('input', { name: 'name', value: project.name, required: true, maxlength: 200 })),
    field(t('Description'), h('textarea', { name: 'description', value: project.description || '', maxlength: 5000 })),
    field(t('Status'), select('status', PROJECT_STATUSES, project.status)),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Save project'))));
  return onSubmit(form, async (data) => {
    const values = { name: String(data.get('name')).trim(), description: String(data.get('description') || ''), status: data.get('status') };
    await api.put(projectPath(project.id), values);
    Object.assign(project, values);
    ctx.setTitle(t('Settings · {name}', { name: project.name }));
    toast(t('Project saved'));
  });
}

const VISIBILITY_TEXT = { workspace: t('Everyone in the workspace'), private: t('Private: only its members') };

/** What a non-owner sees: the project, who can see it and their own role. */
function aboutCard(project, role) {
  return card(t('Project'),
    h('p', { class: 'desc' }, project.description || t('No description.')),
    h('dl', { class: 'meta-list' },
      h('dt', null, t('Status')), h('dd', null, statusLabel(project.status)),
      h('dt', null, t('Who can see it')), h('dd', null, VISIBILITY_TEXT[project.visibility] || VISIBILITY_TEXT.workspace),
      h('dt', null, t('Your role')), h('dd', { 'data-testid': 'my-role' }, roleBadge(role), ' ', ROLE_HINTS[role])),
    h('p', { class: 'muted small' }, t('Only the project’s owners can change it.')));
}

/** Owners switch the project-scoped plugins (SPEC §13) on or off for this project. */
async function pluginsCard(project) {
  const { plugins } = await api.get(projectPath(project.id) + '/plugins');
  if (!plugins.length) return null;
  const rows = plugins.map((p) => {
    const box = h('input', { type: 'checkbox', role: 'switch', checked: p.enabled, 'data-testid': 'plugin-switch-' + p.name, 'aria-describedby': 'plugin-desc-' + p.name });
    box.addEventListener('change', async () => {
      const enabled = box.checked;
      box.disabled = true;
      try {
        await api.put(`${projectPath(project.id)}/plugins/${encodeURIComponent(p.name)}`, { enabled });
        project.plugins = enabled ? [...new Set([...(project.plugins || []), p.name])] : (project.plugins || []).filter((n) => n !== p.name);
        toast(enabled ? t('{name} is on in this project', { name: p.name }) : t('{name} is off in this project', { name: p.name }));
      } catch (err) {
        box.checked = !enabled;
        toastError(err);
      } finally {
        box.disabled = false;
      }
    });
    return h('li', { class: 'plugin-switch' },
      h('label', { class: 'check' }, box, ' ', h('strong', null, p.name), ' ', h('span', { class: 'muted small' }, 'v' + p.version)),
      h('p', { class: 'muted small', id: 'plugin-desc-' + p.name }, p.description || t('No description.')));
  });
  return card(t('Plugins'),
    h('p', { class: 'muted small' }, t('These plugins work only in projects where an owner turns them on.')),
    h('ul', { class: 'plain-list', 'data-testid': 'project-plugins' }, rows));
}

route(/^projects\/(\d+)\/settings$/, async (ctx, pid) => {
  const project = await api.get(projectPath(pid));
  const role = projectRole(project);
  const owner = can(role, 'owner');
  ctx.setTitle(owner ? t('Settings · {name}', { name: project.name }) : t('Members · {name}', { name: project.name }));
  ctx.setActions(h('a', { class: 'btn', href: '#/projects/' + Number(pid) }, t('← Board')),
    owner ? h('button', {
      type: 'button', class: 'btn btn-danger', 'data-testid': 'delete-project',
      onclick: () => deleteWithUndo({
        key: 'project:' + project.id,
        message: t('Deleted project “{name}”', { name: project.name }),
        hide: () => { location.hash = '#/projects'; },
        restore: () => { location.hash = `#/projects/${Number(pid)}/settings`; },
        commit: (opts) => api.del(projectPath(pid), opts),
      }),
    }, t('Delete project')) : null);
  const members = membersCard(project, { manage: owner });
  const shares = owner ? sharesCard(project) : null;
  const [plugins] = await Promise.all([owner ? pluginsCard(project) : null, members.ready, shares && shares.ready]);
  const panels = forProject(contributions.projectPanels, project).map((p) => {
    const box = h('div', { class: 'extension-panel', dataset: { extension: p.id } });
    safeRender(box, p.id, p.render, project, { signal: ctx.signal });
    return card(p.title, box);
  });
  ctx.mount(
    h('div', { class: 'grid-2' },
      owner ? card(t('Edit project'), editProjectForm(ctx, project)) : aboutCard(project, role),
      owner ? accessCard(project) : panels.length ? h('div', null, panels) : null),
    members.el,
    shares ? shares.el : null,
    plugins,
    owner && panels.length ? h('div', { class: 'grid-2' }, panels) : null);
}, { title: t('Project settings'), notFound: t('Project not found') });
