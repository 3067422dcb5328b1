// wards.test.js: issue 12's daily journeys in both demo wards (Minato and Shinjuku), as their
// people do them in Chromium: an applicant withdraws a request (取下げ); the 課長's named deputy
// approves by 代決; the take-out approved goes overdue and shows on the applicant's dashboard; the
// duty's holder records it as done with an attached file; a register downloads as CSV with Japanese
// headers; the e-mail digests arrive at a real SMTP server started by the test.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { mamori, login, logout, shot, tokyoDay } = require('./lib');
const { open } = require('./fixture');

// What each ward's take-out of a top-level asset records, and the context it asks for.
// dutyHolder: who owes a duty in 税務課 (Minato: the 課長's section inspection; Shinjuku: the
// system manager of 税務システム, its backups, patches and checks).
const TAKE_OUT = {
  minato: { level: '3', fields: ['destination=区民センター', 'purpose=出張窓口'], context: [], dutyHolder: 'zeimu-kacho' },
  shinjuku: {
    level: 'I',
    dutyHolder: 'zeimu-1',
    fields: ['content=課税資料', 'purpose=出張窓口', 'method=施錠した鞄で携行', 'management=職員が常時携行'],
    context: ['place=building', 'device=issued'],
  },
};

for (const profile of ['minato', 'shinjuku']) {
  test(`${profile}: a day's work in the demo ward`, async (t) => {
    const spec = TAKE_OUT[profile];
    let assets, withdrawn, overdue;
    const s = await open({
      demo: profile,
      mail: true,
      prepare(ward) {
        assets = JSON.parse(mamori(ward.data, ['record', 'list', 'asset', '--json', '--section', 'zeimu',
          '--level', spec.level])).filter((r) => r.state === 'active');
        assert.ok(assets.length >= 2, `the ${profile} demo has two active 税務課 top-level assets`);
        const takeOut = (rec, due) => mamori(ward.data, ['act', String(rec.id), 'asset.take_out', '--as', 'zeimu-1',
          ...spec.fields.flatMap((f) => ['--field', f]), '--field', `return_due=${due}`, '--field', 'carrier=zeimu-1',
          ...spec.context.flatMap((c) => ['--context', c])]).match(/request (\d+)/)[1];
        withdrawn = takeOut(assets[0], tokyoDay(3));
        overdue = takeOut(assets[1], tokyoDay(-1));
        mamori(ward.data, ['user', 'set', 'zeimu-1', '--email', 'zeimu-1@city.example.lg.jp']);
        mamori(ward.data, ['user', 'set', 'zeimu-2', '--email', 'zeimu-2@city.example.lg.jp', '--title', '税務課長補佐']);
      },
    }, t);
    const { ward, server, page } = s;

    await t.test('the applicant withdraws a request (取下げ)', async () => {
      await login(page, server.url, 'zeimu-1', ward.pw['zeimu-1']);
      await page.goto(server.url + `requests/${withdrawn}`);
      assert.equal(await page.locator('form[action$="/approve"]').count(), 0, 'no approval panel for the applicant');
      await page.check('form[action$="/withdraw"] #f-confirm');
      await Promise.all([page.waitForURL(/notice=withdrawn/), page.click('form[action$="/withdraw"] button[type=submit]')]);
      assert.ok((await page.textContent('main')).includes('取下げ'), 'shown as 取下げ');
      await shot(page, `wards-${profile}-withdrawn`);
      await logout(page);
      const q = JSON.parse(mamori(ward.data, ['request', 'show', withdrawn, '--json']));
      assert.equal(q.state, 'withdrawn');
    });

    await t.test('the 課長\'s deputy approves the other by 代決', async () => {
      await login(page, server.url, 'zeimu-2', ward.pw['zeimu-2']);
      await page.goto(server.url + 'inbox');
      const inbox = await page.textContent('main');
      assert.ok(inbox.includes(`申請第${overdue}号`) && inbox.includes('代決'), 'in the inbox, as deputy');
      await page.goto(server.url + `requests/${overdue}`);
      assert.ok((await page.textContent('main')).includes('代理として決裁します'));
      await page.fill('#f-approve-comment', '課長不在のため代決');
      await Promise.all([page.waitForURL(/notice=approved/), page.click('form[action$="/approve"] button')]);
      const decided = await page.textContent('main');
      assert.ok(decided.includes('承認済') && decided.includes('代決'), 'approved by 代決');
      assert.ok(decided.includes('阿部 奈緒（税務課長補佐）'), 'the deputy named with the title, not the login');
      await shot(page, `wards-${profile}-deputy`);
      await logout(page);
    });

    await t.test('the take-out goes overdue and shows on the applicant\'s dashboard', async () => {
      await login(page, server.url, 'zeimu-1', ward.pw['zeimu-1']);
      const dash = await page.textContent('main');
      assert.ok(dash.includes('返却予定日を過ぎた持出し'), 'the dashboard card');
      assert.ok(dash.includes(assets[1].fields.title), 'naming the asset');
      await shot(page, `wards-${profile}-overdue`);
      await logout(page);
    });

    await t.test('the duty\'s holder records it as done with an attached file', async () => {
      await login(page, server.url, spec.dutyHolder, ward.pw[spec.dutyHolder]);
      await page.goto(server.url + 'duties');
      const link = page.locator('a[href^="/duties/done?"]').first();
      assert.ok(await link.count(), 'a duty to record');
      await link.click();
      await page.fill('#f-evidence', '課内の遵守状況を確認した');
      await page.setInputFiles('#f-file', {
        name: '点検記録.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n'),
      });
      await Promise.all([page.waitForURL(/notice=duty-done/), page.click('form[action="/duties/done"] button[type=submit]')]);
      assert.ok((await page.textContent('main')).includes('記録しました'), 'recorded');
      await shot(page, `wards-${profile}-duty-done`);
      const tail = mamori(ward.data, ['ledger', 'tail', '-n', '3']);
      assert.ok(tail.includes('duty.done'), 'the duty is in the ledger');
      await logout(page);
    });

    await t.test('the asset register downloads as CSV with Japanese headers', async () => {
      await login(page, server.url, 'zeimu-kacho', ward.pw['zeimu-kacho']);
      const resp = await page.request.get(server.url + 'registers/asset/csv?encoding=utf-8');
      assert.equal(resp.status(), 200);
      const head = (await resp.text()).replace(/^\uFEFF/, '').split(/\r?\n/)[0];
      assert.ok(head.includes('名称'), head);
      assert.ok(/重要性/.test(head), head);
      assert.ok(!/\btitle\b|\blevel\b/.test(head), `no ids in the header: ${head}`);
      await logout(page);
    });

    await t.test('the digests arrive at the SMTP server', { skip: !s.mailDir && 'python3-aiosmtpd is not installed' }, async () => {
      assert.ok((await s.recipients('zeimu-1@', 60000)).includes('zeimu-1@city.example.lg.jp'), 'the applicant was told');
    });
  });
}
