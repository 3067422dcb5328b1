// logs.test.js: the collected logs in the browser: the CSIRT searches them (監査ログ検索), pages
// through them and downloads them, finds the alert the analysis raised on the dashboard and
// the alert page and acknowledges it; a section's staff sees none of it.
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { login, logout, shot, mamori } = require('./lib');
const { open } = require('./fixture');

let server, page;
before(async () => ({ server, page } = await open({
  prepare(ward) {
    mamori(ward.data, ['role', 'grant', 'tanaka', 'csirt@org']);
    // Collected before the server starts: its analysis reads them when it starts.
    const lines = [];
    for (let i = 0; i < 6; i++) {
      lines.push(`<38>Nov 22 11:46:0${i} web01 sshd[123]: Failed password for root from 203.0.113.5 port 22 ssh2`);
    }
    for (let i = 0; i < 60; i++) {
      lines.push(`<13>1 2026-11-22T01:${String(i).padStart(2, '0')}:00Z db01 cron ${i} - - job ${i} ran`);
    }
    lines.push('this line is not syslog: 課税台帳を開いた');
    mamori(ward.data, ['log', 'import', '--source', 'browser-test'], lines.join('\n') + '\n');
  },
})));

async function go(path) {
  const resp = await page.goto(server.url + path.replace(/^\//, ''));
  return resp;
}

test('the CSIRT searches the collected logs, pages through them and downloads them', async () => {
  await login(page, server.url, 'tanaka');
  assert.equal(await page.locator('nav a[href="/logs"]').count(), 1, '収集ログ in the navigation');
  let resp = await go('/logs');
  assert.equal(resp.status(), 200);
  assert.equal(await page.textContent('h1'), '監査ログ検索');
  assert.ok((await page.textContent('p.summary')).includes('67 件中 1〜50 件目'));
  assert.equal(await page.locator('table.logs tr').count(), 51, 'fifty rows and a header');
  await shot(page, 'logs');
  await page.click('nav.pager a[rel=next]');
  assert.ok((await page.textContent('p.summary')).includes('67 件中 51〜67 件目'));
  // A filter by host, as a person types it.
  await go('/logs');
  await page.fill('#f-host', 'WEB01');
  await Promise.all([page.waitForLoadState('load'), page.click('form.filters button')]);
  assert.ok((await page.textContent('p.summary')).includes('6 件中 1〜6 件目'));
  // A message that is no syslog is found by its text, and marked.
  await go('/logs?q=' + encodeURIComponent('課税台帳'));
  assert.ok((await page.textContent('table.logs')).includes('未解析'));
  // A bad time says what to write.
  await go('/logs?since=yesterday');
  assert.ok((await page.textContent('.notice')).includes('2026-11-22 09:00'));
  // CSV for Excel: BOM, Japanese header, the same filter.
  resp = await page.request.get(server.url + 'logs.csv?host=db01');
  assert.equal(resp.status(), 200);
  const body = await resp.body();
  assert.equal(body.subarray(0, 3).toString('hex'), 'efbbbf', 'UTF-8 BOM');
  const text = body.toString('utf8');
  assert.ok(text.startsWith('\ufeff台帳番号,日時'));
  assert.equal(text.trim().split('\r\n').length, 61, 'a header and sixty rows');
});

test('the analysis raised an alert: dashboard card, alert page, acknowledgement', async () => {
  let resp = await go('/');
  assert.equal(resp.status(), 200);
  // The server's analysis runs as it starts: wait for its alert.
  for (let i = 0; i < 50 && !(await page.textContent('main')).includes('未対応の警告'); i++) {
    await new Promise((r) => setTimeout(r, 200));
    await go('/');
  }
  const card = page.locator('section.card.alerts');
  assert.equal(await card.count(), 1, 'the open-alerts card');
  assert.equal((await card.locator('p.stat').textContent()).trim(), '1');
  assert.ok((await card.textContent()).includes('src_ip=203.0.113.5'));
  await shot(page, 'dashboard-alerts');
  resp = await go('/alerts');
  assert.equal(resp.status(), 200);
  assert.equal(await page.textContent('h1'), '警告');
  assert.ok((await page.textContent('table')).includes('未対応'));
  await shot(page, 'alerts');
  await page.click('table a[href^="/records/"]');
  assert.ok((await page.textContent('main')).includes('認証の失敗の繰り返し'));
  const id = page.url().match(/records\/(\d+)/)[1];
  resp = await go(`/records/${id}/act?action=alert.acknowledge`);
  assert.equal(resp.status(), 200);
  await Promise.all([page.waitForLoadState('load'),
    page.click('form[action$="/act"] button[type=submit]')]);
  resp = await go('/alerts?state=acknowledged');
  assert.ok((await page.textContent('table')).includes('確認済'));
  await logout(page);
});

test('a section\'s staff sees neither logs nor alerts', async () => {
  await login(page, server.url, 'sato');
  assert.equal(await page.locator('nav a[href="/logs"]').count(), 0);
  assert.equal(await page.locator('nav a[href="/alerts"]').count(), 0);
  assert.equal(await page.locator('section.card.alerts').count(), 0);
  assert.equal((await go('/logs')).status(), 403);
  assert.equal((await go('/alerts')).status(), 403);
  assert.equal((await page.request.get(server.url + 'logs.csv')).status(), 403);
  await go('/');
  await logout(page);
});
