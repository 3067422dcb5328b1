// incidents.test.js: a 税務課 staff member reports an incident; the section's security officer
// reports it to the CSIRT; the CSIRT takes a file in as evidence; the システム統括管理者 (the
// manager of the ward's main network, MIN-9-4-3) cuts the network off; the 速報 deadline shows
// on the CSIRT's dashboard (an older case's overdue one in red); the CSIRT closes the case; the
// evidence export is verified with the export's own tool.
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { mamori, addPeople, login, logout, shot } = require('./lib');
const { open } = require('./fixture');

const MAMORI = process.env.MAMORI;
let dir, data, server, page, asset, old;

// People: login, name, section, roles beyond staff.
const PEOPLE = [
  ['sato', '佐藤 花子', 'zeimu', []],
  ['suzuki', '鈴木 一郎', 'zeimu', ['security_officer@section:zeimu']],
  ['kato', '加藤 美咲', 'joho', ['csirt@org']],
  ['watanabe', '渡辺 浩', 'joho', ['system_chief@org', 'security_officer@section:joho']],
];

// A local time in the ward (Asia/Tokyo), as a datetime-local input takes it.
function tokyo(msAgo) {
  const t = new Date(Date.now() - msAgo + 9 * 3600 * 1000);
  return t.toISOString().slice(0, 16);
}

// A ward of its own: `init --profile minato` and PEOPLE, an asset and an older case.
before(async () => ({ server, page } = await open({
  bare: true,
  prepare(ward) {
    ({ dir, data } = ward);
    mamori(data, ['section', 'add', 'zeimu', '--name', '税務課']);
    mamori(data, ['section', 'add', 'joho', '--name', '情報政策課']);
    addPeople(data, PEOPLE);
    asset = JSON.parse(mamori(data, ['record', 'add', 'asset', '--as', 'sato', '--json',
      '--field', 'title=住民税課税台帳', '--field', 'level=3', '--field', 'section=zeimu',
      '--field', 'access_controlled=true'])).record;
    // An older case, found five days ago and already with the CSIRT: its 速報 is overdue.
    old = JSON.parse(mamori(data, ['incident', 'report', '--title', 'USBメモリの紛失',
      '--found-at', tokyo(5 * 86400 * 1000), '--personal-data', '300', '--as', 'sato', '--json'])).id;
    mamori(data, ['incident', 'step', String(old), 'escalated', '--as', 'suzuki']);
  },
})));

// Opens an action of the case from its page and submits the action's form.
async function act(caseUrl, action, fill) {
  await page.goto(caseUrl);
  await page.click(`ul.actions a[data-action="${action}"]`);
  if (fill) await fill();
  await Promise.all([page.waitForURL(/\/incidents\/\d+\?notice=done/), page.click('form.card button[type=submit]')]);
}

test('from a 税務課 report to the CSIRT closing the case, with evidence, a cut-off and the 速報 deadline', async () => {
  // 1. 税務課 staff report what happened, in one minute.
  await login(page, server.url, 'sato');
  await page.click('a[href="/incidents/new"]');
  assert.equal(await page.textContent('h1'), 'インシデントの報告');
  await page.fill('#f-title', '他人の課税情報が画面に表示された');
  await page.fill('#f-found_at', tokyo(60 * 60 * 1000));
  await page.fill('#f-place', '税務課 窓口端末');
  await page.fill('#f-personal_data', '150');
  await page.selectOption('#f-records', String(asset));
  await Promise.all([page.waitForURL(/\/incidents\/\d+\?notice=reported/), page.click('form.card button[type=submit]')]);
  const caseUrl = page.url().replace(/\?.*/, '');
  const notice = await page.textContent('.notice.ok');
  assert.ok(notice.includes('税務課 セキュリティ責任者'), 'the report went to the section\'s officer: ' + notice);
  assert.equal(await page.getAttribute('dd.status', 'data-status'), 'reported');
  await shot(page, 'incident-reported');
  await logout(page);

  // 2. The security officer reports it on to the CSIRT (2(8)②).
  await login(page, server.url, 'suzuki');
  assert.ok((await page.textContent('.incidents-card')).includes('他人の課税情報'), 'on the officer\'s dashboard');
  await act(caseUrl, 'escalate');
  assert.equal(await page.getAttribute('dd.status', 'data-status'), 'escalated');
  await logout(page);

  // 3. The CSIRT sees the 速報 deadline on its dashboard; the older case's is overdue, in red.
  await login(page, server.url, 'kato');
  const card = page.locator('.incidents-card');
  const due = card.locator(`tr:has(a[href="${new URL(caseUrl).pathname}"]) .deadline[data-kind="ppc_preliminary"]`);
  assert.ok((await due.textContent()).includes('個人情報保護委員会への速報'));
  assert.match(await due.getAttribute('data-due'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\+09:00$/);
  const late = card.locator(`tr:has(a[href="/incidents/${old}"]) .deadline.overdue[data-kind="ppc_preliminary"]`);
  assert.ok((await late.textContent()).includes('期限超過'));
  assert.equal(await late.evaluate((el) => getComputedStyle(el).color), 'rgb(179, 38, 30)', 'overdue in red');
  await shot(page, 'incident-dashboard-csirt');

  // 4. The CSIRT receives it and takes a log extract in as evidence.
  await act(caseUrl, 'receive');
  const extract = path.join(dir, 'アクセス記録の抜粋.txt');
  fs.writeFileSync(extract, '2026-01-10 09:12 zeimu-2 照会 住民税課税台帳\n');
  await page.setInputFiles('#f-evidence', extract);
  await Promise.all([page.waitForURL(/\/incidents\/\d+/), page.click('form.upload button[type=submit]')]);
  const evidence = await page.textContent('table.evidence');
  assert.ok(evidence.includes('アクセス記録の抜粋.txt'));
  const sha = require('node:crypto').createHash('sha256').update(fs.readFileSync(extract)).digest('hex');
  assert.ok(evidence.includes(sha), 'the SHA-256 taken in is the file\'s');
  await logout(page);

  // 5. The システム統括管理者 cuts the network off (9(4)③).
  await login(page, server.url, 'watanabe');
  await act(caseUrl, 'cut_off', () => page.fill('[name="f.target"]', '税務課LAN'));
  assert.ok((await page.textContent('tr.in-force')).includes('税務課LAN'));
  await shot(page, 'incident-cut-off');
  await logout(page);

  // 6. The CSIRT makes the 速報, recovers, reports recurrence prevention and closes the case.
  await login(page, server.url, 'kato');
  await act(caseUrl, 'report_out', () => page.selectOption('[name="f.deadline"]', '個人情報保護委員会への速報'));
  assert.ok(await page.locator('.deadline.done[data-kind="ppc_preliminary"]').count() === 1, 'the 速報 is done');
  await act(caseUrl, 'investigate');
  await act(caseUrl, 'recover');
  await act(caseUrl, 'prevent', async () => {
    await page.fill('[name="f.cause"]', '照会権限の設定誤り');
    await page.fill('[name="f.prevention"]', '権限の定期的な見直し');
  });
  await act(caseUrl, 'close');
  assert.equal(await page.getAttribute('dd.status', 'data-status'), 'closed');
  const timeline = await page.textContent('table.timeline');
  for (const who of ['佐藤 花子', '鈴木 一郎', '加藤 美咲', '渡辺 浩'])
    assert.ok(timeline.includes(who), who + ' is on the timeline');
  await shot(page, 'incident-closed');
  await logout(page);

  // 7. After closing, the evidence export is verified with the export's own tool.
  const id = caseUrl.match(/(\d+)$/)[1];
  const out = path.join(dir, 'export');
  execFileSync(MAMORI, ['--dir', data, 'incident', 'export', id, out]);
  const ok = spawnSync(MAMORI, ['incident', 'verify-export', out, '--pub', path.join(data, 'ledger.pub')], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(ok.stdout.includes('intact'));
  fs.appendFileSync(path.join(out, 'evidence', 'アクセス記録の抜粋.txt'), 'x');
  const bad = spawnSync(MAMORI, ['incident', 'verify-export', out, '--pub', path.join(data, 'ledger.pub')], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.ok(bad.stderr.includes('evidence/アクセス記録の抜粋.txt'), bad.stderr);
});

test('staff may not close a case, and another section cannot open one it may not read', async () => {
  await login(page, server.url, 'sato');
  await page.goto(server.url + `incidents/${old}`);
  assert.equal(await page.locator('ul.actions a[data-action="close"]').count(), 0, 'no close for staff');
  await page.goto(server.url + `records/${old}/act?action=incident.close`);
  const preview = await page.textContent('main');
  assert.ok(preview.includes('規定がありません'), 'not allowed to staff, whatever the state: ' + preview);
  await page.click('form.card button[type=submit]');
  assert.ok((await page.textContent('main')).includes('5(9)④'), 'the refusal cites the clause');
  await logout(page);
});
