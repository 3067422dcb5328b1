// audit-steps.test.js: an audit's own steps in both demo wards, as their people do them in
// Chromium (docs/audits.md). Minato (9(1)④⑤): the system chief conducts the demo's audit of
// 税務課 and reports it; the CISO's dashboard asks for the report's evaluation, which the CISO
// records; the chief's improvement plan answers it. Shinjuku (第7 1(1)(2)): the CIO conducts the
// audit and reports its result to 情報化戦略本部, whose member is shown it on the dashboard and
// records its use in the review. The audits page shows each text under its name.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { mamori, login, logout, shot } = require('./lib');
const { open } = require('./fixture');

// Does action on the audit's page (/records/N), filling its text field when given.
async function step(page, url, audit, action, field, text) {
  await page.goto(url + `records/${audit}`);
  await page.click(`#actions ~ ul.actions a[href*="action=${action}"]`);
  if (field) await page.fill(`[name="f.${field}"]`, text);
  await Promise.all([page.waitForURL(/\/records\/\d+\?notice=done/), page.click('form.card button[type=submit]')]);
}

for (const profile of ['minato', 'shinjuku']) {
  test(`${profile}: the audit is conducted and reported${profile === 'minato' ? ', and the CISO evaluates it' : ''}`, async (t) => {
    let audit;
    const { ward, server, page } = await open({
      demo: profile,
      prepare(w) { audit = JSON.parse(mamori(w.data, ['audit', 'list', '--json']))[0].id; },
    }, t);
    // Minato: the system chief (情報政策課長) reports to the CISO; Shinjuku: the CIO reports
    const reporter = profile === 'minato' ? 'joho-kacho' : 'fukukucho';
    const reportField = profile === 'minato' ? 'report' : 'result';
    await login(page, server.url, reporter, ward.pw[reporter]);
    await step(page, server.url, audit, 'audit.conduct');
    await step(page, server.url, audit, 'audit.report', reportField, '複製の記録に不備が1件');
    await page.goto(server.url + 'audits');
    let card = await page.textContent(`#audit-${audit}`);
    assert.ok(card.includes('報告済') && card.includes('複製の記録に不備が1件'), 'reported, its text shown');
    await shot(page, `audit-reported-${profile}`);
    await logout(page);
    if (profile === 'shinjuku') {
      const shown = JSON.parse(mamori(ward.data, ['audit', 'show', String(audit), '--json']));
      assert.equal(shown.fields.result, '複製の記録に不備が1件');
      // 第7 1(2): a member of 情報化戦略本部 (総務部長) is shown the result on the dashboard and
      // records how the review's deliberation will use it
      await login(page, server.url, 'somubucho', ward.pw.somubucho);
      assert.ok((await page.textContent('#audit-reports-h')).includes('報告を受けた監査の結果'));
      await shot(page, 'audit-hq-card');
      await Promise.all([page.waitForLoadState('load'),
        page.click(`a[href="/records/${audit}/act?action=audit.receive"]`)]);
      await page.fill('[name="f.hq_use"]', '次回の見直しの審議で複製の手続を取り上げる');
      // the review case the HQ deliberates it in (the CIO proposed it, 第7 3)
      const review = Number(mamori(ward.data, ['record', 'add', 'policy_review', '--field', 'title=複製の手続の見直し',
        '--field', 'inputs=監査の結果', '--field', 'draft=' + '0'.repeat(64), '--as', 'fukukucho']).trim());
      assert.ok(review > 0, 'a policy review to name');
      assert.ok((await page.textContent('form.card')).includes('審議した見直しの事案'), 'the form asks for it');
      await page.fill('[name="f.review"]', String(review));
      await Promise.all([page.waitForURL(/\/records\/\d+\?notice=done/), page.click('form.card button[type=submit]')]);
      assert.equal(await page.locator(`main a[href="/records/${review}"]`).count() >= 1, true,
        'the audit links the review it was deliberated in');
      await page.goto(server.url);
      assert.equal(await page.locator('#audit-reports-h').count(), 0, 'nothing left to receive');
      await page.goto(server.url + 'audits');
      card = await page.textContent(`#audit-${audit}`);
      assert.ok(card.includes('本部受理') && card.includes('次回の見直しの審議で複製の手続を取り上げる'),
        'received, its use shown: ' + card);
      await logout(page);
      const received = JSON.parse(mamori(ward.data, ['audit', 'show', String(audit), '--json']));
      assert.equal(received.state, 'received');
      assert.equal(String(received.fields.review), String(review));
      return;
    }
    // the CISO (副区長) is asked for the evaluation on the dashboard
    await login(page, server.url, 'fukukucho', ward.pw.fukukucho);
    assert.ok((await page.textContent('#audit-reports-h')).includes('評価を待つ監査報告書'));
    await Promise.all([page.waitForLoadState('load'),
      page.click(`a[href="/records/${audit}/act?action=audit.evaluate"]`)]);
    await page.fill('[name="f.evaluation"]', '複製の手続の周知が不十分。改善を指示する');
    await Promise.all([page.waitForURL(/\/records\/\d+\?notice=done/), page.click('form.card button[type=submit]')]);
    await page.goto(server.url);
    assert.equal(await page.locator('#audit-reports-h').count(), 0, 'nothing left to evaluate');
    await logout(page);
    await login(page, server.url, reporter, ward.pw[reporter]);
    await step(page, server.url, audit, 'audit.plan_improvement', 'improvement_plan', '手続を課内に周知する');
    await page.goto(server.url + 'audits');
    card = await page.textContent(`#audit-${audit}`);
    assert.ok(card.includes('改善中') && card.includes('複製の手続の周知が不十分') && card.includes('手続を課内に周知する'),
      'the evaluation and the improvement plan shown');
    await shot(page, 'audit-evaluated');
    await logout(page);
    const duties = JSON.parse(mamori(ward.data, ['duty', 'list', '--json']));
    assert.deepEqual(duties.filter((x) => x.duty === 'audit').map((x) => x.last_done_by), ['fukukucho'],
      "the CISO's yearly duty is fulfilled by the evaluation");
  });
}
