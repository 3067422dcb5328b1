// grants.test.js: issue 10 §4 in the browser. The 税務課 security officer gives a person of
// another section and a role held in 区民課 access to a level-3 asset by picking them from lists
// (no text box), sees them by name on the record page, takes one away by unticking it; a role
// picked with where the profile does not hold it is refused with a Japanese reason; the person
// granted then opens the asset.
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { login, logout, shot } = require('./lib');
const { open } = require('./fixture');

let ward, server, page;
before(async () => ({ ward, server, page } = await open()));

const form = () => server.url + `records/${ward.records.zeimu3}/act?action=asset.set_access`;
const submit = () => Promise.all([page.waitForLoadState('load'),
  page.click('form[action$="/act"] button[type=submit]')]);

test('access rights are picked, not typed', async (t) => {
  const id = ward.records.zeimu3;

  await t.test('before any grant 田中 (区民課) does not see the 税務課 level-3 asset', async () => {
    await login(page, server.url, 'tanaka');
    const resp = await page.goto(server.url + `records/${id}`);
    assert.equal(resp.status(), 404);
    await logout(page);
  });

  await t.test('the officer\'s form lists people and roles by name, with no text box', async () => {
    await login(page, server.url, 'suzuki');
    const resp = await page.goto(form());
    assert.equal(resp.status(), 200);
    assert.equal(await page.$('input[type=text][name^="f.access_rights"]'), null);
    const people = await page.$$eval('select[name="f.access_rights.user"] option',
      (os) => os.map((o) => o.textContent));
    assert.ok(people.some((p) => p.startsWith('田中 次郎（tanaka）')), people.join('|'));
    const roles = await page.$$eval('select[name="f.access_rights.role"] option',
      (os) => os.map((o) => o.textContent));
    assert.ok(roles.includes('セキュリティ責任者'), roles.join('|'));
    const scopes = await page.$$eval('select[name="f.access_rights.scope"] option',
      (os) => os.map((o) => o.textContent));
    assert.ok(scopes.includes('全庁') && scopes.includes('区民課'), scopes.join('|'));
    await shot(page, 'grants-form');
  });

  await t.test('a role picked where the profile does not hold it is refused, in Japanese', async () => {
    await page.selectOption('select[name="f.access_rights.role"]', 'security_officer');
    await page.selectOption('select[name="f.access_rights.scope"]', 'org');
    await submit();
    const notice = await page.textContent('main');
    assert.ok(notice.includes('役割「セキュリティ責任者」の範囲は課等です'), notice);
    assert.ok(!/[A-Za-z]{4,} [A-Za-z]{4,}/.test(await page.textContent('.notice.error')),
      'no English sentence');
  });

  await t.test('he picks 田中 and the security officer of 区民課', async () => {
    await page.goto(form());
    await page.selectOption('select[name="f.access_rights.user"]', 'tanaka');
    await page.selectOption('select[name="f.access_rights.role"]', 'security_officer');
    await page.selectOption('select[name="f.access_rights.scope"]', 'section:kumin');
    await submit();
    assert.match(page.url(), /notice=done/);
    const now = await page.textContent('ul.grants');
    assert.ok(now.includes('田中 次郎（tanaka）'), now);
    assert.ok(now.includes('区民課 セキュリティ責任者'), now);
    await shot(page, 'grants-record');
    await logout(page);
  });

  await t.test('田中 now opens the asset', async () => {
    await login(page, server.url, 'tanaka');
    const resp = await page.goto(server.url + `records/${id}`);
    assert.equal(resp.status(), 200);
    await logout(page);
  });

  await t.test('the form shows the grants ticked; unticking 田中 takes his access away', async () => {
    await login(page, server.url, 'suzuki');
    await page.goto(form());
    const box = page.locator('input[type=checkbox][value="user:tanaka"]');
    assert.ok(await box.isChecked());
    assert.ok(await page.locator('input[type=checkbox][value="role:security_officer@section:kumin"]')
      .isChecked());
    await box.uncheck();
    await submit();
    // the record's present grants (its history below still names the earlier ones)
    const now = await page.textContent('ul.grants');
    assert.ok(!now.includes('田中 次郎（tanaka）'), now);
    assert.ok(now.includes('区民課 セキュリティ責任者'), now);
    await logout(page);
    await login(page, server.url, 'tanaka');
    const resp = await page.goto(server.url + `records/${id}`);
    assert.equal(resp.status(), 404);
    await logout(page);
  });
});
