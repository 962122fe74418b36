/* The login form: username and password, the two-factor code once the server asks
 * for one, the demo accounts' fill buttons and the sign-in options plugins offer
 * (single sign-on).  The shell (app.js) decides what a signed-in tab shows. */
import { h, byId, mount } from './dom.js';
import { api, session } from './api.js';
import { errorText } from './toast.js';
import { contributions } from './extensions.js';
import { t, chooseLanguage, currentLanguage } from './i18n.js';

/** Other ways in that plugins offer (single sign-on), as links under the login form. */
export function renderSignInOptions() {
  let box = byId('login-options');
  if (!box) {
    box = h('div', { id: 'login-options', class: 'login-options' });
    byId('login-form').append(box);
  }
  const options = contributions.signInOptions;
  box.hidden = !options.length;
  mount(box, ...options.map((option) => h('a', {
    class: 'btn btn-block', href: option.href, 'data-sign-in': option.id,
  }, option.label)));
}

/** The two-factor code field of the login: shown once the server asks for a code. */
function showTotpField(show) {
  byId('login-totp-field').hidden = !show;
  if (!show) byId('login-totp').value = '';
}

async function login(ev, signedIn) {
  ev.preventDefault();
  const button = byId('login-submit');
  const box = byId('login-error');
  const username = byId('login-username').value.trim();
  const password = byId('login-password').value;
  const asking = !byId('login-totp-field').hidden;
  const code = byId('login-totp').value.replace(/\s+/g, '');
  if (!username || !password) {
    box.textContent = t('Enter your username and password.');
    box.hidden = false;
    return;
  }
  if (asking && !code) {
    box.textContent = t('Enter the code from your authenticator app, or a recovery code.');
    box.hidden = false;
    byId('login-totp').focus();
    return;
  }
  box.hidden = true;
  button.disabled = true;
  try {
    const data = await api.login(username, password, asking ? code : undefined);
    session.save(data.token, data.user);
    byId('login-password').value = '';
    showTotpField(false);
    if (!location.hash || location.hash === '#/') history.replaceState(null, '', '#/dashboard');
    if (followProfileLanguage(data.user)) return;
    signedIn();
  } catch (err) {
    if (err.status === 401 && err.body && err.body.totp_required) {
      showTotpField(true);
      byId('login-totp').value = '';
      box.textContent = asking ? t('That code did not work (or was used already). Enter the current code, or a recovery code.')
        : t('Two-factor sign-in is on for this account: enter the code from your authenticator app.');
      box.hidden = false;
      byId('login-totp').focus();
      return;
    }
    box.textContent = err.status === 401 ? t('Wrong username or password.') : errorText(err);
    box.hidden = false;
    byId('login-username').focus();
  } finally {
    button.disabled = false;
  }
}

/**
 * The profile names a language other than the one on screen: show it (one reload; the
 * session is kept, and main.js then picks the profile's language before anything renders).
 */
export function followProfileLanguage(user) {
  if (!user || !user.language || chooseLanguage(user.language) === currentLanguage()) return false;
  location.reload();
  return true;
}

/** Wire the form once; ``signedIn`` runs after a successful sign-in (unless the profile's
 * language reloads the page). */
export function wireLoginForm(signedIn) {
  byId('login-form').addEventListener('submit', (ev) => login(ev, signedIn));
  // Another account, another answer: a code asked for one name is not sent for the next.
  byId('login-username').addEventListener('change', () => showTotpField(false));
  for (const btn of document.querySelectorAll('.demo-fill')) {
    btn.addEventListener('click', () => {
      showTotpField(false);
      byId('login-username').value = btn.dataset.username;
      byId('login-password').value = btn.dataset.password;
      byId('login-submit').focus();
    });
  }
}
