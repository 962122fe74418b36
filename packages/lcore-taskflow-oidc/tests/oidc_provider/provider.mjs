// A real OpenID provider for lcore-taskflow-oidc's tests: the certified
// `oidc-provider` package (https://github.com/panva/node-oidc-provider) on a
// loopback port, configured as an organisation's provider would be:
//
// * authorization code flow only, PKCE required, RS256 id_tokens, discovery
//   at /.well-known/openid-configuration, keys at /jwks;
// * open dynamic client registration (RFC 7591), so each test registers the
//   client(s) it needs with the redirect URIs it needs;
// * a login form of our own (the interactions API of oidc-provider) that
//   checks a password against the accounts below; consent is implied for
//   every client (a first-party provider);
// * claims: email and email_verified (scope "email"), name and
//   preferred_username ("profile"), groups and a Keycloak-style realm_access
//   ("groups").  As oidc-provider does by default, the code flow's id_token
//   carries only the protocol claims; the rest comes from the userinfo
//   endpoint.
//
// Test controls, under /__test__/ (this script is a test fixture, never a
// deployment): POST /__test__/accounts {id, password, claims} adds or
// replaces an account; POST /__test__/rotate replaces the signing key (the
// old key is no longer published: a relying party must fetch the new set);
// POST /__test__/tamper {mode} alters the id_token of the next token
// response (see tamper() below), as an attacker on the wire or a broken
// provider would.
//
// Usage: node provider.mjs PORT   (prints "ready <issuer>" when it listens)

import crypto from 'node:crypto';
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || process.env.OIDC_TEST_PORT || 0);
if (!port) {
  console.error('usage: node provider.mjs PORT');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const accounts = new Map(); // id -> {password, claims}
let signingKey = null;      // the private JWK the provider signs with
let provider = null;
let handler = null;
let pendingTamper = null;   // one-shot change of the next token response's id_token

// The provider's state (registered clients, sessions, grants, codes, tokens)
// outlives a key rotation, which builds a new Provider: an in-memory store of
// our own, shared by every instance (oidc-provider's adapter interface).
const store = new Map();      // "Model:id" -> {payload, expiresAt}
const byGrant = new Map();    // grantId -> Set of keys
const byUid = new Map();      // session uid -> id
const byUserCode = new Map(); // device flow user code -> id

class SharedAdapter {
  constructor(model) { this.model = model; }

  key(id) { return `${this.model}:${id}`; }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    store.set(key, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null });
    if (payload.grantId) {
      if (!byGrant.has(payload.grantId)) byGrant.set(payload.grantId, new Set());
      byGrant.get(payload.grantId).add(key);
    }
    if (payload.uid) byUid.set(payload.uid, id);
    if (payload.userCode) byUserCode.set(payload.userCode, id);
  }

  async find(id) {
    const entry = store.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt < Date.now()) {
      store.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) { return byUid.has(uid) ? this.find(byUid.get(uid)) : undefined; }

  async findByUserCode(code) {
    return byUserCode.has(code) ? this.find(byUserCode.get(code)) : undefined;
  }

  async consume(id) {
    const entry = store.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) { store.delete(this.key(id)); }

  async revokeByGrantId(grantId) {
    for (const key of byGrant.get(grantId) || []) store.delete(key);
    byGrant.delete(grantId);
  }
}

async function newSigningKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
}

async function loadExistingGrant(ctx) {
  // Consent is implied: every client of this provider is first-party.
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
  if (grantId) {
    const existing = await oidc.provider.Grant.find(grantId);
    if (existing) return existing;
  }
  const grant = new oidc.provider.Grant({
    clientId: oidc.client.clientId, accountId: oidc.session.accountId,
  });
  grant.addOIDCScope(oidc.params.scope || 'openid');
  await grant.save();
  return grant;
}

function build() {
  const instance = new Provider(issuer, {
    adapter: SharedAdapter,
    clients: [],
    jwks: { keys: [signingKey] },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    loadExistingGrant,
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups', 'realm_access'],
    },
    async findAccount(ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...account.claims }; } };
    },
    cookies: { keys: ['oidc-test-provider-cookie-key'] },
    ttl: { Session: 3600, Interaction: 600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600 },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Error</title><h1>${out.error}</h1><p>${
        String(out.error_description || '').replace(/[<>&"]/g, '')}</p>`;
    },
  });
  instance.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && pendingTamper && ctx.body && ctx.body.id_token) {
      const mode = pendingTamper;
      pendingTamper = null;
      ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token, mode) };
    }
  });
  return instance;
}

// The id_token as an attacker (or a broken provider) would hand it over.
// "signature": a claim changed after signing; the other modes re-sign with
// the provider's real key, so only the claim checks can catch them
// ("subject" is a valid token for someone else: the userinfo answer, about
// the real subject, must then be refused).
async function tamper(idToken, mode) {
  const claims = jose.decodeJwt(idToken);
  const header = jose.decodeProtectedHeader(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'signature') {
    const [head, , signature] = idToken.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    return `${head}.${forged}.${signature}`;
  }
  const changes = {
    audience: { aud: 'another-client' },
    audience_azp: { aud: 'another-client', azp: claims.aud },
    subject: { sub: 'someone-else' },
    issuer: { iss: 'http://127.0.0.1:1/not-the-issuer' },
    nonce: { nonce: 'not-the-nonce' },
    expired: { iat: now - 7200, exp: now - 3600 },
  }[mode];
  if (!changes) throw new Error(`unknown tamper mode ${mode}`);
  const key = await jose.importJWK(signingKey, 'RS256');
  return new jose.SignJWT({ ...claims, ...changes }).setProtectedHeader(header).sign(key);
}

// ----------------------------------------------------------- the login form
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, clientId, error = '') {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to the test provider</title></head>
<body>
<h1>Test provider</h1>
<p>Sign in to continue to <strong>${escape(clientId)}</strong></p>
${error ? `<p role="alert" id="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
  <label>Username <input name="username" id="username" autocomplete="username" required></label>
  <label>Password <input name="password" id="password" type="password" required></label>
  <button type="submit" id="submit">Sign in</button>
</form>
</body></html>`;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res, status, body, type = 'text/html; charset=utf-8') {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, 'interaction mismatch');
  if (details.prompt.name !== 'login') {
    // consent is implied (loadExistingGrant); nothing else is configured
    return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
  }
  if (req.method === 'GET') return send(res, 200, loginPage(uid, details.params.client_id));
  const form = new URLSearchParams(await readBody(req));
  const account = accounts.get(form.get('username') || '');
  const given = Buffer.from(form.get('password') || '');
  const expected = Buffer.from(account ? account.password : '');
  if (!account || given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return send(res, 401, loginPage(uid, details.params.client_id, 'Wrong username or password'));
  }
  return provider.interactionFinished(req, res, { login: { accountId: form.get('username') } },
    { mergeWithLastSubmission: false });
}

async function control(req, res, action) {
  const body = req.method === 'POST' ? JSON.parse((await readBody(req)) || '{}') : {};
  if (action === 'accounts' && req.method === 'POST') {
    if (!body.id || !body.password) return send(res, 400, '{"error":"id and password"}', 'application/json');
    accounts.set(String(body.id), { password: String(body.password), claims: body.claims || {} });
    return send(res, 200, JSON.stringify({ id: body.id }), 'application/json');
  }
  if (action === 'rotate' && req.method === 'POST') {
    const old = signingKey.kid;
    signingKey = await newSigningKey();
    provider = build();
    handler = provider.callback();
    return send(res, 200, JSON.stringify({ old, kid: signingKey.kid }), 'application/json');
  }
  if (action === 'tamper' && req.method === 'POST') {
    pendingTamper = body.mode;
    return send(res, 200, JSON.stringify({ mode: pendingTamper }), 'application/json');
  }
  return send(res, 404, '{"error":"unknown test control"}', 'application/json');
}

signingKey = await newSigningKey();
provider = build();
handler = provider.callback();

const server = http.createServer(async (req, res) => {
  const { pathname } = new URL(req.url, issuer);
  try {
    const own = pathname.match(/^\/interaction\/([^/]+)$/);
    if (own) return await interaction(req, res, own[1]);
    const test = pathname.match(/^\/__test__\/([a-z]+)$/);
    if (test) return await control(req, res, test[1]);
    return handler(req, res);
  } catch (err) {
    console.error(err);
    if (!res.headersSent) send(res, 500, escape(err.message || String(err)));
    else res.end();
  }
});
server.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
