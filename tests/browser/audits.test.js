// audits.test.js: the system chief plans an audit of 税務課 (refused while the team includes a
// 税務課 member or its officer, citing MIN-9-1-3, or someone who is no 監査実施者, citing
// MIN-9-1-2); the team records a finding with evidence (a
// file and the ledger entry of the act it rests on, linked from the finding's page); the 税務課
// officer plans the improvement; the chief follows it up and closes it; the compliance report as
// a page, CSV and PDF whose text (pdftotext) holds the clause ids and the Japanese headings; its
// summary by chapter, whose figures lead the CISO and an auditor to the entries behind them
// (docs/audits.md).
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { mamori, addPeople, login, logout, shot, tokyoDay } = require('./lib');
const { open } = require('./fixture');
const { shownText, findProblems } = require('./scan-lib');

let ward, server, ctx, page;
before(async () => ({ ward, server, ctx, page } = await open({
  prepare(w) {
    mamori(w.data, ['section', 'add', 'kaikei', '--name', '会計室']);
    addPeople(w.data, [['chief', '統括 管理', 'kumin', ['system_chief@org']],
      ['kansa', '監査 一', 'kaikei', ['auditor@org']], ['kaikei2', '会計 二', 'kaikei', []],
      ['ciso', '統括 責任', 'kumin', ['ciso@org']]]);
  },
})));

async function plan(team, clauses) {
  await page.goto(server.url + 'audits');
  await page.fill('[name="title"]', '税務課の情報セキュリティ監査');
  await page.selectOption('#f-sections', ['zeimu']);
  await page.fill('[name="team"]', team);
  if (clauses) await page.fill('[name="clauses"]', clauses);
  await Promise.all([page.waitForLoadState('load'), page.click('form.plan button[type=submit]')]);
}

test('an audit of 税務課: independence, a finding, the improvement and its follow-up', async () => {
  await login(page, server.url, 'chief');
  await plan('kansa,sato');
  assert.ok((await page.textContent('main')).includes('MIN-9-1-3'), 'a 税務課 member: refused, citing MIN-9-1-3');
  await plan('kansa,suzuki');
  const refused = await page.textContent('main');
  assert.ok(refused.includes('MIN-9-1-3'), 'its officer: refused, citing MIN-9-1-3');
  await shot(page, 'audit-refused');
  await plan('kansa,kaikei2');
  const noExpertise = await page.textContent('main');
  assert.ok(noExpertise.includes('MIN-9-1-2') && noExpertise.includes('監査実施者'),
    'a member who is no 監査実施者 (the expertise): refused, citing MIN-9-1-2');
  await plan('kansa', 'MIN-3');
  await page.waitForURL(/\/audits\?notice=done/);
  assert.ok((await page.textContent('main')).includes('税務課の情報セキュリティ監査'));
  assert.ok((await page.textContent('dd.scope')).includes('MIN-3'), 'its scope: the clauses of chapter 3');
  await logout(page);

  const audits = JSON.parse(mamori(ward.data, ['audit', 'list', '--json']));
  const audit = audits[0].id;
  // the act the finding rests on: the audit's own plan, by its ledger entry
  const planned = JSON.parse(mamori(ward.data, ['record', 'show', String(audit), '--history', '--json']));
  const entry = String(planned.history[0].ledger_index);

  // the team member records the finding on the audits page, then attaches the evidence file
  await login(page, server.url, 'kansa');
  await page.goto(server.url + 'audits');
  const card = `#audit-${audit}`;
  await page.fill(`${card} form.finding [name="clause"]`, 'MIN-3-4-1');
  await page.selectOption(`${card} form.finding select[name="severity"]`, 'major');
  await page.fill(`${card} form.finding [name="text"]`, '複製の記録がない');
  assert.ok((await page.textContent(`${card} form.finding p.hint`)).includes('MIN-3'), 'the form names the scope');
  await page.fill(`${card} form.finding [name="clause"]`, 'MIN-5-1-1-1');
  await page.selectOption(`${card} form.finding select[name="severity"]`, 'major');
  await page.fill(`${card} form.finding [name="text"]`, '範囲外の指摘');
  await Promise.all([page.waitForLoadState('load'), page.click(`${card} form.finding button[type=submit]`)]);
  assert.ok((await page.textContent('main')).includes('範囲外'), 'a finding outside the scope: refused');
  await page.goto(server.url + 'audits');
  await page.fill(`${card} form.finding [name="clause"]`, 'MIN-3-4-1');
  await page.selectOption(`${card} form.finding select[name="severity"]`, 'major');
  await page.fill(`${card} form.finding [name="text"]`, '複製の記録がない');
  await page.fill(`${card} form.finding [name="evidence"]`, entry);
  await Promise.all([page.waitForURL(/\/records\/\d+\?notice=done/),
    page.click(`${card} form.finding button[type=submit]`)]);
  const finding = page.url().match(/\/records\/(\d+)/)[1];
  const evidence = path.join(ward.dir, '点検表.txt');
  fs.writeFileSync(evidence, '複製記録簿の記載漏れ 3件\n');
  await page.setInputFiles('#f-file', evidence);
  await Promise.all([page.waitForLoadState('load'), page.click('form.upload button[type=submit]')]);
  await shot(page, 'audit-finding');
  await logout(page);
  // a member of the audited section has no such form
  await login(page, server.url, 'sato');
  await page.goto(server.url + 'audits');
  assert.equal(await page.locator('form.finding').count(), 0, 'only the team records findings');
  await logout(page);

  await login(page, server.url, 'suzuki');
  await page.goto(server.url + `records/${finding}`);
  assert.ok((await page.textContent('main')).includes('点検表.txt'), 'the evidence file');
  assert.ok(await page.locator(`a.entry[href="/ledger/entry?index=${entry}"]`).count() >= 1,
    'the evidence entry, linked to the ledger (in the fields and in the act that recorded it)');
  await page.click('a[href*="action=finding.plan_improvement"]');
  await page.fill('[name="f.improvement_plan"]', '複製記録簿を備え、月末に確認する');
  // a date ahead, whatever the day the test runs (a fixed one would make it overdue one day)
  await page.fill('[name="f.improvement_due"]', tokyoDay(60));
  await Promise.all([page.waitForLoadState('load'), page.click('form.card button[type=submit]')]);
  assert.ok((await page.textContent('main')).includes('改善中'), 'the finding is being improved');
  await logout(page);

  await login(page, server.url, 'chief');
  await page.goto(server.url + `records/${finding}`);
  await page.click('a[href*="action=finding.follow_up"]');
  await page.fill('[name="f.follow_up"]', '記録簿を確認した');
  await Promise.all([page.waitForLoadState('load'), page.click('form.card button[type=submit]')]);
  await page.goto(server.url + `records/${finding}`);
  await page.click('a[href*="action=finding.close"]');
  await Promise.all([page.waitForLoadState('load'), page.click('form.card button[type=submit]')]);
  await page.goto(server.url + 'audits');
  assert.ok((await page.textContent('table.findings')).includes('完了'), 'closed');
  await shot(page, 'audit-closed');

  await page.goto(server.url + 'report/compliance');
  const report = await page.textContent('main');
  assert.ok(report.includes('情報セキュリティ対策基準 遵守状況報告書') && report.includes('決裁欄'));
  assert.ok(report.includes('MIN-9-1-3') && report.includes('MIN-3-4-1'));
  await shot(page, 'compliance-report');
  const csv = await page.request.get(server.url + 'report/compliance?format=csv');
  assert.equal(csv.status(), 200);
  assert.ok((await csv.text()).includes('MIN-9-1-3,'));
  await page.click('a[href="/report/compliance?by=annex-a"]');
  const annex = await page.textContent('table.report-annex');
  assert.ok(annex.includes('5.35') && annex.includes('MIN-9-1-3'), 'the view by Annex A control');
  await shot(page, 'compliance-annex');
  // a control's figure links to the ledger entries behind it, as a clause's does
  const acts535 = page.locator('tr[id="5.35"] a.figure[href*="#acts"]');
  const counted = Number(await acts535.textContent());
  assert.ok(counted >= 2, 'the refused plans and the finding cite 5.35\'s clauses');
  await Promise.all([page.waitForLoadState('load'), acts535.click()]);
  assert.ok((await page.textContent('h1')).includes('5.35 情報セキュリティの独立したレビュー'));
  assert.equal(await page.locator('#acts + p.entries a.entry').count(), counted,
    'as many entries as the figure counts');
  assert.ok(await page.locator('a.clause[href*="clause?id=MIN-9-1-3"]').count() === 1,
    'its clauses, each linked to the clause\'s own entries');
  await shot(page, 'compliance-control');
  await Promise.all([page.waitForLoadState('load'),
    page.locator('#refused + p.entries a.entry').first().click()]);
  assert.ok((await page.textContent('main')).includes('audit.plan'), 'a refused plan\'s entry');
  await page.goto(server.url + 'report/compliance?by=annex-a');
  const annexCsv = await page.request.get(server.url + 'report/compliance?format=csv&by=annex-a');
  assert.ok((await annexCsv.text()).includes('管理策,名称'));
  assert.equal(await page.locator('a[href="/report/compliance?format=pdf&by=annex-a"]').count(), 1,
    'the Annex A view offers its PDF');
  const annexPdf = await page.request.get(server.url + 'report/compliance?format=pdf&by=annex-a');
  assert.equal(annexPdf.status(), 200);
  assert.equal((await annexPdf.body()).subarray(0, 5).toString(), '%PDF-');
  const pdf = await page.request.get(server.url + 'report/compliance?format=pdf');
  assert.equal(pdf.status(), 200);
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
  const pdfFile = path.join(ward.dir, '報告書.pdf');
  fs.writeFileSync(pdfFile, await pdf.body());
  const text = execFileSync('pdftotext', [pdfFile, '-'], { encoding: 'utf8' });
  for (const w of ['情報セキュリティ対策基準', '遵守状況報告書', '決裁欄', '条項', '章ごとの概要',
    '署名付きチェックポイント', 'MIN-9-1-3', 'MIN-3-4-1']) {
    assert.ok(text.includes(w), `the PDF's text holds ${w}`);
  }
  await logout(page);
});

// the figures of a clause table's rows whose id starts with prefix, column col (行為 is 5)
async function clauseSum(prefix, col) {
  return page.$$eval(`table.report-clauses tr[id^="${prefix}"]`, (rows, c) =>
    rows.reduce((n, tr) => n + Number(tr.querySelectorAll('th,td')[c].textContent), 0), col);
}

test('the summary by chapter: every figure links to its entries, for the CISO and an auditor', async () => {
  // the CISO: 行為 of chapter MIN-9 counts each act once, and lists exactly those entries
  await ctx.clearCookies(); // whoever the test before left logged in
  await login(page, server.url, 'ciso');
  await page.goto(server.url + 'report/compliance');
  const acts9 = page.locator('tr[id="chapter-MIN-9"] a.figure[href*="#acts"]');
  const counted = Number(await acts9.textContent());
  const added = await clauseSum('MIN-9-', 5);
  assert.ok(counted > 0 && counted < added,
    `each act once (${counted}), not its clauses' figures added (${added}): the plan cites several`);
  await Promise.all([page.waitForLoadState('load'), acts9.click()]);
  assert.ok((await page.textContent('h1')).includes('章 MIN-9'));
  const entries = await page.$$eval('#acts + p.entries a.entry', (as) => as.map((a) => a.textContent));
  assert.equal(entries.length, counted, 'as many entries as the figure counts');
  assert.equal(new Set(entries).size, entries.length, 'none twice');
  assert.deepEqual(findProblems(await page.evaluate(shownText)), [], 'Japanese only, no raw code');
  assert.ok(await page.locator('a.clause[href*="clause?id=MIN-9-1-3"]').count() === 1,
    'its clauses, each linked to the clause\'s own entries');
  await shot(page, 'compliance-chapter');
  await Promise.all([page.waitForLoadState('load'), page.locator('#acts + p.entries a.entry').first().click()]);
  assert.ok(page.url().includes('/ledger/entry?index='), 'an entry opens in the ledger');
  await logout(page);

  // the auditor: the chapter's page from its name, and its refusals, each the refused plan
  await login(page, server.url, 'kansa');
  await page.goto(server.url + 'report/compliance');
  const refused = Number(await page.textContent('tr[id="chapter-MIN-9"] td:nth-of-type(4)'));
  assert.ok(refused >= 2, 'the two refused plans');
  await Promise.all([page.waitForLoadState('load'), page.click('tr[id="chapter-MIN-9"] a.chapter')]);
  assert.equal(await page.locator('#refused + p.entries a.entry').count(), refused,
    'the refusals listed are those counted');
  assert.deepEqual(findProblems(await page.evaluate(shownText)), [], 'Japanese only, no raw code');
  await Promise.all([page.waitForLoadState('load'),
    page.locator('#refused + p.entries a.entry').first().click()]);
  assert.ok((await page.textContent('main')).includes('audit.plan'), 'a refused plan\'s entry');
  // the summary by chapter on its own, with its entries
  await page.goto(server.url + 'report/compliance');
  const link = page.locator('a[href="/report/compliance?format=csv&by=chapter"]');
  assert.equal(await link.count(), 1, 'the report offers the summary by chapter as CSV');
  const csv = await page.request.get(server.url + 'report/compliance?format=csv&by=chapter');
  const row = (await csv.text()).split('\n').find((l) => l.startsWith('MIN-9,'));
  assert.ok(row && row.includes(entries.join(' ')), 'its row carries the same entries');
  await logout(page);
});
