/* "Sign in with <provider>" on TaskFlow's login screen (the ui package's
 * extension API, version 2: addSignInOption).  The provider's name and the
 * address that starts the sign-in come from GET /auth/oidc/provider; nothing
 * shows while single sign-on is not configured.  After the provider sends the
 * browser back, the frontend picks the session up from the cookie. */
export default async function setup(taskflow) {
  if (taskflow.version < 2) return;  // an older frontend has no place for it
  const { t } = translations(taskflow);
  const info = await taskflow.api.get('/auth/oidc/provider');
  if (info.enabled) {
    taskflow.addSignInOption({ id: 'oidc', label: t('Sign in with {provider}', { provider: info.name }), href: info.login_url });
  }
}

/** The frontend's translation functions (UI API 3; the catalog is this folder's
 * i18n/<lang>.json), else English with the {placeholders} filled: an older frontend runs it too. */
function translations(taskflow) {
  if (taskflow.version >= 3 && typeof taskflow.t === 'function' && typeof taskflow.tn === 'function') {
    return { t: taskflow.t, tn: taskflow.tn };
  }
  const fill = (text, params) => String(text).replace(/\{(\w+)\}/g,
    (whole, key) => (params && Object.prototype.hasOwnProperty.call(params, key) ? String(params[key]) : whole));
  return { t: fill, tn: (n, singular, plural, params) => fill(n === 1 ? singular : plural, { ...params, n }) };
}
