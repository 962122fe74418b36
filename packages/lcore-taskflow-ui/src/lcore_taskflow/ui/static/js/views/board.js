/* The Kanban board of a project (#/projects/<id>) and of a share link (#/shared).
 *
 * The board itself is built from small modules: board-columns.js (the columns
 * and the state they share), board-moves.js (optimistic moves with Undo),
 * board-drag.js (drag and drop), board-roving.js and board-keys.js (the
 * keyboard), board-live.js (other people's changes), board-filters.js (the
 * filter bar, in the URL) and board-new-task.js (quick add and the full form).
 * Here: the screen around it.  The controls follow the caller's role in the
 * project (roles.js): a viewer or commenter gets no new-task form and no move
 * buttons or dragging.  A share link shows its one project the same way,
 * read-only, and so does an archived project (its owners get an Unarchive
 * button instead).
 */
import { h, mount, shorten } from '../dom.js';
import { api, share, teamMembers } from '../api.js';
import { route } from '../router.js';
import { listProjects } from '../queries.js';
import { projectRole, can } from '../roles.js';
import { setShareRole, shareProblem } from '../app.js';
import { toast, toastError } from '../toast.js';
import { toggle } from './common.js';
import { boardShortcuts, shortcutsButton } from './board-keys.js';
import { createBoard } from './board-columns.js';
import { filterBar, filtersToggle, readFilters } from './board-filters.js';
import { newTaskForm } from './board-new-task.js';
import { projectViewTools } from './project-views.js';
import { t } from '../i18n.js';

const POLL_MS = 4000;

/** Who the board's filter can name: everyone the caller may see, or (a share link) the project's members. */
async function boardPeople(pid) {
  if (!share.active) return teamMembers();
  const data = await api.get(`/api/projects/${Number(pid)}/members`);
  return (data.users || []).map((u) => ({ id: u.user_id, username: u.username }));
}

/** Owners may unarchive; the board comes back editable. */
function unarchiveButton(ctx, project) {
  return h('button', {
    type: 'button', class: 'btn btn-small', 'data-testid': 'unarchive-project',
    onclick: async (ev) => {
      ev.currentTarget.disabled = true;
      try {
        await api.put('/api/projects/' + Number(project.id), { name: project.name, description: project.description || '', status: 'active' });
        toast(t('“{name}” is active again', { name: shorten(project.name) }));
        ctx.refresh();
      } catch (err) {
        toastError(err);
        ev.currentTarget.disabled = false;
      }
    },
  }, t('Unarchive'));
}

/** A line saying what a read-only role may do (nothing for editors and owners). */
function roleNote(ctx, project, role) {
  if (share.active) return null;
  if (project.status === 'archived') {
    // Read-only for everyone while archived, owners included: unarchiving is the one change offered.
    return can(role, 'owner')
      ? h('p', { class: 'banner row', 'data-testid': 'archived-note' }, t('This project is archived: unarchive it to change its tasks.'), unarchiveButton(ctx, project))
      : h('p', { class: 'banner', 'data-testid': 'archived-note' }, t('This project is archived: it is read-only, and only its owners can change it.'));
  }
  if (can(role, 'editor')) return null;
  return h('p', { class: 'banner', 'data-testid': 'role-note' }, role === 'commenter'
    ? t('You are a commenter in this project: you can read it and comment on tasks.')
    : t('You are a viewer in this project: you can read it but not change it.'));
}

/** "+ New task" and its form, for those who may add tasks. */
function newTaskPanel(ctx, pid, project, users, board) {
  const panel = h('section', { class: 'card', 'aria-labelledby': 'new-task-title' });
  const button = toggle(t('+ New task'), panel, { 'data-testid': 'new-task' });
  mount(panel, h('h2', { id: 'new-task-title' }, t('New task')), newTaskForm(pid, users, board, panel, button, ctx.signal, project));
  return { panel, button };
}

/** The board of `project` as the caller's role allows. */
async function boardView(ctx, pid, project, users) {
  const filters = readFilters(ctx.params);
  const role = projectRole(project);
  const editable = can(role, 'editor') && project.status !== 'archived';
  ctx.setTitle(project.name);
  const board = createBoard(ctx, pid, filters, { movable: editable });
  await board.load();
  boardShortcuts(ctx, board, { editable });
  const adding = editable ? newTaskPanel(ctx, pid, project, users, board) : { panel: null, button: null };
  const filterForm = filterBar(ctx, board, filters, users);
  ctx.setActions(
    // On a phone the menu has Projects: the button row stays one line.
    share.active ? null : h('a', { class: 'btn phone-hide', href: '#/projects' }, t('← Projects')),
    adding.button,
    filtersToggle(filterForm, filters),
    share.active ? null : h('a', { class: 'btn', href: `#/projects/${Number(pid)}/settings`, 'data-testid': 'project-settings' },
      can(role, 'owner') ? t('Settings') : t('Members')),
    shortcutsButton(editable),
    share.active ? null : projectViewTools(ctx, project, 'board'));
  ctx.mount(
    roleNote(ctx, project, role),
    // On a phone the first screen is for the cards: the description is on the project's settings page.
    project.description ? h('p', { class: 'muted desc phone-hide' }, project.description) : null,
    adding.panel,
    filterForm,
    filterForm.summary,
    board.tabs,
    board.el);
  ctx.poll(board.poll, POLL_MS);
}

route(/^projects\/(\d+)$/, async (ctx, pid) => {
  const [project, users] = await Promise.all([api.get('/api/projects/' + Number(pid)), boardPeople(pid)]);
  await boardView(ctx, pid, project, users);
}, { title: t('Board'), notFound: t('Project not found') });

/** The project of this tab's share link (its project list holds only that one). */
export async function sharedProject(ctx) {
  const problem = shareProblem();
  if (problem) {
    ctx.setTitle(problem[0]);
    ctx.mount(h('section', { class: 'card error-frame', 'data-testid': 'share-problem' }, h('p', { class: 'form-error' }, problem[1])));
    return null;
  }
  const project = (await listProjects(true)).projects[0];
  if (!project) throw Object.assign(new Error('not found'), { status: 404 });
  setShareRole(projectRole(project));
  return project;
}

route(/^shared$/, async (ctx) => {
  const project = await sharedProject(ctx);
  if (project) await boardView(ctx, project.id, project, await boardPeople(project.id));
}, { title: t('Shared project'), notFound: t('Project not found'), notFoundText: t('The shared project is no longer there.'), share: true });
