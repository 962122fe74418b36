import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fold, wordsOf, titleMatches } from '../../src/lcore_taskflow/ui/static/js/words.js';

test('fold drops case and accents', () => {
  assert.equal(fold('Café ÜBER naïve'), 'cafe uber naive');
});

test('wordsOf splits on everything but letters and digits', () => {
  assert.deepEqual(wordsOf('Set up CI-pipeline: v2!'), ['set', 'up', 'ci', 'pipeline', 'v2']);
  assert.deepEqual(wordsOf('%_ -'), []);
});

test('every query word must start a title word, in any order', () => {
  assert.equal(titleMatches('Deploy the café', 'deploy'), true);
  assert.equal(titleMatches('Deploy the café', 'DEPLOY CAFE'), true);
  assert.equal(titleMatches('Deployment notes', 'notes dep'), true);
  assert.equal(titleMatches('Deployment notes', 'ployment'), false);
  assert.equal(titleMatches('Deployment notes', 'deploy zebra'), false);
});

test('a query without words matches nothing', () => {
  assert.equal(titleMatches('100%_ done', '%_'), false);
  assert.equal(titleMatches('anything', '   '), false);
});
