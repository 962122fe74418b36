/* Live updates: what changed since the screen was drawn, asked every few seconds
 * (app.js's ctx.poll), each as cheaply as the server allows: the task change feed
 * (a 304 when nothing changed), the dashboard's ETag, the newest activity row. */
import { api, request } from './api.js';

/** The newest activity row, as a marker that something the caller can see changed. */
async function activityHead() {
  const data = await api.get('/api/projects/dashboard/activity?limit=1');
  return JSON.stringify((data.activity || [])[0] || null);
}

/** poll() answers true when the newest activity row is new since the last call. */
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
 * {tasks, deleted, project, taskCounts} (the rows changed since the last poll),
 * or {reload: true} when the server answers `reset` (too much changed to list).
 */
export function taskWatcher(pid) {
  let cursor;
  return {
    /** Call with the list answers the board was built from: the oldest cursor wins. */
    start(lists) {
      const cursors = lists.map((d) => d.cursor).filter((c) => c !== undefined && c !== null);
      cursor = cursors.length ? Math.min(...cursors) : 0;
    },
    async poll() {
      const res = await request('GET', `/api/projects/${Number(pid)}/tasks/changes?since=${cursor}`, { pass: [304] });
      if (res.status === 304) return null;
      const data = await res.json();
      cursor = data.cursor;
      if (data.reset) return { reload: true };
      return { tasks: data.tasks || [], deleted: data.deleted || [], project: data.project || null, taskCounts: data.task_counts || null };
    },
  };
}

/** The dashboard's overview, conditional on its ETag: poll() answers null when unchanged. */
export function dashboardWatcher() {
  let etag = null;
  return {
    async overview() {
      const res = await request('GET', '/api/projects/dashboard/overview');
      etag = res.headers.get('ETag');
      return res.json();
    },
    async poll() {
      const headers = etag ? { 'If-None-Match': etag } : {};
      const res = await request('GET', '/api/projects/dashboard/overview', { headers, pass: [304] });
      if (res.status === 304) return null;
      etag = res.headers.get('ETag');
      return res.json();
    },
  };
}

/** Pages of the activity feed, newest first (?before=<id>, next_before). */
export function activityPager(pageSize = 15) {
  let before = null;
  const pager = {
    done: false,
    async next() {
      const q = new URLSearchParams({ limit: pageSize });
      if (before !== null) q.set('before', before);
      const data = await api.get('/api/projects/dashboard/activity?' + q);
      before = data.next_before ?? null;
      pager.done = before === null;
      return data.activity || [];
    },
  };
  return pager;
}
