// inspections.test.js: a self-inspection round (docs/audits.md, MIN-9-2-1). The CISO opens a
// round for 税務課 and 区民課; each section's staff answer their checklist (適合 / 不適合 with a
// note and evidence) and hand it in; each 課長 signs off, which fulfils that section's yearly
// inspection duty; the 税務課 課長 raises the nonconformity as a finding and plans its
// improvement, the CISO follows it up and closes it; the CISO sees the roll-up by section and
// clause, the overdue section of a late round, who has not attended the yearly training (the
// training register), and downloads it as CSV. A round opened by role (docs/audits.md "Checklists
// by role"): a staff member and the 課長 each see and answer their own role's checklist only, and
// the CISO sees the roll-up by role.
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { mamori, addPeople, login, logout, shot } = require('./lib');
const { open } = require('./fixture');
const { shownText, findProblems } = require('./scan-lib');

let ward, server, page;

function day(n) {
  const d = new Date(Date.now() + 9 * 3600e3 + n * 86400e3);
  return d.toISOString().slice(0, 10);
}

before(async () => ({ ward, server, page } = await open({
  prepare(w) { addPeople(w.data, [['ciso', '統括 責任者', 'kumin', ['ciso@org']]]); },
})));

async function submit(form) {
  await Promise.all([page.waitForLoadState('load'), page.click(`${form} button[type=submit]`)]);
}

async function answer(clause, result, note, evidence) {
  const row = `tr[id="${clause}"]`;
  await page.selectOption(`${row} select[name="result"]`, result);
  if (note) await page.fill(`${row} input[name="note"]`, note);
  if (evidence) await page.fill(`${row} input[name="evidence"]`, evidence);
  await submit(`${row} form.answer`);
  assert.match(page.url(), /notice=done/, `${clause} answered`);
}

function ids() {
  return JSON.parse(mamori(ward.data, ['inspection', 'rollup', '--json'])).sections;
}

test('a round answered by two sections, signed off, rolled up for the CISO', async () => {
  // the CISO opens the round (the form is hers; section staff see none)
  await login(page, server.url, 'sato');
  await page.goto(server.url + 'inspections');
  assert.equal(await page.locator('form.open-round').count(), 0, 'staff open no rounds');
  await logout(page);
  await login(page, server.url, 'ciso');
  await page.goto(server.url + 'inspections');
  await page.fill('[name="round"]', '令和8年度');
  await page.selectOption('#f-sections', ['zeimu', 'kumin']);
  await page.fill('[name="due"]', day(30));
  await page.fill('[name="items"]', 'MIN-3-2-1,MIN-9-1-2');
  await submit('form.open-round');
  await page.waitForURL(/\/inspections\?notice=done/);
  assert.ok((await page.textContent('table.inspections')).includes('税務課'));
  await logout(page);
  const secs = ids();
  const zeimu = secs.find((s) => s.section === 'zeimu').id;
  const kumin = secs.find((s) => s.section === 'kumin').id;

  // 税務課's staff answer and hand in
  await login(page, server.url, 'sato');
  await page.goto(server.url + 'inspections/' + zeimu);
  await answer('MIN-3-2-1', '適合', '台帳を確認した', '情報資産台帳');
  await answer('MIN-9-1-2', '不適合', '監査の体制の記録がない');
  assert.ok((await page.textContent('#summary')).includes('適合 1'));
  await shot(page, 'inspection-answered');
  assert.equal(await page.locator('form.sign_off').count(), 0, 'staff do not sign off');
  await submit('form.submit');
  assert.equal((await page.textContent('#state')).trim(), '提出済');
  assert.equal(await page.locator('form.answer').count(), 0, 'no answers once handed in');
  // another section's inspection is not theirs to read
  const other = await page.goto(server.url + 'inspections/' + kumin);
  assert.equal(other.status(), 404);
  await logout(page);

  // 区民課 answers too
  await login(page, server.url, 'tanaka');
  await page.goto(server.url + 'inspections/' + kumin);
  await answer('MIN-3-2-1', '適合');
  await answer('MIN-9-1-2', '該当なし', '監査の対象外');
  await submit('form.submit');
  await logout(page);
  await login(page, server.url, 'yamada');
  await page.goto(server.url + 'inspections/' + kumin);
  await submit('form.sign_off');
  assert.equal((await page.textContent('#state')).trim(), '確認済');
  await logout(page);

  // 税務課's 課長 signs off (his section's inspection duty is then done) and raises the
  // nonconformity as a finding
  await login(page, server.url, 'suzuki');
  await page.goto(server.url + '');
  assert.ok((await page.textContent('main')).includes('課長の確認が済んでいない自己点検'), 'the dashboard card');
  const duty = 'table.duties >> nth=0 >> tr:has-text("課等の遵守状況の点検")';
  await page.goto(server.url + 'duties');
  assert.ok((await page.textContent(duty)).includes('未実施'), 'the section inspection is not yet done');
  await page.goto(server.url + 'inspections/' + zeimu);
  await page.fill('form.sign_off [name="note"]', '監査の体制を整える');
  await submit('form.sign_off');
  assert.equal((await page.textContent('#state')).trim(), '確認済');
  await page.goto(server.url + 'duties');
  const done = await page.textContent(duty);
  assert.ok(done.includes('鈴木 一郎') && !done.includes('未実施'), 'the sign-off fulfils the duty');
  await page.goto(server.url + 'inspections/' + zeimu);
  await page.selectOption('tr[id="MIN-9-1-2"] form.raise select', 'major');
  await submit('tr[id="MIN-9-1-2"] form.raise');
  assert.match(page.url(), /notice=done/);
  const findings = JSON.parse(mamori(ward.data, ['record', 'list', 'finding', '--json']));
  assert.ok(JSON.stringify(findings).includes('監査の体制の記録がない'), 'the finding keeps the note');
  const finding = findings[findings.length - 1].id;

  // the 課長 plans the improvement; the CISO follows it up and closes it
  await page.goto(server.url + `records/${finding}`);
  await page.click('a[href*="action=finding.plan_improvement"]');
  await page.fill('[name="f.improvement_plan"]', '監査の体制を文書にし、会議で確認する');
  await page.fill('[name="f.improvement_due"]', day(60));
  await Promise.all([page.waitForLoadState('load'), page.click('form.card button[type=submit]')]);
  assert.equal((await page.textContent('main span.state >> nth=0')).trim(), '改善中', 'being improved');
  await logout(page);
  await login(page, server.url, 'ciso');
  await page.goto(server.url + `records/${finding}`);
  await page.click('a[href*="action=finding.follow_up"]');
  await page.fill('[name="f.follow_up"]', '文書と会議の記録を確認した');
  await Promise.all([page.waitForLoadState('load'), page.click('form.card button[type=submit]')]);
  await page.goto(server.url + `records/${finding}`);
  await page.click('a[href*="action=finding.close"]');
  await Promise.all([page.waitForLoadState('load'), page.click('form.card button[type=submit]')]);
  await page.goto(server.url + `records/${finding}`);
  assert.equal((await page.textContent('main span.state >> nth=0')).trim(), '完了', 'the finding is closed');
  await shot(page, 'inspection-finding-closed');
  await logout(page);

  // a late round: overdue for the CISO
  mamori(ward.data, ['inspection', 'open', '--round', '令和7年度', '--section', 'kumin', '--due', day(-1),
    '--items', 'MIN-3-2-1', '--as', 'ciso']);
  // the training register feeds the roll-up: who has not attended the yearly training (4(2)①)
  mamori(ward.data, ['record', 'add', 'training', '--as', 'ciso', '--field', 'course=個人情報保護研修',
    '--field', 'kind=個人情報保護・情報安全対策指針の研修', '--field', `held_on=${day(-3)}`,
    '--field', 'attendees=sato']);
  await login(page, server.url, 'ciso');
  await page.goto(server.url + 'inspections');
  const people = await page.textContent('table.inspection-people');
  assert.ok(people.includes('鈴木 一郎（suzuki）') && people.includes('田中 次郎（tanaka）'),
    'those who have not attended, by name');
  assert.ok(!people.includes('佐藤 花子'), 'not one who attended');
  assert.ok((await page.textContent('#people-h')).includes('研修の受講と同意'));
  assert.equal((await page.textContent('#overdue-count')).trim(), '1');
  assert.equal(await page.locator('table.inspections tr.overdue').count(), 1);
  const byClause = await page.textContent('table.inspection-clauses');
  assert.ok(byClause.includes('MIN-9-1-2'), 'the roll-up by clause');
  await shot(page, 'inspection-rollup');
  const csv = await page.request.get(server.url + 'inspections/rollup.csv');
  assert.equal(csv.status(), 200);
  const text = await csv.text();
  assert.ok(text.includes(',条項,') && text.includes('MIN-9-1-2') && text.includes('不適合'));
  await logout(page);
});

// The items a role's holder answers, as the CLI derives them from the profile.
function roleItems(role) {
  return JSON.parse(mamori(ward.data, ['inspection', 'checklist', '--role', role, '--json'])).items
    .map((x) => x.clause);
}

async function japaneseOnly(what) {
  assert.deepEqual(findProblems(await page.evaluate(shownText)), [], `${what}: Japanese only, no raw code`);
}

test('a round by role: staff and the 課長 each answer their own checklist; the roll-up by role', async () => {
  const staffItems = roleItems('staff');
  const headItems = roleItems('security_officer');
  assert.ok(staffItems.includes('MIN-4-1-1-1') && headItems.includes('MIN-BP-1'));
  await login(page, server.url, 'ciso');
  await page.goto(server.url + 'inspections');
  await page.fill('[name="round"]', '令和9年度');
  await page.selectOption('#f-sections', ['zeimu']);
  await page.fill('[name="due"]', day(30));
  await page.selectOption('#f-roles', ['staff', 'security_officer']);
  await submit('form.open-round');
  await page.waitForURL(/\/inspections\?notice=done/);
  await logout(page);
  const mine = ids().filter((s) => s.round === '令和9年度');
  assert.deepEqual(mine.map((s) => s.role).sort(), ['security_officer', 'staff'], 'one per role');
  const staffId = mine.find((s) => s.role === 'staff').id;
  const headId = mine.find((s) => s.role === 'security_officer').id;

  // a staff member sees only the staff checklist of the round, with exactly its items
  await login(page, server.url, 'sato');
  await page.goto(server.url + 'inspections');
  assert.equal(await page.locator('table.inspections tr[data-role="security_officer"]').count(), 0,
    'not the 課長 checklist');
  assert.equal(await page.locator('table.inspections tr[data-role="staff"]').count(), 1);
  await japaneseOnly('the list for staff');
  await page.goto(server.url + 'inspections/' + staffId);
  assert.equal((await page.textContent('#role')).trim(), '職員等');
  assert.deepEqual(await page.locator('table.checklist tr[id]').evaluateAll((rows) => rows.map((r) => r.id)),
    staffItems, 'the staff items, in order');
  await answer('MIN-4-1-1-1', '適合', '研修で周知した', '研修記録');
  await japaneseOnly('the staff checklist');
  // the 課長 checklist opened directly: readable, not theirs to answer
  await page.goto(server.url + 'inspections/' + headId);
  assert.ok(await page.locator('#not-yours').isVisible(), 'says whose it is');
  assert.equal(await page.locator('form.answer').count(), 0, 'no answer forms');
  assert.equal(await page.locator('form.submit').count(), 0, 'nothing to hand in');
  await japaneseOnly('another role\'s checklist');
  await logout(page);

  // the 課長 answers the head's checklist and sees the staff one to sign off
  await login(page, server.url, 'suzuki');
  await page.goto(server.url + 'inspections');
  assert.equal(await page.locator('table.inspections tr[data-role="security_officer"]').count(), 1);
  assert.equal(await page.locator('table.inspections tr[data-role="staff"]').count(), 1);
  await page.goto(server.url + 'inspections/' + headId);
  assert.ok((await page.textContent('#answerers')).includes('鈴木 一郎（suzuki）'));
  assert.deepEqual(await page.locator('table.checklist tr[id]').evaluateAll((rows) => rows.map((r) => r.id)),
    headItems, 'the 課長 items, in order');
  await answer('MIN-BP-1', '不適合', '基本方針の周知が不十分');
  await submit('form.submit');
  assert.equal((await page.textContent('#state')).trim(), '提出済');
  await shot(page, 'inspection-by-role');
  await logout(page);

  // the CISO: the roll-up by role
  await login(page, server.url, 'ciso');
  await page.goto(server.url + 'inspections?round=' + encodeURIComponent('令和9年度'));
  const staffRow = await page.locator('table.inspection-roles tr[data-role="staff"] td').allTextContents();
  const headRow = await page.locator('table.inspection-roles tr[data-role="security_officer"] td')
    .allTextContents();
  // 点検, 確認済, 期限超過, 適合, 不適合, 該当なし, 未回答
  assert.deepEqual(staffRow, ['1', '0', '0', '1', '0', '0', String(staffItems.length - 1)]);
  assert.deepEqual(headRow, ['1', '0', '0', '0', '1', '0', String(headItems.length - 1)]);
  assert.ok((await page.textContent('#roles-h')).includes('役割ごと'));
  await japaneseOnly('the roll-up by role');
  await logout(page);
});
