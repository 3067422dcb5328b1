// journeys.test.js: what people do: apply and approve a take-out, try to approve their own
// request, get locked out, post a forged form, switch language, change the first password.
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { login, logout, shot, PASSWORD } = require('./lib');
const { open } = require('./fixture');

let ward, server, page;
before(async () => ({ ward, server, page } = await open()));

test('staff applies to take a level-3 asset out; the section head approves; the record shows the history', async () => {
  await login(page, server.url, 'sato');
  await page.goto(server.url + `records/${ward.records.zeimu3}`);
  await page.click('a[href*="action=asset.take_out"]');
  assert.ok((await page.textContent('.notice')).includes('税務課セキュリティ責任者の承認が必要です（4(1)3)④）'));
  await page.fill('[name="f.destination"]', '区民センター');
  await page.fill('[name="f.purpose"]', '出張窓口での相談対応');
  await page.fill('#f-comment', '出張窓口のため');
  await page.click('form.card button[type=submit]');
  await page.waitForURL(/\/requests\/\d+\?notice=pending/);
  const requestUrl = page.url().replace(/\?.*/, '');
  assert.ok((await page.textContent('.notice.ok')).includes('承認を待っています'));
  await shot(page, 'journey-request-filed');
  await logout(page);

  await login(page, server.url, 'suzuki');
  await page.goto(server.url + 'requests');
  assert.ok((await page.textContent('main')).includes('庁舎外への持出し'));
  await page.goto(requestUrl);
  await page.fill('#f-approve-comment', '承認します');
  await page.click('form[action$="/approve"] button');
  await page.waitForURL(/notice=approved/);
  assert.ok((await page.textContent('main')).includes('承認済'));
  await logout(page);

  await login(page, server.url, 'sato');
  await page.goto(server.url + `records/${ward.records.zeimu3}`);
  const history = await page.textContent('#history + table');
  assert.ok(history.includes('佐藤 花子') && history.includes('鈴木 一郎'), 'both people in the history');
  assert.ok(history.includes('MIN-4-1-3-4'), 'the clause in the history');
  assert.ok(history.includes('監査ログと一致') && !history.includes('一致しません'),
    'every row matches its ledger entry');
  assert.ok((await page.textContent('dl.props')).includes('庁舎外持出し中'), 'state changed');
  await shot(page, 'journey-record-history');
  await logout(page);
});

test('an applicant who holds the approver role cannot approve their own request', async () => {
  await login(page, server.url, 'suzuki');
  await page.goto(server.url + `records/${ward.records.zeimu3b}/act?action=asset.take_out`);
  await page.fill('[name="f.destination"]', '分室');
  await page.fill('[name="f.purpose"]', '説明会');
  await page.click('form.card button[type=submit]');
  await page.waitForURL(/\/requests\/\d+/);
  // The applicant is never offered the approve/reject panel, only 取下げ.
  assert.equal(await page.locator('form[action$="/approve"]').count(), 0, 'no approve form');
  assert.equal(await page.locator('form[action$="/reject"]').count(), 0, 'no reject form');
  assert.equal(await page.locator('form[action$="/withdraw"]').count(), 1, 'a withdraw form');
  // A forged approval (the form posted by hand) is refused by the door, citing the clause.
  const path = new URL(page.url()).pathname;
  const csrf = await page.getAttribute('form[action$="/withdraw"] input[name="csrf"]', 'value');
  const html = await page.evaluate(async ([p, c]) => {
    const r = await fetch(p + '/approve', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'csrf=' + encodeURIComponent(c),
    });
    return r.status + ' ' + await r.text();
  }, [path, csrf]);
  assert.ok(html.startsWith('403 '), 'refused: ' + html.slice(0, 40));
  assert.ok(html.includes('MIN-2-6-1'), 'the refusal cites the clause');
  assert.ok(html.includes('申請者は自分の申請を承認できません'), 'the refusal says why in Japanese');
  await page.setContent(html.slice(4));
  await shot(page, 'journey-self-approval-refused');
  await page.goto(server.url + path.slice(1));
  await logout(page);
});

test('repeated failed logins lock the login out, even with the right password', async () => {
  for (let i = 0; i < 5; i++) await login(page, server.url, 'lockme', 'wrong-password-' + i);
  await login(page, server.url, 'lockme', PASSWORD);
  assert.ok(page.url().includes('/login'), 'still on the login page');
  assert.ok((await page.textContent('.notice.error')).includes('一時停止'));
  await shot(page, 'journey-locked-out');
});

test('a forged form without the CSRF token is refused', async () => {
  await login(page, server.url, 'sato');
  const resp = await page.evaluate(async (id) => {
    const r = await fetch(`/records/${id}/act`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'action=asset.copy&comment=forged',
    });
    return r.status;
  }, ward.records.zeimu3);
  assert.equal(resp, 403);
  // And a form carrying a token from another session is refused too.
  const other = await page.evaluate(async (id) => {
    const r = await fetch(`/records/${id}/act`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&action=asset.copy',
    });
    return r.status;
  }, ward.records.zeimu3);
  assert.equal(other, 403);
  await logout(page);
});

test('Japanese by default, English on request, and back', async () => {
  await page.goto(server.url + 'login');
  assert.equal(await page.textContent('h1'), 'ログイン');
  await page.click('form.lang button');
  await page.waitForLoadState('load');
  assert.equal(await page.textContent('h1'), 'Log in');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await login(page, server.url, 'sato');
  assert.equal(await page.textContent('h1'), 'Dashboard');
  await shot(page, 'dashboard-en');
  await page.click('form.lang button');
  await page.waitForLoadState('load');
  assert.equal(await page.textContent('h1'), 'ダッシュボード');
  await logout(page);
});

test('the first administrator must change the printed password before anything else', async () => {
  await login(page, server.url, 'admin', ward.adminPassword);
  assert.ok(page.url().endsWith('/password'), 'sent to the password page');
  await page.goto(server.url + 'admin/users');
  assert.ok(page.url().endsWith('/password'), 'still held at the password page');
  await page.fill('#f-current', ward.adminPassword);
  await page.fill('#f-new', 'short');
  await page.fill('#f-again', 'short');
  await page.click('form[action="/password"] button');
  assert.ok((await page.textContent('.notice.error')).length > 0, 'a weak password is refused');
  await page.fill('#f-current', ward.adminPassword);
  await page.fill('#f-new', 'Kanri-Hoshi-Tsuki-2026!z');
  await page.fill('#f-again', 'Kanri-Hoshi-Tsuki-2026!z');
  await page.click('form[action="/password"] button');
  assert.ok((await page.textContent('.notice.ok')).includes('変更しました'));
  await page.goto(server.url + 'admin/users');
  assert.equal(await page.textContent('h1'), '職員等');
  await shot(page, 'admin-users');
});
