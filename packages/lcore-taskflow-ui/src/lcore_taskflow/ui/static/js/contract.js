/* Every call to an HTTP addition of the round-2 contract (CONTRACT.md), in one place.
 *
 * Those endpoints and parameters may not exist on the server yet.  Each
 * function here learns whether they do from the server's own answers and
 * otherwise falls back to today's API, so the screens work either way:
 *
 *   caps.listMeta   task lists carry "cursor" (and so the q/due/assignee_id=none filters)
 *   caps.positions  task rows carry "position" (ordering within a column, before_id)
 *   caps.changes    GET .../tasks/changes?since= answers (false after a 404/405)
 *   caps.myTasks    GET /api/users/me/tasks answers
 *   caps.password   POST /auth/password answers
 *
 * After the merge, each fallback below can go once its endpoint is in core.
 */
import { api, request, ApiError, taskPath } from './api.js';
import { today, daysUntil, WEEK_DAYS } from './dates.js';

export const caps = { listMeta: false, positions: false, changes: undefined, myTasks: undefined, password: undefined };

const missing = (err) => err instanceof ApiError && (err.status === 404 || err.status === 405);

// ---------------------------------------------------------------- task lists
/** Board filters as they appear in the URL: q, assignee (an id or "none"), priority, due. */
export const FILTER_KEYS = ['q', 'assignee', 'priority', 'due'];

/** The same filters applied in the browser: for servers without them, and for live changes. */
export function matchesFilters(task, f) {
  if (f.q && !String(task.title).toLowerCase().includes(f.q.toLowerCase())) return false;
  if (f.priority && task.priority !== f.priority) return false;
  if (f.assignee === 'none' ? task.assignee_id != null : f.assignee && String(task.assignee_id) !== f.assignee) return false;
  if (f.due === 'none') return !task.due_date;
  if (f.due === 'overdue') return Boolean(task.due_date) && task.due_date < today() && task.status !== 'done';
  if (f.due === 'week') {
    if (!task.due_date) return false;
    const days = daysUntil(task.due_date);
    return days >= 0 && days < WEEK_DAYS;
  }
  return true;
}

function learn(data) {
  if ('cursor' in data) caps.listMeta = true;
  if ((data.tasks || []).some((t) => 'position' in t)) caps.positions = true;
}

/** One page of one status column, ordered as the board shows it. */
export async function listColumn(pid, status, filters, page = 1) {
  const q = new URLSearchParams({ status, page, limit: 100, sort: 'position' });
  if (filters.priority) q.set('priority', filters.priority);
  if (filters.assignee && (filters.assignee !== 'none' || caps.listMeta)) q.set('assignee_id', filters.assignee);
  // Unknown parameters are ignored by today's server; the browser filters too.
  if (filters.q) q.set('q', filters.q);
  if (filters.due) q.set('due', filters.due);
  const data = await api.get(`/api/projects/${Number(pid)}/tasks?${q}`);
  learn(data);
  return data;
}

/** Order of a column: by position where the server keeps one, else by id (today's order). */
export const columnOrder = (a, b) =>
  (caps.positions ? (a.position ?? Infinity) - (b.position ?? Infinity) : 0) || a.id - b.id;

/** Move a task to `status`, just before `beforeId` (null: at the end) where the server keeps positions. */
export function moveTask(pid, tid, status, beforeId) {
  const body = { status };
  if (caps.positions) body.before_id = beforeId ?? null;
  return api.patch(taskPath(pid, tid), body);
}

// ------------------------------------------------------------- live changes
/** The newest activity row, as a marker that something changed (fallback for the cursor). */
async function activityHead() {
  const data = await api.get('/api/projects/dashboard/activity?limit=1');
  return JSON.stringify((data.activity || [])[0] || null);
}

/** A marker of "something I can see changed": poll() answers true when the newest activity row is new. */
export function activityWatcher() {
  let head;
  return {
    async start() { head = await activityHead(); },
    async poll() {
      const now = await activityHead();
      const changed = head !== undefined && now !== head;
      head = now;
      return changed;
    },
  };
}

/**
 * A watcher of one project's tasks.  poll() answers null (nothing changed),
 * {tasks, deleted, project} (the rows changed since the last poll), or
 * {reload: true} when the server has no change feed and something changed,
 * or when its answer is a `reset` (too many changes to list).
 */
export function taskWatcher(pid) {
  let cursor;
  let head;
  return {
    /** Call with the list answers the board was built from. */
    async start(lists) {
      const cursors = lists.map((d) => d.cursor).filter((c) => c !== undefined && c !== null);
      cursor = cursors.length ? Math.min(...cursors) : undefined;
      if (cursor === undefined || caps.changes === false) head = await activityHead();
    },
    async poll() {
      if (cursor !== undefined && caps.changes !== false) {
        try {
          const res = await request('GET', `/api/projects/${Number(pid)}/tasks/changes?since=${cursor}`, { pass: [304] });
          if (res.status === 304) return null;
          const data = await res.json();
          caps.changes = true;
          cursor = data.cursor;
          // reset: too much changed (or the cursor is too old) for a list of changes: reload.
          if (data.reset) return { reload: true };
          return { tasks: data.tasks || [], deleted: data.deleted || [], project: data.project || null, taskCounts: data.task_counts || null };
        } catch (err) {
          if (!missing(err)) throw err;
          caps.changes = false;
        }
      }
      const now = await activityHead();
      if (head === undefined || now === head) {
        head = now;
        return null;
      }
      head = now;
      return { reload: true };
    },
  };
}

/** The dashboard's overview, conditional on its ETag when the server sends one: null when unchanged. */
export function dashboardWatcher() {
  let etag = null;
  let head;
  return {
    async overview() {
      const res = await request('GET', '/api/projects/dashboard/overview');
      etag = res.headers.get('ETag');
      if (!etag) head = await activityHead();
      return res.json();
    },
    /** null, or the new overview. */
    async poll() {
      if (etag) {
        const res = await request('GET', '/api/projects/dashboard/overview', { headers: { 'If-None-Match': etag }, pass: [304] });
        if (res.status === 304) return null;
        etag = res.headers.get('ETag');
        return res.json();
      }
      const now = await activityHead();
      if (now === head) return null;
      head = now;
      return this.overview();
    },
  };
}

// ------------------------------------------------------------ activity feed
/**
 * Pages of the activity feed, newest first.  With the contract: ?before=<id>
 * and next_before.  Today: ask for a longer list and keep the rows not shown yet.
 */
export function activityPager(pageSize = 15) {
  let before = null;
  let cursorMode = null;
  const seen = new Set();
  const key = (a) => a.id ?? JSON.stringify([a.created_at, a.summary, a.task_id]);
  const pager = {
    done: false,
    async next() {
      const q = new URLSearchParams({ limit: pageSize });
      if (cursorMode !== false && before !== null) q.set('before', before);
      if (cursorMode === false) q.set('limit', Math.min(100, seen.size + pageSize));
      const data = await api.get('/api/projects/dashboard/activity?' + q);
      const rows = data.activity || [];
      if (cursorMode === null) cursorMode = 'next_before' in data;
      if (cursorMode) {
        before = data.next_before ?? null;
        pager.done = before === null;
      } else {
        pager.done = rows.length < Number(q.get('limit')) || Number(q.get('limit')) >= 100;
      }
      const fresh = rows.filter((a) => !seen.has(key(a)));
      fresh.forEach((a) => seen.add(key(a)));
      return fresh;
    },
  };
  return pager;
}

// ------------------------------------------------------------------ my tasks
/** Open and closed tasks assigned to `user` across projects, each with project_name. */
export async function myTasks(user, status) {
  if (caps.myTasks !== false) {
    try {
      const q = new URLSearchParams({ limit: 100 });
      if (status) q.set('status', status);
      const data = await api.get('/api/users/me/tasks?' + q);
      caps.myTasks = true;
      return data.tasks || [];
    } catch (err) {
      if (!missing(err)) throw err;
      caps.myTasks = false;
    }
  }
  const projects = (await listProjects(false)).projects;
  const lists = await Promise.all(projects.map(async (p) => {
    const q = new URLSearchParams({ assignee_id: user.id, limit: 100 });
    if (status) q.set('status', status);
    const data = await api.get(`/api/projects/${Number(p.id)}/tasks?${q}`);
    return (data.tasks || []).map((t) => Object.assign({ project_name: p.name }, t));
  }));
  return lists.flat();
}

// ------------------------------------------------------------------ projects
/** One page (100) of projects, with the total; archived ones only when asked (the server hides them by default). */
export async function listProjects(includeArchived, page = 1) {
  const data = await api.get(`/api/projects/?limit=100&page=${Number(page)}` + (includeArchived ? '&include_archived=1' : ''));
  const projects = data.projects || [];
  return Object.assign({}, data, { projects: includeArchived ? projects : projects.filter((p) => p.status !== 'archived') });
}

/** Every project the caller may see, page after page (the dashboard's chart and summary need them all). */
export async function allProjects(includeArchived) {
  const first = await listProjects(includeArchived, 1);
  const pages = Math.min(50, Math.ceil((first.total || 0) / 100));
  const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, i) => listProjects(includeArchived, i + 2)));
  return Object.assign({}, first, { projects: first.projects.concat(...rest.map((d) => d.projects)) });
}

// ------------------------------------------------------------------ password
/** Change the signed-in user's password; answers {token, user}. */
export async function changePassword(currentPassword, newPassword) {
  try {
    const data = await api.post('/auth/password', { current_password: currentPassword, new_password: newPassword }, { keepSession: true });
    caps.password = true;
    return data;
  } catch (err) {
    if (missing(err)) {
      caps.password = false;
      throw new ApiError(err.status, 'This server cannot change passwords yet.', { detail: err.detail });
    }
    throw err;
  }
}
