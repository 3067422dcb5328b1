// risks.test.js: 税務課's security officer assesses two threats to a level-3 asset in the
// browser: one treated by a measure that works (its residual is lower, the officer accepts it),
// one whose measure's duty has no record of being done (the residual stays at the inherent 25:
// the officer's acceptance is refused with the clause, the CISO accepts it). The heat maps
// (inherent and residual side by side) are server-drawn SVG images with words for screen
// readers. An incident on the asset makes the acceptance stale; the incident's page shows the
// risk and the risk's page links the incident (docs/risk.md).
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { mamori, addPeople, login, logout, shot } = require('./lib');
const { open } = require('./fixture');

let ward, server, page;
before(async () => ({ ward, server, page } = await open({
  prepare(w) {
    addPeople(w.data, [['ciso', '統括 責任', 'kumin', ['ciso@org']], ['csirt', '対応 一', 'kumin', ['csirt@org']]]);
  },
})));

async function assess(target, threat, likelihood, impact, measures) {
  await page.goto(server.url + 'risks');
  await page.fill('form.assess [name="target"]', String(target));
  await page.selectOption('#f-threat', threat);
  await page.selectOption('#f-likelihood', String(likelihood));
  await page.selectOption('#f-impact', String(impact));
  await page.fill('form.assess [name="measures"]', measures);
  await Promise.all([page.waitForLoadState('load'), page.click('form.assess button[type=submit]')]);
}

async function accept() {
  await Promise.all([page.waitForLoadState('load'), page.click('form.accept button[type=submit]')]);
}

function japaneseOnly(text) {
  // no English sentence and no raw status or reason codes on a Japanese page
  for (const w of ['Risk', 'Residual', 'Inherent', 'likelihood', 'assessed', 'accepted', 'duty_overdue',
    'duty_never_done', 'not_allowed']) {
    assert.ok(!text.includes(w), `no '${w}' on the page`);
  }
}

test('the section security officer assesses and accepts; the CISO accepts above the threshold', async () => {
  const asset = ward.records.zeimu3;
  await login(page, server.url, 'sato');
  await assess(asset, 'intentional', 4, 5, 'MIN-3-3-3');
  assert.equal(page.url().includes('/risks/'), false, 'staff may not assess');
  assert.ok((await page.textContent('main')).includes('MIN-BP-4-2'), 'the refusal cites the clause');
  await logout(page);

  await login(page, server.url, 'suzuki');
  await assess(asset, 'intentional', 4, 5, 'MIN-3-3-3');
  await page.waitForURL(/\/risks\/\d+\?notice=done/);
  const low = page.url().match(/\/risks\/(\d+)/)[1];
  assert.equal((await page.textContent('dd.inherent')).trim(), '4 × 5 = 20');
  assert.ok((await page.textContent('dd.residual')).includes('10'), 'the enforced measure lowers it to 10');
  assert.ok((await page.textContent('tr[data-clause="MIN-3-3-3"]')).includes('下げる'), 'the measure counts');
  japaneseOnly(await page.textContent('main'));
  await accept();
  await page.waitForURL(/notice=done/);
  assert.ok((await page.textContent('dd.state')).includes('受容済'));
  assert.ok((await page.textContent('p.accepted')).includes('鈴木 一郎'), 'the acceptor by name');

  await assess(asset, 'negligence', 5, 5, 'MIN-9-2-1');
  await page.waitForURL(/\/risks\/\d+\?notice=done/);
  const high = page.url().match(/\/risks\/(\d+)/)[1];
  assert.ok((await page.textContent('dd.residual')).includes('25'), 'the measure without a record of its duty does not count');
  assert.ok((await page.textContent('tr[data-clause="MIN-9-2-1"]')).includes('効かない'), 'and says why');
  assert.ok((await page.textContent('main')).includes('組織の責任者'), 'the page says who accepts above the threshold');
  await accept();
  assert.equal(page.url().includes('notice=done'), false, 'the officer may not accept 25');
  const refusal = await page.textContent('main');
  assert.ok(refusal.includes('MIN-BP-4-2') && refusal.includes('拒否'), refusal);
  await shot(page, 'risk-refused');

  await page.goto(server.url + 'risks?section=zeimu');
  assert.ok((await page.textContent('h1')).includes('税務課'), 'the section register');
  const maps = await page.$$('figure.heat-map svg[role="img"]');
  assert.equal(maps.length, 2, 'inherent and residual heat maps side by side');
  const inherent = await page.textContent('#heat-inherent desc');
  assert.ok(inherent.includes('起こりやすさ4×影響5：1件') && inherent.includes('起こりやすさ5×影響5：1件'), inherent);
  const residual = await page.textContent('#heat-residual desc');
  assert.ok(residual.includes('起こりやすさ2×影響5：1件') && residual.includes('起こりやすさ5×影響5：1件'), residual);
  assert.equal(await page.locator('script').count(), 0, 'no script');
  japaneseOnly(await page.textContent('main'));
  await shot(page, 'risks-zeimu');
  await logout(page);

  await login(page, server.url, 'ciso');
  await page.goto(server.url + 'risks');
  assert.ok((await page.textContent('table.risks')).includes('住民税課税台帳'), 'the CISO office sees the ward-wide register');
  await page.goto(server.url);
  assert.ok((await page.textContent('section.risks-card')).includes('住民税課税台帳'),
    'the dashboard lists the residual above the threshold nobody accepted');
  await page.goto(server.url + `risks/${high}`);
  await accept();
  await page.waitForURL(/notice=done/);
  assert.ok((await page.textContent('p.accepted')).includes('統括 責任'), 'the CISO by name');
  // the compliance report and the risks link each other by clause
  await page.goto(server.url + 'report/compliance');
  const clauses = await page.textContent('table.risk-clauses');
  assert.ok(clauses.includes('MIN-3-3-3') && clauses.includes('MIN-9-2-1'), clauses);
  await page.click('table.risk-clauses tr[data-clause="MIN-3-3-3"] a[href^="/risks?clause="]');
  await page.waitForURL(/\/risks\?clause=MIN-3-3-3/);
  assert.equal(await page.locator('table.risks tr[data-risk]').count(), 1, 'the one risk it treats');
  await page.goto(server.url + `risks/${low}`);
  assert.equal(await page.locator('a[href="/report/compliance#MIN-3-3-3"]').count(), 1, 'and back to the report');
  await logout(page);

  // an incident on the asset: both acceptances go stale
  const inc = JSON.parse(mamori(ward.data, ['incident', 'report', '--title', '課税台帳の誤表示',
    '--found-at', new Date().toISOString(), '--record', String(asset), '--as', 'sato', '--json']));
  await login(page, server.url, 'suzuki');
  await page.goto(server.url + `risks/${low}`);
  assert.ok((await page.textContent('dd.state')).includes('要再評価'), 'stale');
  assert.ok(await page.locator(`ul.stale-reasons a[href="/incidents/${inc.id}"]`).count() === 1, 'the incident is linked');
  await shot(page, 'risk-stale');
  await page.goto(server.url);
  assert.ok((await page.textContent('section.risks-card')).includes('要再評価'), 'the dashboard asks for a reassessment');
  await page.goto(server.url + `incidents/${inc.id}`);
  assert.ok((await page.textContent('#risks')).includes('関係する記録のリスク'));
  assert.ok((await page.textContent('table.risks')).includes('要再評価'), 'the incident shows the stale risk');
  // the treatment plan: a task with its owner and due date, overdue on the dashboard until done
  await page.goto(server.url + `risks/${low}`);
  const yesterday = new Date(Date.now() + 9 * 3600e3 - 86400e3).toISOString().slice(0, 10);
  await page.fill('form.task [name="task"]', '課税台帳の表示の改修');
  await page.fill('form.task [name="assignee"]', 'sato');
  await page.fill('form.task [name="due"]', yesterday);
  await Promise.all([page.waitForLoadState('load'), page.click('form.task button[type=submit]')]);
  await page.waitForURL(/notice=done/);
  const row = await page.textContent('table.tasks tr.overdue');
  assert.ok(row.includes('課税台帳の表示の改修') && row.includes('sato') && row.includes('期限超過') && row.includes('完了を記録'), row);
  await page.goto(server.url);
  const card = await page.textContent('section.risks-card');
  assert.ok(card.includes('対応計画の作業が期限切れ'), card);
  await page.goto(server.url + `risks/${low}`);
  await Promise.all([page.waitForLoadState('load'), page.click('form.task-done button[type=submit]')]);
  await page.waitForURL(/notice=done/);
  assert.equal(await page.locator('table.tasks tr.overdue').count(), 0, 'done, no longer overdue');
  assert.ok((await page.textContent('table.tasks')).includes('完了'));
  // recurrence prevention proposes reassessing the risks of the records involved (SHJ-6-3-4-ア)
  mamori(ward.data, ['incident', 'step', String(inc.id), 'escalated', '--as', 'suzuki']);
  for (const st of ['received', 'investigating', 'recovered', 'prevention']) {
    mamori(ward.data, ['incident', 'step', String(inc.id), st, '--as', 'csirt',
      '--field', 'cause=表示設定の誤り', '--field', 'prevention=表示の確認手順']);
  }
  await page.goto(server.url + `incidents/${inc.id}`);
  const proposal = await page.textContent('div.propose');
  assert.ok(proposal.includes('再発防止'), proposal);
  assert.equal(await page.locator(`div.propose a[href="/risks/${low}#reassess"]`).count(), 1);
  // the case closes: the proposal stays until the risks are reassessed
  mamori(ward.data, ['incident', 'step', String(inc.id), 'closed', '--as', 'csirt']);
  await page.goto(server.url + `incidents/${inc.id}`);
  assert.equal(await page.locator(`div.propose a[href="/risks/${low}#reassess"]`).count(), 1,
    'still proposed once the case is closed');
  // reassessing returns it to 評価済
  await page.goto(server.url + `risks/${low}`);
  await Promise.all([page.waitForLoadState('load'), page.click('form.assess button[type=submit]')]);
  await page.waitForURL(/notice=done/);
  assert.ok((await page.textContent('dd.state')).includes('評価済'));
  await page.goto(server.url + `incidents/${inc.id}`);
  assert.equal(await page.locator(`div.propose a[href="/risks/${low}#reassess"]`).count(), 0, 'no longer proposed');
  assert.ok((await page.textContent('div.propose')).includes(`リスク ${low}：その後に再評価済み`),
    'the case says it was reassessed');
  assert.equal(await page.locator(`div.propose a[href="/risks/${high}#reassess"]`).count(), 1,
    'the other risk of the record is still to be reassessed');
  await logout(page);
});
