// pages.test.js: every page renders for the people who may see it, in Japanese at 1280 px,
// with the security headers, and without a single script.
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { login, shot, mamori } = require('./lib');
const { open } = require('./fixture');

let ward, server, page;
before(async () => ({ ward, server, page } = await open({
  prepare(w) {
    // The administrator's first password is replaced on the command line for this file;
    // the journey tests check the forced change in the browser.
    mamori(w.data, ['user', 'passwd', 'admin', '--password-stdin'], 'Kanri-Hoshi-Tsuki-2026!z\n');
    mamori(w.data, ['role', 'grant', 'suzuki', 'auditor']);
  },
})));

async function visit(path, name) {
  const resp = await page.goto(server.url + path.replace(/^\//, ''));
  assert.equal(resp.status(), 200, `${path} answers 200`);
  const h = resp.headers();
  assert.match(h['content-security-policy'], /default-src 'self'/);
  assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(h['x-content-type-options'], 'nosniff');
  assert.equal(h['cache-control'], 'no-store');
  assert.equal(await page.locator('script').count(), 0, 'no script on the page');
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  // Nothing wider than the window at 1280 px.
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 1280, `${path} fits 1280 px (scrollWidth ${wide})`);
  await shot(page, name);
  return page;
}

test('login page', async () => {
  await visit('/login', 'login');
  assert.equal(await page.textContent('h1'), 'ログイン');
});

test('staff pages: dashboard, registers, records, requests, policy, ledger', async () => {
  await login(page, server.url, 'sato');
  await visit('/', 'dashboard');
  assert.equal(await page.textContent('h1'), 'ダッシュボード');
  assert.ok(await page.locator('svg[role=img]').count() >= 2, 'two SVG charts');
  await visit('/registers', 'registers');
  assert.ok((await page.textContent('main')).includes('情報資産（目録）'));
  await visit('/registers/asset', 'register-asset');
  assert.ok((await page.textContent('tbody')).includes('住民税課税台帳'));
  await visit('/registers/asset?level=3&sort=-id', 'register-asset-filtered');
  await visit('/registers/asset/new', 'record-new');
  assert.ok(await page.locator('select[name="f.level"]').count() === 1, 'level as a select');
  await visit(`/records/${ward.records.zeimu3}`, 'record');
  assert.ok((await page.textContent('#actions + ul')).includes('承認が必要です'));
  await visit(`/records/${ward.records.zeimu3}/act?action=asset.take_out`, 'record-act');
  assert.ok((await page.textContent('.notice')).includes('税務課セキュリティ責任者の承認が必要です'));
  await visit('/requests', 'requests');
  await visit('/policy', 'policy');
  assert.ok(await page.locator('#clause-MIN-9-5-1').count() === 1, 'MIN-9-5-1 has its anchor');
  assert.ok(await page.locator('#clause-MIN-3-3-3 a[href^="#rule-"]').count() >= 1,
    'a clause links to the rules that carry it');
  assert.equal(await page.getAttribute('#clause-MIN-3-3-3', 'data-strength'), 'enforced',
    'the clause shows how strongly it is carried');
  assert.ok((await page.textContent('#clause-MIN-3-3-3')).includes('システムで統制'));
  assert.ok((await page.textContent('table.coverage')).includes('注記のみ（担っていない）'),
    'the counts by kind and strength, notes included');
  assert.equal(await page.locator('#choices').count(), 1, 'the ward\'s choices (区の選択)');
  await visit('/ledger', 'ledger');
  await visit('/ledger?verify=1', 'ledger-verified');
  assert.ok((await page.textContent('main')).includes('正しく検証されました'));
  await visit('/ledger/entry?index=1', 'ledger-entry');
  assert.ok((await page.textContent('main')).includes('包含証明'));
});

test('administration pages', async () => {
  await page.click('form.logout button');
  await login(page, server.url, 'admin', 'Kanri-Hoshi-Tsuki-2026!z');
  for (const p of ['admin', 'admin/sections', 'admin/users', 'admin/roles', 'admin/tokens'])
    await visit('/' + p, p.replace('/', '-'));
  assert.ok((await page.textContent('main')).includes('トークンの発行'));
});

test('a level-3 record of another section is neither listed nor shown', async () => {
  await page.click('form.logout button');
  await login(page, server.url, 'tanaka');
  await page.goto(server.url + 'registers/asset');
  const body = await page.textContent('tbody');
  assert.ok(!body.includes('住民税課税台帳'), 'zeimu level 3 not listed for kumin staff');
  assert.ok(body.includes('住民基本台帳'), 'own section listed');
  const resp = await page.goto(server.url + `records/${ward.records.zeimu3}`);
  assert.equal(resp.status(), 404);
  assert.ok(!(await page.textContent('body')).includes('住民税課税台帳'));
  await shot(page, 'record-not-visible');
});
