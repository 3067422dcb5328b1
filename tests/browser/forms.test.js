// forms.test.js: what a person meets around the forms, driven as they would: the skip link is
// the first thing the keyboard reaches and jumps past the menus; 退職処理 shows a confirmation
// page whose button does nothing until the box is ticked (no script: the browser's required
// check, and the server's); an unknown address keeps the menus.
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const lib = require('./lib.js');
const { open } = require('./fixture');

const ADMIN_PW = 'Kanri-Hoshi-Tsuki-2026!z';
let ward, server, page;
before(async () => ({ ward, server, page } = await open({
  prepare(w) {
    lib.mamori(w.data, ['user', 'passwd', 'admin', '--password-stdin'], ADMIN_PW + '\n');
  },
})));

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

test('a 人事異動 dated ahead is cancelled from the users page, through the door', async () => {
  // the move is scheduled for tomorrow from a CSV, as the personnel section sends it
  const tomorrow = lib.tokyoDay(1);
  const csv = ward.dir + '/move.csv';
  fs.writeFileSync(csv, `ログインID,異動日,新所属\nsato,${tomorrow},区民課\n`);
  lib.mamori(ward.data, ['user', 'transfer', csv]);
  await page.goto(server.url);
  if (await page.$('form.logout button')) await lib.logout(page);
  await lib.login(page, server.url, 'admin', ADMIN_PW);
  await page.goto(server.url + 'admin/users?q=sato');
  const row = 'form[action="/admin/users/sato"] button[value="cancel_move"]';
  assert.match(await page.textContent('main'), new RegExp(`${tomorrow}から区民課へ異動予定`));
  assert.equal(await page.textContent(row), '異動予定を取り消す');
  await Promise.all([page.waitForLoadState('load'), page.click(row)]);
  assert.match(await page.textContent('main'), /完了しました。変更は監査ログに記録されました。/);
  assert.doesNotMatch(await page.textContent('main'), /区民課へ異動予定/);
  assert.equal(await page.$(row), null, 'no button once nothing is scheduled');
  const sato = JSON.parse(lib.mamori(ward.data, ['user', 'show', 'sato', '--json']));
  assert.equal(sato.section, 'zeimu');
  assert.equal(sato.scheduled_move, null);
  assert.match(lib.mamori(ward.data, ['ledger', 'tail', '-n', '2']), /user\.move_cancel/);
});
