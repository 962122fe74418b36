/* The screens register their routes, then the shell starts (imported by main.js once
 * the language is chosen). */
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

initSearch();
start();
