/* The API calls several screens share: a board column, a move, pages of projects,
 * the caller's tasks, a password change.  (They replace contract.js, whose fallbacks
 * for a server without these endpoints are gone: core has them all.) */
import { api, taskPath } from './api.js';

const PAGE = 100;

/** One page of one status column, in the board's order (position). */
export function listColumn(pid, status, filters, page = 1) {
  const q = new URLSearchParams({ status, page, limit: PAGE, sort: 'position' });
  if (filters.priority) q.set('priority', filters.priority);
  if (filters.assignee) q.set('assignee_id', filters.assignee);
  if (filters.q) q.set('q', filters.q);
  if (filters.due) q.set('due', filters.due);
  return api.get(`/api/projects/${Number(pid)}/tasks?${q}`);
}

/** The order of a column: by position, then by id (as the server sorts). */
export const columnOrder = (a, b) => (a.position ?? Infinity) - (b.position ?? Infinity) || a.id - b.id;

/** Move a task to `status`, just before `beforeId` (null: at the end). */
export function moveTask(pid, tid, status, beforeId) {
  return api.patch(taskPath(pid, tid), { status, before_id: beforeId ?? null });
}

/** One page (100) of projects, with the total; archived ones only when asked. */
export async function listProjects(includeArchived, page = 1) {
  const data = await api.get(`/api/projects/?limit=${PAGE}&page=${Number(page)}` + (includeArchived ? '&include_archived=1' : ''));
  const projects = data.projects || [];
  return Object.assign({}, data, { projects: includeArchived ? projects : projects.filter((p) => p.status !== 'archived') });
}

/** Every project the caller may see, page after page (the dashboard's chart and summary need them all). */
export async function allProjects(includeArchived) {
  const first = await listProjects(includeArchived, 1);
  const pages = Math.min(50, Math.ceil((first.total || 0) / PAGE));
  const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, i) => listProjects(includeArchived, i + 2)));
  return Object.assign({}, first, { projects: first.projects.concat(...rest.map((d) => d.projects)) });
}

/** The caller's tasks across projects (each with project_name), of one status or all. */
export async function myTasks(status) {
  const q = new URLSearchParams({ limit: PAGE });
  if (status) q.set('status', status);
  return (await api.get('/api/users/me/tasks?' + q)).tasks || [];
}

/** Change the signed-in user's password; answers {token, user}. */
export function changePassword(currentPassword, newPassword) {
  return api.post('/auth/password', { current_password: currentPassword, new_password: newPassword }, { keepSession: true });
}
