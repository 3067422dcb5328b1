// forms.test.js: what a person meets around the forms, driven as they would: the skip link is
// the first thing the keyboard reaches and jumps past the menus; 退職処理 shows a confirmation
// page whose button does nothing until the box is ticked (no script: the browser's required
// check, and the server's); an unknown address keeps the menus.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const lib = require('./lib.js');

const ADMIN_PW = 'Kanri-Hoshi-Tsuki-2026!z';
let ward, server, ctx, page;

before(async () => {
  ward = lib.makeWard();
  lib.mamori(ward.data, ['user', 'passwd', 'admin', '--password-stdin'], ADMIN_PW + '\n');
  server = await lib.startServer(ward.data);
  ctx = await lib.launch(ward.dir);
  page = await ctx.newPage();
});

after(async () => {
  if (ctx) await ctx.close();
  if (server) await lib.stopServer(server);
  fs.rmSync(ward.dir, { recursive: true, force: true });
});

test('the first Tab reaches 本文へ移動, and Enter goes past the menus', async () => {
  await lib.login(page, server.url, 'sato');
  await page.goto(server.url);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), '本文へ移動');
  assert.ok(await page.evaluate(() => {
    const r = document.activeElement.getBoundingClientRect();
    return r.left >= 0 && r.width > 0;
  }), 'the focused skip link is on screen');
  await page.keyboard.press('Enter');
  assert.match(page.url(), /#main$/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
});

test('an unknown address answers 404 with the menus kept', async () => {
  const resp = await page.goto(server.url + 'no-such-page');
  assert.equal(resp.status(), 404);
  assert.ok(await page.$('header nav a[href="/registers"]'), 'the menus are there');
  assert.match(await page.textContent('main'), /このアドレスのページはありません/);
  await lib.logout(page);
});

test('退職処理 asks on a page of its own, and only the ticked form retires', async () => {
  await lib.login(page, server.url, 'admin', ADMIN_PW);
  await page.goto(server.url + 'admin/users?q=lockme');
  await Promise.all([page.waitForLoadState('load'),
    page.click('form[action="/admin/users/lockme"] button[value="retire"]')]);
  assert.equal(await page.textContent('h1'), '退職処理の確認');
  assert.match(await page.textContent('main'), /錠 守（lockme）を退職処理します/);
  // the button without the tick: the browser keeps the page (required), nothing is sent
  await page.click('main form button[type=submit]');
  assert.equal(await page.textContent('h1'), '退職処理の確認');
  let me = JSON.parse(lib.mamori(ward.data, ['user', 'list', '--json'])).find((u) => u.login === 'lockme');
  assert.equal(me.status, 'active');
  await page.check('#f-confirm');
  await Promise.all([page.waitForLoadState('load'), page.click('main form button[type=submit]')]);
  assert.equal(await page.textContent('h1'), '職員等');
  me = JSON.parse(lib.mamori(ward.data, ['user', 'list', '--json'])).find((u) => u.login === 'lockme');
  assert.equal(me.status, 'retired');
});
