/* Dashboard: totals, project summary, tasks by status, activity (paged), overdue tasks; live. */
import { h, mount, formatTime, badge, STATUSES, STATUS_LABELS } from '../dom.js';
import { route } from '../router.js';
import { api } from '../api.js';
import { dashboardWatcher, activityPager } from '../live.js';
import { allProjects } from '../queries.js';
import { card, tableWrap, progress, empty, projectStatusLabel } from './common.js';
import { activityLine } from '../activity.js';
import { toastError } from '../toast.js';
import { t, tn, formatNumber } from '../i18n.js';
import { formatDay } from '../dates.js';
function stat(label, value, extra) {
  return h('div', { class: 'stat' + (extra ? ' ' + extra : ''), 'data-testid': 'stat-' + label.toLowerCase() },
    h('div', { class: 'value' }, formatNumber(value ?? 0)), h('div', { class: 'label' }, label));
}

function stats(totals) {
  const tot = totals || {};
  return [stat(t('Projects'), tot.projects), stat(t('Tasks'), tot.tasks), stat(t('Team'), tot.users),
    stat(t('Overdue'), tot.overdue, tot.overdue > 0 ? 'warn' : '')];
}

const CHART_ROWS = 12;
const SUMMARY_STEP = 20;

/** Every project's counts (from the paged project list, so none is cut off), 20 rows at a time. */
function summaryTable(projects) {
  if (!projects.length) return empty(t('No projects yet.'));
  const body = h('tbody');
  const count = h('p', { class: 'muted small', 'data-testid': 'summary-count', role: 'status' });
  const more = h('button', { type: 'button', class: 'btn', 'data-testid': 'summary-more' });
  const showUpTo = (n) => {
    const from = body.children.length;
    body.append(...projects.slice(from, n).map((p) => {
      const c = p.task_counts || {};
      // On a phone the bar goes under the name: four columns do not fit every language.
      const bar = progress(c.done || 0, c.total || 0);
      bar.classList.add('phone-bar');
      return h('tr', null,
        h('td', { class: 'wrap' }, h('a', { href: '#/projects/' + Number(p.id) }, p.name), bar),
        h('td', { class: 'phone-hide' }, badge(projectStatusLabel(p.status), 'project-' + p.status)),
        h('td', null, formatNumber(c.total || 0)), h('td', null, formatNumber(c.done || 0)),
        h('td', { class: 'phone-hide' }, progress(c.done || 0, c.total || 0)));
    }));
    const shown = body.children.length;
    count.textContent = tn(projects.length, 'Showing {shown} of {n} project', 'Showing {shown} of {n} projects', { shown });
    more.hidden = shown >= projects.length;
    more.textContent = t('Show {count} more', { count: Math.min(SUMMARY_STEP, projects.length - shown) });
  };
  more.addEventListener('click', () => showUpTo(body.children.length + SUMMARY_STEP));
  showUpTo(SUMMARY_STEP);
  return h('div', null, tableWrap(t('Projects summary'), h('table', { class: 'table', 'data-testid': 'project-summary' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('Project')), h('th', { scope: 'col', class: 'phone-hide' }, t('Status')),
      h('th', { scope: 'col' }, t('Tasks')), h('th', { scope: 'col' }, t('Done')), h('th', { scope: 'col', class: 'phone-hide' }, t('Progress')))),
    body)), count, more);
}

/**
 * Tasks by status: the 12 projects with the most tasks as HTML bars whose
 * counts are always written out (no hover needed), then an honest line for
 * the rest ("and 108 more projects with 40 tasks").
 */
function statusChart(projects) {
  if (!projects.length) return empty(t('Nothing to chart yet.'));
  const ranked = [...projects].sort((a, b) => (b.task_counts.total - a.task_counts.total) || a.id - b.id);
  const top = ranked.slice(0, CHART_ROWS);
  const rest = ranked.slice(CHART_ROWS);
  const restTasks = rest.reduce((n, p) => n + (p.task_counts.total || 0), 0);
  const max = Math.max(1, ...top.map((p) => p.task_counts.total));
  return h('div', { class: 'chart' },
    h('ul', { class: 'chart-rows', 'data-testid': 'status-chart' }, top.map((p) => {
      const c = p.task_counts;
      const bar = h('div', { class: 'chart-bar', 'aria-hidden': 'true' }, STATUSES.map((s) => {
        const part = h('span', { class: 'seg seg-' + s });
        part.style.width = (100 * (c[s] || 0)) / max + '%';
        return part;
      }));
      return h('li', { class: 'chart-row', dataset: { project: p.id } },
        h('div', { class: 'chart-head' }, h('a', { href: '#/projects/' + Number(p.id) }, p.name),
          h('span', { class: 'chart-total' }, tn(c.total, '{n} task', '{n} tasks'))),
        bar,
        h('p', { class: 'chart-counts' }, STATUSES.map((s) =>
          h('span', { class: 'count count-' + s }, h('i', { class: 'dot ' + s, 'aria-hidden': 'true' }), `${STATUS_LABELS[s]} ${formatNumber(c[s] || 0)}`))));
    })),
    rest.length ? h('p', { class: 'chart-more', 'data-testid': 'chart-more' },
      tn(rest.length, '…and {n} more project', '…and {n} more projects') + ' ' + tn(restTasks, 'with {n} task.', 'with {n} tasks.') + ' ',
      h('a', { href: '#/projects' }, t('See all projects'))) : null);
}

function activityItem(a) {
  return h('li', null,
    h('span', { class: 'what' }, a.project_id && a.task_id
      ? h('a', { href: `#/projects/${Number(a.project_id)}/tasks/${Number(a.task_id)}` }, activityLine(a))
      : activityLine(a)),
    h('span', { class: 'when' }, formatTime(a.created_at)));
}

function overdueList(overdue) {
  if (!overdue.length) return empty(t('Nothing overdue.'));
  return h('ul', { class: 'feed', 'data-testid': 'overdue-list' }, overdue.map((o) => h('li', null,
    h('span', { class: 'what' }, h('a', { href: `#/projects/${Number(o.project_id)}/tasks/${Number(o.id)}` }, o.title)),
    h('span', { class: 'when' }, t('{project} · due {date}', { project: o.project_name, date: formatDay(o.due_date) })))));
}

/** The activity card: newest first, "Show older" pages back; `prepend` adds newer rows from live updates. */
function activityCard() {
  const pager = activityPager(15);
  const list = h('ul', { class: 'feed', 'data-testid': 'activity-feed' });
  const none = empty(t('No activity yet.'));
  const more = h('button', { type: 'button', class: 'btn', 'data-testid': 'activity-more', hidden: true }, t('Show older activity'));
  const load = async () => {
    more.disabled = true;
    try {
      const rows = await pager.next();
      list.append(...rows.map(activityItem));
      // Keep the keyboard where it was: on the first new row's link, or on the button.
      if (document.activeElement === more && rows.length) {
        const link = list.children[list.children.length - rows.length].querySelector('a');
        if (link && pager.done) link.focus();
      }
    } catch (err) {
      toastError(err, { label: t('Retry'), run: load });
    } finally {
      more.disabled = false;
      more.hidden = pager.done;
      none.hidden = list.children.length > 0;
    }
  };
  more.addEventListener('click', load);
  const el = card(t('Recent activity'), list, none, more);
  return { el, load, prepend: (rows) => { list.prepend(...rows.map(activityItem)); none.hidden = list.children.length > 0; } };
}

route(/^dashboard$/, async (ctx) => {
  ctx.setTitle(t('Dashboard'));
  const watcher = dashboardWatcher();
  const activity = activityCard();
  const [overview, projects] = await Promise.all([watcher.overview(), allProjects(false), activity.load()]);
  const statsBox = h('div', { class: 'stats' }, stats(overview.totals));
  const summaryBox = h('div', null, summaryTable(projects.projects));
  const chartBox = h('div', null, statusChart(projects.projects));
  const overdueBox = h('div', null, overdueList(overview.overdue_tasks || []));
  ctx.mount(statsBox,
    h('div', { class: 'grid-2' }, card(t('Projects'), summaryBox), card(t('Tasks by status'), chartBox)),
    h('div', { class: 'grid-2' }, activity.el, card(t('Overdue tasks'), overdueBox)));

  // Live: only when the overview changed (304 / same activity head otherwise).
  ctx.poll(async () => {
    const next = await watcher.poll();
    if (!next) return;
    const [list, newest] = await Promise.all([allProjects(false), api.get('/api/projects/dashboard/activity?limit=15')]);
    mount(statsBox, stats(next.totals));
    mount(summaryBox, summaryTable(list.projects));
    mount(chartBox, statusChart(list.projects));
    mount(overdueBox, overdueList(next.overdue_tasks || []));
    const shown = new Set([...activity.el.querySelectorAll('.feed li')].map((li) => li.textContent));
    activity.prepend((newest.activity || []).filter((a) => !shown.has(activityLine(a) + formatTime(a.created_at))));
  }, 4000);
}, { title: t('Dashboard') });
