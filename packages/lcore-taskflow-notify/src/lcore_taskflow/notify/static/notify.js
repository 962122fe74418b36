/* The notify plugin's part of the frontend (docs/ui-extensions.md):
 *  - "Notifications" in the navigation (#/ext/notifications): the inbox,
 *    the settings (?tab=settings) and the email history (?tab=emails);
 *  - the unread count in the header, kept current by the live polling;
 *  - Watch / Unwatch on the task page;
 *  - "@" completion of names in the task screens' comment and description.
 * The frontend API's version 2 brings the header badge, the poll and the
 * text helpers; on version 1 the module adds the screen and the panel only.
 * Version 3 brings the translations (taskflow.t, this folder's i18n/<lang>.json). */
import { tabs, TABS, t, tn, useTranslations } from './common.js';
import { renderInbox } from './inbox.js';
import { renderSettings } from './settings.js';
import { renderHistory } from './history.js';
import { attachMentions } from './mentions.js';
import { watchPanel } from './watch.js';

const UNREAD = '/api/notifications/inbox?unread=true&limit=1';

export default function setup(taskflow) {
  useTranslations(taskflow);
  // Setup runs before anyone signs in: nothing here asks who the user is.  A share
  // link shows no navigation, header badges, task panels or text helpers.
  let badge = null;
  let shown = null;   // the last count the badge showed

  const onCount = (n) => {
    // The inbox screen knows the count already: the badge follows without a request.
    if (badge && n !== shown) badge.refresh();
  };

  taskflow.addNavItem({
    id: 'notifications',
    label: t('Notifications'),
    async render(container, ctx) {
      const wanted = ctx.params.get('tab');
      const tab = TABS.includes(wanted) ? wanted : 'inbox';
      const body = taskflow.h('div', { class: 'notify-screen' });
      container.append(tabs(taskflow.h, tab), body);
      const draw = async () => {
        body.replaceChildren();
        if (tab === 'settings') await renderSettings(taskflow, body);
        else if (tab === 'emails') await renderHistory(taskflow, body, draw);
        else await renderInbox(taskflow, body, ctx, { onCount });
      };
      await draw();
    },
  });

  taskflow.addTaskPanel({ id: 'notify-watch', title: t('Notifications'), render: (container, task, ctx) => watchPanel(taskflow, container, task, ctx) });

  if (taskflow.version < 2) return;
  badge = taskflow.addHeaderBadge({
    id: 'notifications',
    label: t('Notifications'),
    icon: t('Inbox'),
    href: '#/ext/notifications',
    header: 'X-Unread-Notifications',   // notify adds it to the board's change polling
    // the accessible name starts with the words on screen ("Inbox 3"): WCAG 2.5.3
    describe: (n) => (n ? tn(n, 'Inbox {n} unread notification', 'Inbox {n} unread notifications')
      : t('Inbox, no unread notifications')),
    async count() {
      const data = await taskflow.api.get(UNREAD);
      shown = Number(data.unread) || 0;
      return shown;
    },
  });
  taskflow.addTextAssist({ id: 'mentions', attach: (textarea, ctx) => attachMentions(taskflow, textarea, ctx) });
}
