// inbox.test.js: the 課長 is away: their deputy finds the request in the 受信箱 and approves it
// by 代決; the applicant's take-out goes overdue and shows on their dashboard and inbox; the
// digest e-mails arrive at a real SMTP server (aiosmtpd) started by the test.
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { mamori, login, logout, shot, PASSWORD, hasAiosmtpd, tokyoDay } = require('./lib');
const { open } = require('./fixture');

let s, server, page, requestId;
before(async () => {
  s = await open({
    mail: true,
    prepare(ward) {
      mamori(ward.data, ['user', 'add', 'hosa', '--name', '高木 恵', '--section', 'zeimu', '--title',
        '税務課長補佐', '--password-stdin'], PASSWORD + '\n');
      mamori(ward.data, ['role', 'grant', 'hosa', 'deputy_security_officer@section:zeimu']);
      mamori(ward.data, ['user', 'set', 'sato', '--email', 'sato@city.example.lg.jp']);
      mamori(ward.data, ['user', 'set', 'hosa', '--email', 'takagi@city.example.lg.jp']);
      const out = mamori(ward.data, ['act', String(ward.records.zeimu3), 'asset.take_out', '--as', 'sato',
        '--field', 'destination=区民センター', '--field', 'purpose=出張窓口',
        '--field', `return_due=${tokyoDay(-1)}`, '--field', 'carrier=sato']);
      requestId = out.match(/request (\d+)/)[1];
    },
  });
  ({ server, page } = s);
});

test('the deputy finds the request in the inbox and approves it by 代決', async () => {
  await login(page, server.url, 'hosa');
  await page.click('nav a[href="/inbox"]');
  const inbox = await page.textContent('main');
  assert.ok(inbox.includes('決裁を待っている申請'), 'the heading');
  assert.ok(inbox.includes(`申請第${requestId}号`) && inbox.includes('代決'), 'the request, as deputy');
  await shot(page, 'inbox-deputy');
  await page.click(`a[href="/requests/${requestId}"]`);
  assert.ok((await page.textContent('main')).includes('代理として決裁します'));
  await page.fill('#f-approve-comment', '課長不在のため代決');
  await page.click('form[action$="/approve"] button');
  await page.waitForURL(/notice=approved/);
  const decided = await page.textContent('main');
  assert.ok(decided.includes('承認済'), 'approved');
  assert.ok(decided.includes('高木 恵（税務課長補佐）'), 'the deputy is named with the title');
  assert.ok(decided.includes('代決'), 'and the decision says 代決');
  await shot(page, 'request-approved-by-deputy');
  await logout(page);
});

test('the overdue take-out is on the applicant\'s dashboard and in their inbox', async () => {
  await login(page, server.url, 'sato');
  const dash = await page.textContent('main');
  assert.ok(dash.includes('返却予定日を過ぎた持出し'), 'the dashboard card');
  assert.ok(dash.includes('住民税課税台帳'), 'naming the record');
  await page.goto(server.url + 'inbox');
  const inbox = await page.textContent('main');
  assert.ok(inbox.includes('決裁された自分の申請'), 'the decision');
  assert.ok(inbox.includes('高木 恵（税務課長補佐）'), 'by the deputy');
  assert.ok(inbox.includes('を過ぎています'), 'the overdue take-out');
  await shot(page, 'inbox-applicant');
  await logout(page);
});

test('the digest e-mails arrive at the SMTP server', { skip: !hasAiosmtpd() && 'python3-aiosmtpd is not installed' }, async () => {
  const all = await s.recipients('sato@', 30000);
  assert.ok(all.includes('takagi@city.example.lg.jp'), 'the deputy was told of the request');
  assert.ok(all.includes('sato@city.example.lg.jp'), 'the applicant was told of the decision');
});
