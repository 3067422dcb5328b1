// alerts.test.js: the alert page (警告) and the dashboard's card as the CSIRT and a system
// manager see them, against what the server did: the log analysis's raising fails (a damaged
// database) while five malware alerts are found, two may wait, so three are dropped and two
// are held and tried again, and after six failed tries the analysis is stuck; then raising
// works: the two are raised when tried again, and the three dropped are found again in their
// messages analysed again; then, after a restart, the page shows the five. The server is
// alert-serve: mamori itself, its analysis's raising driven by a file and at most two
// waiting. Every count the page shows is the one the server's log says, and the page says it
// in Japanese only.
'use strict';
const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { login, logout, shot, mamori } = require('./lib');
const { open } = require('./fixture');
const { shownText, findProblems } = require('./scan-lib');

const ALERT_SERVE = process.env.ALERT_SERVE;
let s, ward, server, page, ctl;

before(async () => {
  if (!ALERT_SERVE) throw new Error('ALERT_SERVE must point at tests/browser/alert-serve');
  s = await open({
    server: () => ({
      exe: ALERT_SERVE,
      env: { ALERT_SERVE_MAX_PENDING: '2', ALERT_SERVE_CTL: ctl, ALERT_SERVE_STUCK_MS: '1' },
    }),
    prepare(w) {
      mamori(w.data, ['role', 'grant', 'tanaka', 'csirt@org']);
      mamori(w.data, ['system', 'add', 'kokuho', '--name', '国保システム', '--section', 'zeimu']);
      mamori(w.data, ['role', 'grant', 'suzuki', 'system_manager@system:kokuho']);
      // Five malware findings on five hosts: five alerts, read by the server's analysis as it starts.
      const lines = [];
      for (let i = 1; i <= 5; i++) {
        lines.push(`<35>1 2026-11-22T05:30:0${i}Z av0${i} clamd 1 - - /home/a/x.exe: Win.Test.EICAR_HDB-1 FOUND`);
      }
      mamori(w.data, ['log', 'import', '--source', 'browser-test'], lines.join('\n') + '\n');
      ctl = path.join(w.dir, 'raise');
      fs.writeFileSync(ctl, 'corrupt\n');
    },
  });
  ({ ward, server, page } = s);
});

// Waits (at most 120 s: the retries back off up to a minute) until the server's log matches re.
async function logSays(re) {
  for (let i = 0; i < 600 && !re.test(server.stderr()); i++) await new Promise((r) => setTimeout(r, 200));
  assert.match(server.stderr(), re);
}

// What the server's log says so far.
function said() {
  const log = server.stderr();
  const sum = (re) => [...log.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  return {
    dropped: sum(/the log analysis dropped (\d+) alerts it found: 2 were waiting to be raised, its most, and their raising is failing/g),
    tries: [...log.matchAll(/cannot raise alert 'malware-detected' now/g)].length,
    stuck: /mamori: ERROR: the log analysis has raised no alert for \d+ tries in a row \(since [^;]+; the (\d+) found and not raised are kept/.exec(log),
  };
}

async function go(p) {
  const resp = await page.goto(server.url + p.replace(/^\//, ''));
  assert.equal(resp.status(), 200, p);
}

// Japanese only, no raw code: the page's own check (scan-lib), and no errno name or number.
async function japaneseOnly(what) {
  assert.deepEqual(findProblems(await page.evaluate(shownText)), [], `${what}: Japanese only, no raw code`);
  for (const sel of ['#alerts-stuck', '#alerts-unraised']) {
    if (await page.locator(sel).count()) {
      const t = await page.textContent(sel);
      assert.doesNotMatch(t, /\bE[A-Z]{2,}\b|(?<!\d)-\d+|errno|injected|UTC/, `${what} ${sel}: ${t}`);
    }
  }
}

// The stuck analysis and the counts, as one person sees them; tries between what the log said
// before and after the page was read (a retry may come in between).
async function stuckAndCounts(who) {
  await login(page, server.url, who);
  const before = said();
  await go('/alerts');
  assert.equal(await page.textContent('h1'), '警告');
  const stuck = await page.textContent('#alerts-stuck');
  assert.match(stuck, /^ログの分析は \d{4}-\d\d-\d\d \d\d:\d\d から警告を登録できていません（\d+ 回続けて失敗）。データベースが壊れている可能性があります。.*その間に見つけた警告は 2 件まで保持し/);
  const tries = Number(/（(\d+) 回続けて失敗）/.exec(stuck)[1]);
  // (each try is counted before the server says it: its line may still be on its way here)
  for (let i = 0; i < 100 && said().tries < tries; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(tries >= 6 && tries >= before.tries && tries <= said().tries,
    `${who}: ${tries} tries shown, the log said ${before.tries}..${said().tries}`);
  const after = said();
  const counts = await page.textContent('#alerts-unraised');
  assert.ok(counts.includes(`見つけた警告のうち ${after.dropped} 件は、すでに 2 件が登録を待っていたため保持していません`), counts);
  assert.equal(after.dropped, 3, 'three dropped, as the log says');
  assert.ok(counts.includes(`${after.stuck[1]} 件の警告が登録を待っています`), counts);
  assert.equal(after.stuck[1], '2', 'two held, as the log says');
  assert.ok(!counts.includes('再試行で登録しました'), 'none raised yet');
  assert.equal(await page.textContent('main p:has-text("警告はありません。")'), '警告はありません。');
  await japaneseOnly(`${who} /alerts`);
  await shot(page, `alerts-stuck-${who}`);
  // The dashboard's card says it too.
  await go('/');
  const card = page.locator('section.card.alerts');
  assert.match(await card.locator('#alerts-stuck').textContent(), /データベースが壊れている可能性があります/);
  await japaneseOnly(`${who} /`);
  await logout(page);
}

test('raising fails: three dropped, two held and tried again, the analysis stuck (the CSIRT)', async () => {
  await logSays(/mamori: ERROR: the log analysis has raised no alert for \d+ tries in a row/);
  assert.match(server.stderr(), /the database may be damaged: check it with 'mamori doctor'/);
  // the alerts waiting, each named (a restore loses their messages)
  assert.equal([...server.stderr().matchAll(/has not raised alert 'malware-detected' \(host=av0\d, host 'av0\d'/g)].length, 2);
  await stuckAndCounts('tanaka');
});

test('a system manager sees the same', async () => {
  await stuckAndCounts('suzuki');
});

test('raising works again: the two held are raised when tried again, the three dropped found again', async () => {
  fs.writeFileSync(ctl, 'ok\n');
  await logSays(/the log analysis raises alerts again, after \d+ tries in a row failed/);
  // Then the follower hands the analysis the messages of the three dropped again: raised, and
  // said once they are.
  await logSays(/the log analysis analysed ledger entries \d+ to \d+ again and found 3 of the 3 alerts it had dropped there\n/);
  await login(page, server.url, 'tanaka');
  await go('/alerts');
  // The first raised ends the failures in a row (the log's line); the second held one may
  // come after the three found again, once its own back-off is over (at most a minute).
  const retried = '2 件の警告は、登録に失敗した後、再試行で登録しました。';
  for (let i = 0; i < 240 && !(await page.textContent('#alerts-unraised')).includes(retried); i++) {
    await new Promise((r) => setTimeout(r, 500));
    await go('/alerts');
  }
  assert.equal(await page.locator('#alerts-stuck').count(), 0, 'not stuck any more');
  const counts = await page.textContent('#alerts-unraised');
  assert.ok(counts.includes(retried), counts);
  assert.ok(counts.includes('保持していなかった警告のうち 3 件は、登録できるようになった後、そのログを分析し直して見つけました。'), counts);
  assert.ok(!counts.includes('見つけた警告のうち'), `none held, none lost: ${counts}`);
  assert.ok(!counts.includes('登録を待っています'), counts);
  assert.equal(await page.locator('table tr').count(), 6, 'five alerts and a header');
  await japaneseOnly('/alerts after');
  await shot(page, 'alerts-retried');
  await go('/');
  assert.equal(await page.locator('section.card.alerts #alerts-stuck').count(), 0);
  assert.equal((await page.locator('section.card.alerts p.stat').textContent()).trim(), '5');
  await logout(page);
});

// (Not that a restart raises none twice: its analysis runs after this, and the mark is past
// them by now; tests/unit/ingest/test-pipeline.c dropped_found_again proves that.)
test('after a restart: the five alerts, and the counts start afresh', async () => {
  server = await s.restart();
  const alerts = JSON.parse(mamori(ward.data, ['alert', 'list', '--json']));
  assert.equal(alerts.length, 5, 'each of the five once');
  assert.deepEqual(alerts.map((a) => a.host).sort(), ['av01', 'av02', 'av03', 'av04', 'av05']);
  await login(page, server.url, 'suzuki');
  await go('/alerts');
  assert.equal(await page.locator('#alerts-unraised').count(), 0);
  assert.equal(await page.locator('table tr').count(), 6, 'five alerts and a header');
  await japaneseOnly('/alerts after the restart');
  await logout(page);
});
