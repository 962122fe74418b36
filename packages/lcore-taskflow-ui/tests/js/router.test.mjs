import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JS } from './browser.mjs';

const { routes, route, currentLocation, replaceParams } = await import(new URL('router.js', JS));

test('a route keeps its pattern and view, with default titles', () => {
  const view = () => {};
  route(/^projects\/(\d+)$/, view, { title: 'Board' });
  const added = routes.at(-1);
  assert.equal(added.view, view);
  assert.equal(added.title, 'Board');
  assert.equal(added.notFound, 'Not found');
  assert.deepEqual('projects/12'.match(added.pattern).slice(1), ['12']);
});

test('the hash becomes a path and its parameters; no hash is the dashboard', () => {
  location.hash = '#/projects/1?q=x%20y&status=done';
  const { path, params } = currentLocation();
  assert.equal(path, 'projects/1');
  assert.equal(params.get('q'), 'x y');
  assert.equal(params.get('status'), 'done');
  location.hash = '';
  assert.equal(currentLocation().path, 'dashboard');
  location.hash = '#projects';
  assert.equal(currentLocation().path, 'projects');
});

test('replaceParams rewrites the query of the current path only', () => {
  location.hash = '#/projects/4/list?page=2';
  replaceParams(new URLSearchParams({ sort: '-title' }));
  assert.equal(history.calls.at(-1), '#/projects/4/list?sort=-title');
  replaceParams(new URLSearchParams());
  assert.equal(history.calls.at(-1), '#/projects/4/list');
});
