// risks-shinjuku.test.js: Shinjuku's リスク管理 (第2 2) in the browser, on the demo ward. 税務課's
// 情報セキュリティ責任者 assesses 情報の漏えい (第1 3(3)) for a Class I asset with a measure of the
// ward's standards: Mamori computes the residual and the page says the assessor confirmed it;
// reassessing, the officer raises it with a reason and transfers the risk (移転), which puts it
// above the ward's threshold: the officer's acceptance is refused with the clause and the
// 情報化統括管理者 (CIO) accepts it from the ward-wide register with its heat maps. The register
// prints and downloads as CSV for Excel; 区民課's officer sees none of 税務課's risks. A risk of the
// whole section (災害 to 税務課 itself, not one record) is assessed and accepted by its officer
// from the same form, and the CIO's register and paper name it 税務課（課等全体）.
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { mamori, login, logout, shot } = require('./lib');
const { open } = require('./fixture');

// The Shinjuku demo ward; the logins' passwords from init's table (ward.pw).
let ward, server, page;
before(async () => ({ ward, server, page } = await open({ demo: 'shinjuku' })));

async function submit(form) {
  await Promise.all([page.waitForLoadState('load'), page.click(`${form} button[type=submit]`)]);
}

function japaneseOnly(text) {
  for (const w of ['Risk', 'Residual', 'Inherent', 'likelihood', 'assessed', 'accepted', 'confirmed',
    'raised', 'duty_overdue', 'not_allowed', 'Print view']) {
    assert.ok(!text.includes(w), `no '${w}' on the page`);
  }
}

test('shinjuku: the officer assesses, confirms then raises; the CIO accepts above the threshold', async () => {
  const assets = JSON.parse(mamori(ward.data, ['record', 'list', 'asset', '--section', 'zeimu',
    '--level', 'I', '--json']));
  const asset = assets.find((a) => a.fields.title === '固定資産課税台帳') || assets[0];
  assert.ok(asset, 'the demo has a Class I asset of 税務課');

  await login(page, server.url, 'zeimu-kacho', ward.pw['zeimu-kacho']);
  await page.goto(server.url + 'risks');
  assert.ok((await page.textContent('#f-threat')).includes('漏えい'), 'the threats of 第1 3');
  await page.fill('form.assess [name="target"]', String(asset.id));
  await page.selectOption('#f-threat', 'leakage');
  await page.selectOption('#f-likelihood', '4');
  await page.selectOption('#f-impact', '5');
  await page.fill('form.assess [name="measures"]', 'SHJ-5-1-2');
  await submit('form.assess');
  await page.waitForURL(/\/risks\/\d+\?notice=done/);
  const id = page.url().match(/\/risks\/(\d+)/)[1];
  assert.equal((await page.textContent('dd.inherent')).trim(), '4 × 5 = 20');
  const computed = parseInt((await page.textContent('dd.computed')).trim(), 10);
  assert.ok(computed >= 5 && computed <= 20, `computed ${computed}`);
  assert.ok((await page.textContent('dd.computed')).includes('評価者が確認した'), 'the officer confirmed it');
  assert.ok((await page.textContent('tr[data-clause="SHJ-5-1-2"]')).includes('SHJ-5-1-2'));
  japaneseOnly(await page.textContent('main'));
  await shot(page, 'risk-shinjuku-assessed');

  // reassess: raise the residual with a reason, transfer the risk
  await page.selectOption('form.assess #f-treatment', '移転');
  await page.fill('form.assess [name="residual"]', '20');
  await page.fill('form.assess [name="reason"]', '委託先のクラウドに保管しているため');
  await submit('form.assess');
  await page.waitForURL(/\/risks\/\d+\?notice=done/);
  assert.equal(page.url().match(/\/risks\/(\d+)/)[1], id, 'the same risk, reassessed');
  assert.ok((await page.textContent('dd.residual strong')).includes('20'));
  assert.ok((await page.textContent('dd.computed')).includes('引き上げた'), 'raised, and the page says so');
  assert.ok((await page.textContent('dl.facts')).includes('委託先のクラウドに保管しているため'), 'with the reason');
  assert.ok((await page.textContent('dl.facts')).includes('移転'), 'and the treatment');
  assert.ok((await page.textContent('main')).includes('組織の責任者'), 'above the threshold: the organisation accepts');
  await submit('form.accept');
  assert.equal(page.url().includes('notice=done'), false, 'the officer may not accept 20');
  const refusal = await page.textContent('main');
  assert.ok(refusal.includes('SHJ-') && refusal.includes('拒否'), refusal);
  await logout(page);

  // 区民課's officer reads none of 税務課's risks
  await login(page, server.url, 'kumin-kacho', ward.pw['kumin-kacho']);
  await page.goto(server.url + 'risks');
  assert.equal(await page.locator(`table.risks tr[data-risk="${id}"]`).count(), 0, 'not in their register');
  const resp = await page.goto(server.url + `risks/${id}`);
  assert.equal(resp.status(), 404);
  await logout(page);

  // the CIO: the ward-wide register, its heat maps, the acceptance, paper and Excel
  await login(page, server.url, 'fukukucho', ward.pw.fukukucho);
  await page.goto(server.url + 'risks');
  assert.equal(await page.locator('figure.heat-map svg[role="img"]').count(), 2, 'inherent and residual side by side');
  const residualMap = await page.textContent('#heat-residual desc');
  assert.ok(residualMap.includes('起こりやすさ4×影響5'), residualMap);
  const row = await page.textContent(`table.risks tr[data-risk="${id}"]`);
  assert.ok(row.includes('税務課') && row.includes('20'), row);
  japaneseOnly(await page.textContent('main'));
  await shot(page, 'risks-shinjuku-cio');
  await page.goto(server.url);
  assert.ok((await page.textContent('section.risks-card')).includes('固定資産課税台帳'),
    'the dashboard lists the residual above the threshold nobody accepted');
  await page.goto(server.url + `risks/${id}`);
  await submit('form.accept');
  await page.waitForURL(/notice=done/);
  assert.ok((await page.textContent('p.accepted')).includes('高橋 修（副区長）'), 'the CIO by name and title');
  assert.ok((await page.textContent('dd.state')).includes('受容済'));

  await page.goto(server.url + 'risks?section=zeimu');
  await Promise.all([page.waitForLoadState('load'), page.click('a[href="/risks/print?section=zeimu"]')]);
  assert.equal(await page.locator('main form').count(), 0, 'no form on paper');
  const printed = await page.textContent(`table.risks tr[data-risk="${id}"]`);
  assert.ok(printed.includes('移転') && printed.includes('受容済') && printed.includes('SHJ-5-1-2'), printed);
  assert.ok(printed.includes('高橋 修（副区長）') && !printed.includes('fukukucho'), 'the acceptor by name, not login');
  japaneseOnly(await page.textContent('main'));
  await shot(page, 'risks-shinjuku-print');
  const csv = await page.request.get(server.url + 'risks.csv?section=zeimu&encoding=utf-8');
  assert.equal(csv.status(), 200);
  const body = await csv.body();
  assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM for Excel');
  const text = body.toString('utf8');
  assert.ok(text.includes('番号,脅威,対象の記録'), 'Japanese headings');
  assert.ok(text.split('\n').some((l) => l.startsWith(`${id},`) && l.includes('委託先のクラウドに保管しているため')),
    'the risk with its reason');
  const sjis = await page.request.get(server.url + 'risks.csv?section=zeimu&encoding=cp932');
  assert.equal(sjis.status(), 200);
  assert.ok((await sjis.body()).includes(Buffer.from([0x94, 0xd4, 0x8d, 0x86])), '番号 in Shift_JIS');
  await logout(page);
});

test('shinjuku: a risk of the whole section, assessed and accepted by its officer', async () => {
  await login(page, server.url, 'zeimu-1', ward.pw['zeimu-1']);
  await page.goto(server.url + 'risks');
  await page.selectOption('form.assess #f-section', 'zeimu');
  await page.selectOption('#f-threat', 'outage');
  await page.selectOption('#f-likelihood', '2');
  await page.selectOption('#f-impact', '3');
  await submit('form.assess');
  assert.equal(page.url().includes('/risks/'), false, 'staff may not assess their section');
  assert.ok((await page.textContent('main')).includes('SHJ-2-2'), 'the refusal cites 第2 2');
  await logout(page);

  await login(page, server.url, 'zeimu-kacho', ward.pw['zeimu-kacho']);
  await page.goto(server.url + 'risks');
  await page.fill('form.assess [name="target"]', '1');
  await page.selectOption('form.assess #f-section', 'zeimu');
  await page.selectOption('#f-threat', 'outage');
  await page.selectOption('#f-likelihood', '2');
  await page.selectOption('#f-impact', '3');
  await submit('form.assess');
  assert.equal(page.url().includes('/risks/'), false, 'a record and a section at once is turned down');
  assert.ok((await page.textContent('main')).includes('どちらか一方'), 'saying one of the two');
  await page.goto(server.url + 'risks');
  await page.selectOption('form.assess #f-section', 'zeimu');
  await page.selectOption('#f-threat', 'outage');
  await page.selectOption('#f-likelihood', '2');
  await page.selectOption('#f-impact', '3');
  await submit('form.assess');
  await page.waitForURL(/\/risks\/\d+\?notice=done/);
  const id = page.url().match(/\/risks\/(\d+)/)[1];
  assert.ok((await page.textContent('dl.facts')).includes('税務課（課等全体）'), 'assessed for the whole section');
  assert.equal((await page.textContent('dd.inherent')).trim(), '2 × 3 = 6');
  assert.equal(await page.locator('dl.facts a[href="/risks?section=zeimu"]').count(), 1, 'linking the section\'s register');
  japaneseOnly(await page.textContent('main'));
  await submit('form.accept');
  await page.waitForURL(/notice=done/);
  assert.ok((await page.textContent('p.accepted')).includes('池田 勝（税務課長）'), 'accepted by the officer, by name');
  await shot(page, 'risk-shinjuku-section');
  await logout(page);

  await login(page, server.url, 'fukukucho', ward.pw.fukukucho);
  await page.goto(server.url + 'risks');
  const row = await page.textContent(`table.risks tr[data-risk="${id}"]`);
  assert.ok(row.includes('税務課（課等全体）'), row);
  const inherent = await page.textContent('#heat-inherent desc');
  assert.ok(inherent.includes('起こりやすさ2×影響3：1件'), `the section's risk is on the heat map: ${inherent}`);
  await page.goto(server.url + 'risks/print');
  const printed = await page.textContent(`table.risks tr[data-risk="${id}"]`);
  assert.ok(printed.includes('税務課（課等全体）') && printed.includes('池田 勝（税務課長）'), printed);
  await logout(page);

  await login(page, server.url, 'kumin-kacho', ward.pw['kumin-kacho']);
  await page.goto(server.url + 'risks');
  assert.equal(await page.locator(`table.risks tr[data-risk="${id}"]`).count(), 0, "not in 区民課's register");
  await logout(page);
});
