// scan.test.js: every page each person of the Minato demo ward reaches from the menus, in
// Japanese, shows no English sentence and no raw code (a message catalog miss, an id where a
// name belongs), and has no serious or critical accessibility violation (axe-core, WCAG 2.2 A/AA).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const lib = require('./lib.js');
const scan = require('./scan-lib.js');

const ADMIN_PW = 'Kanri-Hoshi-Tsuki-2026!z';
// The people of the demo ward whose pages differ: administrator, CISO, CSIRT, auditor, a 課長,
// staff (the system chief and a deputy see what the CISO and the 課長 see).
const PEOPLE = ['admin', 'fukukucho', 'joho-2', 'kaikei-1', 'zeimu-kacho', 'zeimu-1'];
const MAX_PAGES = 45; // kinds of page per person
const PER_SECTION = 5; // of one first path segment (5 of the 30 registers' lists, ...)

let dir, data, server, browser;
const passwords = {};

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-scan-'));
  data = path.join(dir, 'data');
  const out = lib.mamori(data, ['init', '--profile', 'minato', '--demo']);
  for (const line of out.split('\n')) {
    const m = line.match(/^(\S+)\s.*\s(\S{5}-\S{5}-\S{5}-\S{5})\s*$/);
    if (m) passwords[m[1]] = m[2];
  }
  lib.mamori(data, ['user', 'passwd', 'admin', '--password-stdin'], ADMIN_PW + '\n');
  passwords.admin = ADMIN_PW;
  server = await lib.startServer(data);
  browser = await lib.launch(dir);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await lib.stopServer(server);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the demo ward printed a password for each person walked', () => {
  for (const who of PEOPLE) assert.ok(passwords[who], `no password for ${who} in init's output`);
});

test('every page each person reaches is Japanese throughout and accessible', async () => {
  const problems = [];
  const axed = new Set(); // each kind of page is checked by axe once, by the first who sees it
  const page = await browser.newPage();
  for (const who of PEOPLE) {
    await lib.login(page, server.url, who, passwords[who]);
    assert.doesNotMatch(page.url(), /\/login/, `${who} could not log in`);
    const seen = await scan.walk(page, server.url, MAX_PAGES, async (p, url, status) => {
      if (status >= 500) problems.push(`${who} ${url}: status ${status}`);
      for (const x of scan.findProblems(await p.evaluate(scan.shownText)))
        problems.push(`${who} ${url}: ${x}`);
      const kind = url.replace(/\/\d+(?=\/|\?|$)/g, '/N').replace(/\?.*/, '');
      if (!axed.has(kind)) {
        axed.add(kind);
        for (const x of await scan.axeProblems(p)) problems.push(`${who} ${url}: ${x}`);
      }
    }, PER_SECTION);
    assert.ok(seen.length >= 5, `${who} reached only ${seen.length} pages: ${seen.join(' ')}`);
    await lib.logout(page);
  }
  await page.close();
  const unique = [...new Set(problems)];
  assert.equal(unique.length, 0, `${unique.length} problems:\n${unique.join('\n')}`);
});
