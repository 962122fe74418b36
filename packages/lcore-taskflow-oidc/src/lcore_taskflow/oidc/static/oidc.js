/* "Sign in with <provider>" on TaskFlow's login screen (the ui package's
 * extension API, version 2: addSignInOption).  The provider's name and the
 * address that starts the sign-in come from GET /auth/oidc/provider; nothing
 * shows while single sign-on is not configured.  After the provider sends the
 * browser back, the frontend picks the session up from the cookie. */
export default async function setup(taskflow) {
  if (taskflow.version < 2) return;  // an older frontend has no place for it
  const info = await taskflow.api.get('/auth/oidc/provider');
  if (info.enabled) {
    taskflow.addSignInOption({ id: 'oidc', label: `Sign in with ${info.name}`, href: info.login_url });
  }
}
