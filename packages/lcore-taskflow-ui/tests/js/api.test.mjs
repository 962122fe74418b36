// The API client against a fake fetch: URLs, headers, bodies, and errors written for people.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, JS } from './browser.mjs';

const { api, request, session, share, ApiError, plainMessage, taskPath, links } =
  await import(new URL('api.js', JS));

let calls = [];
let answer = () => new Response('{}', { status: 200 });
globalThis.fetch = async (url, init) => {
  calls.push({ url, init });
  return answer(url, init);
};
const json = (body, status = 200, headers = {}) => new Response(JSON.stringify(body), {
  status, headers: { 'Content-Type': 'application/json', ...headers } });

beforeEach(() => {
  calls = [];
  answer = () => json({});
  session.clear();
  share.clear();
});

test('every URL starts with the base prefix, without a doubled slash', async () => {
  await api.get('/api/projects/');
  assert.equal(calls[0].url, BASE + '/api/projects/');
  assert.equal(calls[0].init.method, 'GET');
  assert.equal(calls[0].init.headers.Accept, 'application/json');
});

test('the session token goes along as a bearer token; a share link replaces it', async () => {
  session.save('tf_user', { id: 1, username: 'alice', role: 'member' });
  await api.get('/api/x');
  assert.equal(calls[0].init.headers.Authorization, 'Bearer tf_user');
  share.save('tfs_link');
  share.active = true;
  await api.get('/api/x');
  assert.equal(calls[1].init.headers.Authorization, 'Bearer tfs_link');
  assert.equal(JSON.parse(localStorage.getItem('taskflow.session')).token, 'tf_user');
  assert.equal(links.board(4), '#/shared');
});

test('a JSON body is sent as JSON and the answer parsed; an empty answer is {}', async () => {
  answer = () => json({ id: 7, title: 'Größe 🚀' }, 201);
  const created = await api.post('/api/projects/1/tasks', { title: 'Größe 🚀' });
  assert.deepEqual(created, { id: 7, title: 'Größe 🚀' });
  assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
  assert.equal(calls[0].init.body, JSON.stringify({ title: 'Größe 🚀' }));
  answer = () => new Response(null, { status: 204 });
  assert.deepEqual(await api.del('/api/projects/1/tasks/7'), {});
});

test('a 422 keeps the fields and the server wording apart from the sentence for people', async () => {
  answer = () => json({ error: 'Validation failed', fields: { title: 'must not be empty' } }, 422);
  const err = await api.post('/api/projects/1/tasks', {}).catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.status, 422);
  assert.equal(err.message, 'Some fields need your attention.');
  assert.deepEqual(err.fields, { title: 'must not be empty' });
  assert.equal(err.detail, 'Validation failed');
});

test('a 429 says when to try again (Retry-After)', async () => {
  answer = () => json({ error: 'slow down' }, 429, { 'Retry-After': '12' });
  const err = await api.get('/api/x').catch((e) => e);
  assert.equal(err.retryAfter, 12);
  assert.equal(err.message, 'Too many attempts. Try again in 12 s.');
});

test('a 401 ends the session and tells the app; keepSession (the login) does not', async () => {
  session.save('tf_user', { id: 1, username: 'alice', role: 'member' });
  let told = 0;
  const listener = () => { told += 1; };
  window.addEventListener('taskflow:unauthorized', listener);
  answer = () => json({ error: 'bad credentials' }, 401);
  await api.login('alice', 'wrong').catch(() => {});
  assert.equal(session.token, 'tf_user');
  assert.equal(told, 0);
  const err = await api.get('/api/x').catch((e) => e);
  assert.equal(err.status, 401);
  assert.equal(session.token, null);
  assert.equal(told, 1);
  window.removeEventListener('taskflow:unauthorized', listener);
});

test('no network is status 0 with the reason kept', async () => {
  answer = () => { throw new TypeError('Failed to fetch'); };
  const err = await request('GET', '/api/x').catch((e) => e);
  assert.equal(err.status, 0);
  assert.equal(err.message, plainMessage(0));
  assert.equal(err.detail, 'Failed to fetch');
});

test('a pass status (304) is an answer, not an error', async () => {
  answer = () => new Response(null, { status: 304 });
  const res = await request('GET', '/api/x', { pass: [304] });
  assert.equal(res.status, 304);
});

test('the login sends the TOTP code only once asked for', async () => {
  answer = () => json({ token: 't', user: {} });
  await api.login('alice', 'pw');
  await api.login('alice', 'pw', '123456');
  assert.deepEqual(JSON.parse(calls[0].init.body), { username: 'alice', password: 'pw' });
  assert.deepEqual(JSON.parse(calls[1].init.body), { username: 'alice', password: 'pw', totp: '123456' });
});

test('plainMessage: one sentence per kind of failure, the server wording otherwise', () => {
  assert.equal(plainMessage(403), "You don't have permission to do that.");
  assert.equal(plainMessage(413), 'That file is too large.');
  assert.match(plainMessage(503), /^The server ran into a problem/);
  assert.equal(plainMessage(404, 'Task 9 not found'), 'Task 9 not found');
  assert.equal(plainMessage(409), 'The request failed (HTTP 409).');
});

test('task paths are numbers only', () => {
  assert.equal(taskPath('3', '12'), '/api/projects/3/tasks/12');
  assert.equal(taskPath('3/../x', 1), '/api/projects/NaN/tasks/1');
});
