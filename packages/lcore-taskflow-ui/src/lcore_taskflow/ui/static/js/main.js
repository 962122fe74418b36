/* Entry point: the screens register their routes, then the shell starts. */
import './views/dashboard.js';
import './views/projects.js';
import './views/board.js';
import './views/list.js';
import './views/task.js';
import './views/my-tasks.js';
import './views/team.js';
import './views/teams.js';
import './views/profile.js';
import './views/security.js';
import './views/audit.js';
import './views/plugins.js';
import { start } from './app.js';
import { initSearch } from './search.js';
import { session } from './api.js';
import { initLanguage } from './i18n.js';

// The language (the profile's, else the browser's) and its catalogs come first: every
// screen and every plugin script renders its text in it.
session.load();
initLanguage(session.user && session.user.language).finally(() => {
  initSearch();
  start();
});
