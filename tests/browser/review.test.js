// review.test.js: a policy review case's page (/policy/reviews/N; docs/audits.md "The policy
// review"; MIN-10). The case gathers its inputs from the ward's records — audits and findings,
// incidents, self-inspections and their nonconformities, coverage gaps — and every figure links
// to the entries it counts; the draft attached to the case is replayed against the ledger
// decision by decision (each linking its ledger entry) and clause by clause. Seen by the CISO and
// by an auditor (who sees only the inputs the read rules give them).
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { mamori, addPeople, login, logout, shot } = require('./lib');
const { open } = require('./fixture');
const { shownText, findProblems } = require('./scan-lib');

let server, ctx, page, review, copyRecord;

function day(n) {
  const d = new Date(Date.now() + 9 * 3600e3 + n * 86400e3);
  return d.toISOString().slice(0, 10);
}

function hoursAgo(n) {
  const d = new Date(Date.now() + 9 * 3600e3 - n * 3600e3);
  return d.toISOString().slice(0, 16) + ':00+09:00';
}

before(async () => ({ server, ctx, page } = await open({
  prepare(w) {
    mamori(w.data, ['section', 'add', 'joho', '--name', '情報政策課']);
    addPeople(w.data, [['ciso', '統括 責任者', 'joho', ['ciso@org']], ['chief', '統括 管理', 'joho', ['system_chief@org']],
      ['kansa', '監査 一', 'joho', ['auditor@org']]]);
    // a decision the draft will change: a level 3 copy asks its officer today
    copyRecord = w.records.zeimu3;
    mamori(w.data, ['act', String(copyRecord), 'asset.copy', '--as', 'sato']);
    const audit = JSON.parse(mamori(w.data, ['audit', 'plan', '--title', '税務課監査', '--section', 'zeimu',
      '--team', 'kansa', '--as', 'chief', '--json'])).id;
    mamori(w.data, ['audit', 'finding', 'add', String(audit), '--clause', 'MIN-3-3-3', '--severity', 'major',
      '--text', '承認の記録が不足', '--as', 'kansa']);
    mamori(w.data, ['incident', 'report', '--title', '誤送信', '--found-at', hoursAgo(2), '--as', 'sato']);
    const insp = JSON.parse(mamori(w.data, ['inspection', 'open', '--round', '令和8年度', '--section', 'zeimu',
      '--due', day(30), '--items', 'MIN-3-2-1,MIN-9-1-2', '--as', 'chief', '--json']))[0].id;
    mamori(w.data, ['inspection', 'answer', String(insp), '--clause', 'MIN-9-1-2', '--result', '不適合',
      '--note', '記録がない', '--as', 'sato']);
    // the draft: a level 3/2 copy needs no approval any more
    let text = fs.readFileSync(path.join(__dirname, '..', '..', 'policies', 'minato.yaml'), 'utf8');
    const old = '  - id: copy-l32-needs-so\n    on: [asset.copy, asset.send_media, asset.transmit]\n';
    assert.ok(text.includes(old));
    text = text.replace(old, '  - id: copy-l32-by-staff\n    on: asset.copy\n' +
      '    when: {level: ["3", "2"], actor: {role: staff, at: record}}\n    effect: allow\n    clause: MIN-3-3-3\n' +
      '  - id: copy-l32-needs-so\n    on: [asset.send_media, asset.transmit]\n');
    const draft = path.join(w.dir, '案.yaml');
    fs.writeFileSync(draft, text);
    const sha = crypto.createHash('sha256').update(text).digest('hex');
    review = JSON.parse(mamori(w.data, ['record', 'add', 'policy_review', '--field', 'title=複製の手続の見直し',
      '--field', 'inputs=見直しの事案の画面に集めたもの', '--field', `draft=${sha}`, '--as', 'chief', '--json'])).record;
    mamori(w.data, ['attach', 'add', `record:${review}`, draft, '--as', 'chief']);
  },
})));

// Every figure of the inputs equals the number of entries of the list it links to.
async function figuresMatchLists() {
  const figures = await page.locator('table.review-inputs a.figure').evaluateAll((as) =>
    as.map((a) => ({ n: Number(a.textContent), list: a.dataset.list, href: a.getAttribute('href') })));
  assert.equal(figures.length, 8);
  const counted = {};
  for (const f of figures) {
    assert.equal(f.href, '#' + f.list);
    const items = await page.locator(`#${f.list} > li`).count();
    if (f.list === 'findings') {
      // 指摘事項, 未完了, 改善の期限超過: the list holds every finding; the open and overdue ones
      // are marked by their state
      counted[f.list] = counted[f.list] || [];
      counted[f.list].push(f.n);
      assert.ok(f.n <= items);
    } else {
      assert.equal(f.n, items, `${f.list}: figure = its entries`);
    }
  }
  assert.equal(counted.findings[0], await page.locator('#findings > li').count(), 'all findings listed');
  assert.equal(counted.findings[1], await page.locator('#findings > li:not([data-state="closed"])').count());
  assert.equal(counted.findings[2], await page.locator('#findings > li.overdue').count());
  return Object.fromEntries(figures.map((f) => [f.list, f.n]));
}

async function japaneseOnly(what) {
  assert.deepEqual(findProblems(await page.evaluate(shownText)), [], `${what}: Japanese only, no raw code`);
}

test('the CISO reads the review: inputs gathered and linked, the draft replayed', async () => {
  await login(page, server.url, 'ciso');
  await page.goto(server.url + `records/${review}`);
  await Promise.all([page.waitForLoadState('load'), page.click('a.review-inputs')]);
  assert.match(page.url(), new RegExp(`/policy/reviews/${review}$`));
  const n = await figuresMatchLists();
  assert.deepEqual([n.audits, n.incidents, n.inspections, n.nonconform], [1, 1, 1, 1]);
  assert.ok(n.gaps > 0, 'the shipped profile has gaps');
  // a figure leads to its entries, an entry to its record
  await page.click('table.review-inputs a[href="#nonconform"]');
  assert.match(page.url(), /#nonconform$/);
  assert.match(await page.getAttribute('#nonconform > li > a >> nth=0', 'href'), /^\/inspections\/\d+#MIN-9-1-2$/);
  assert.match(await page.getAttribute('#gaps > li > a >> nth=0', 'href'), /^\/report\/compliance\/clause\?id=/);
  // the replay: exactly the level 3 copy changes, from the officer's approval to allowed
  assert.ok((await page.textContent('#replay-summary')).includes('1 件が変わります'));
  const rows = page.locator('#replay-decisions tr[id^="act-"]');
  assert.equal(await rows.count(), 1);
  const before = await rows.locator('td.before').textContent();
  assert.ok(before.includes('承認：') && before.includes('セキュリティ責任者・税務課'), before);
  assert.ok((await rows.locator('td.after').textContent()).startsWith('許可'));
  assert.equal(await page.locator('#replay-clauses tr[data-clause="MIN-3-3-3"]').count(), 1);
  await japaneseOnly('the review for the CISO');
  await shot(page, 'policy-review');
  // its ledger entry opens
  const entry = await rows.locator('td >> nth=0 >> a').getAttribute('href');
  const res = await page.goto(server.url + entry.slice(1));
  assert.equal(res.status(), 200);
  await logout(page);
});

test('an auditor reads the review: the inputs the read rules give them', async () => {
  await ctx.clearCookies();
  await login(page, server.url, 'kansa');
  const res = await page.goto(server.url + `policy/reviews/${review}`);
  assert.equal(res.status(), 200);
  const n = await figuresMatchLists();
  assert.equal(n.audits, 1, 'the audit they are on');
  assert.ok((await page.textContent('#findings')).includes('承認の記録が不足'));
  assert.equal(await page.locator('#replay-decisions tr[id^="act-"]').count(), 1);
  await japaneseOnly('the review for an auditor');
  // a finding's entry opens its record
  await Promise.all([page.waitForLoadState('load'), page.click('#findings > li > a >> nth=0')]);
  assert.match(page.url(), /\/records\/\d+$/);
  await logout(page);
  // a section's staff may not read the case
  await login(page, server.url, 'sato');
  assert.equal((await page.goto(server.url + `policy/reviews/${review}`)).status(), 404);
  await logout(page);
});
