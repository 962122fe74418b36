/* Entry point: the language and its catalogs first, then the screens and the shell.
 *
 * The language is the profile's (the saved session's user), else the browser's,
 * else English (i18n.js).  The screens are imported only once its catalogs are
 * in, so every text they build, their constants included, is in that language;
 * plugin scripts run later still (app.js's start()).
 */
import { session } from './api.js';
import { initLanguage } from './i18n.js';

session.load();
initLanguage(session.user && session.user.language)
  .catch((err) => console.error('taskflow: no translations', err))
  .then(() => import('./boot.js'));
