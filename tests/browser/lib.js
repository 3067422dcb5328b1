// lib.js: the pieces of a browser test: a fresh ward, a Mamori server on a free loopback port,
// Debian's chromium driven by playwright-core, logging in and out, screenshots, an SMTP sink.
// Nothing is downloaded: chromium is /usr/bin/chromium (bootstrap). fixture.js puts them
// together for a test file and takes them down again.
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  throw new Error('playwright-core is not installed: run scripts/bootstrap (npm ci in tests/browser)');
}

// The Tokyo date changes at 15:00 UTC. A test that works out "today" in Tokyo (tokyoDay) or builds
// a ward whose demo records are dated from today, and compares them later with what mamori
// works out, fails when the date changes in between: a test file that would start in the five
// minutes before it waits until it has changed (tests/cli/lib.sh does the same; the longest file
// takes ~100 s on a quiet machine). At most once per make check, for runs near that moment.
{
  const s = Math.floor(Date.now() / 1000) % 86400;
  const change = 15 * 3600;
  if (s >= change - 300 && s < change) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, (change + 2 - s) * 1000);
  }
}

const MAMORI = process.env.MAMORI;
// The CLI's messages in English whatever the tester's locale (the pages are Japanese anyway).
process.env.MAMORI_LANG = 'en';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'Kawa-Sora-Umi-2026!x';

function mamori(dir, args, input) {
  return execFileSync(MAMORI, ['--dir', dir, ...args], {
    input: input === undefined ? '' : input, encoding: 'utf8',
  });
}

// People of the test ward: login, name, section, roles beyond staff.
const PEOPLE = [
  ['sato', '佐藤 花子', 'zeimu', []],
  ['suzuki', '鈴木 一郎', 'zeimu', ['security_officer@section:zeimu']],
  ['tanaka', '田中 次郎', 'kumin', []],
  ['yamada', '山田 三郎', 'kumin', ['security_officer@section:kumin']],
  ['lockme', '錠 守', 'kumin', []],
];

// Adds people to the ward in data, each with PASSWORD: [login, name, section, roles beyond staff].
function addPeople(data, people) {
  for (const [login, name, section, roles] of people) {
    mamori(data, ['user', 'add', login, '--name', name, '--section', section, '--password-stdin'],
      PASSWORD + '\n');
    for (const role of roles) mamori(data, ['role', 'grant', login, role]);
  }
}

// A new ward in a new temporary directory: `init --profile PROFILE` (with --demo when asked);
// { dir, data, out } (out: what init printed).
function initWard(profile, demo) {
  if (!MAMORI) throw new Error('MAMORI must point at the mamori binary');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mamori-browser-${profile}-`));
  const data = path.join(dir, 'data');
  const out = mamori(data, ['init', '--profile', profile, ...(demo ? ['--demo'] : [])]);
  return { dir, data, out };
}

// The test ward: Minato with PEOPLE and four assets; { dir, data, adminPassword, records }.
function makeWard() {
  const { dir, data, out } = initWard('minato');
  const m = out.match(/password: (\S+)/);
  if (!m) throw new Error('init printed no admin password:\n' + out);
  mamori(data, ['section', 'add', 'zeimu', '--name', '税務課']);
  mamori(data, ['section', 'add', 'kumin', '--name', '区民課']);
  addPeople(data, PEOPLE);
  const add = (who, fields) => JSON.parse(mamori(data, ['record', 'add', 'asset', '--as', who, '--json',
    ...fields.flatMap((f) => ['--field', f])])).record;
  const records = {
    zeimu3: add('sato', ['title=住民税課税台帳', 'level=3', 'section=zeimu', 'access_controlled=true']),
    zeimu3b: add('suzuki', ['title=固定資産税評価資料', 'level=3', 'section=zeimu', 'access_controlled=true']),
    kumin3: add('tanaka', ['title=住民基本台帳', 'level=3', 'section=kumin', 'access_controlled=true']),
    kumin1: add('tanaka', ['title=窓口案内', 'level=1', 'section=kumin', 'access_controlled=true']),
  };
  return { dir, data, adminPassword: m[1], records };
}

// A demo ward of profile (init --demo); { dir, data, pw: {login: password} } read from the
// logins table it prints (the login first, the password last).
function demoWard(profile) {
  const { dir, data, out } = initWard(profile, true);
  const pw = {};
  for (const line of out.split('\n')) {
    const m = line.match(/^([a-z][a-z0-9-]*)\s.*\s([A-Za-z0-9]{5}-[A-Za-z0-9]{5}-[A-Za-z0-9]{5}-[A-Za-z0-9]{5})\s*$/);
    if (m) pw[m[1]] = m[2];
  }
  return { dir, data, pw };
}

// Spawns cmd and resolves to { proc, match, stderr() } once its standard output matches re;
// rejects (and kills it) when it exits first or has not said it within ms.
function spawnUntil(what, cmd, args, env, re, ms) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${what} did not start within ${ms / 1000} s:\n${err}`));
    }, ms);
    proc.stdout.on('data', (b) => {
      out += b;
      const m = out.match(re);
      if (m) { clearTimeout(timer); resolve({ proc, match: m, stderr: () => err }); }
    });
    proc.stderr.on('data', (b) => { err += b; });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited ${code}:\n${err}`)); });
  });
}

// Starts `mamori serve` on a free port; resolves to { url, proc, stderr() }. opts.exe: another
// binary that serves as mamori does (alert-serve), opts.env: more of its environment.
async function startServer(data, opts = {}) {
  const { proc, match, stderr } = await spawnUntil('server', opts.exe || MAMORI,
    ['--dir', data, 'serve', '--listen', '127.0.0.1:0'], { ...process.env, ...(opts.env || {}) },
    /listening on (\S+)/, 90000);
  return { url: match[1], proc, stderr };
}

// Stops a child process with SIGTERM (SIGKILL after 60 s: then the stop fails, as it should: a
// server must stop when told); resolves at once when it has already exited.
function stopProcess(proc, what) {
  return new Promise((resolve, reject) => {
    proc.removeAllListeners('exit');
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${what} did not stop within 60 s of SIGTERM: killed`));
    }, 60000);
    proc.on('exit', () => { clearTimeout(timer); resolve(); });
    proc.kill('SIGTERM');
  });
}

function stopServer(server) {
  return stopProcess(server.proc, 'the server');
}

// Debian's chromium, headless; only loopback traffic. extraArgs: more switches.
function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
      '--disable-default-apps', '--disable-extensions', ...extraArgs],
    timeout: 120000,
  });
}

// A new context of browser (its own cookies and storage: a person at a fresh office PC), in
// Japanese at 1280 x 900 in Tokyo.
async function newContext(browser) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
  });
  // A loaded 2-core machine (several engineers' checks at once) can take longer than playwright's
  // 30 s defaults to render a page; a real failure still fails, only later.
  context.setDefaultTimeout(90000);
  context.setDefaultNavigationTimeout(90000);
  return context;
}

// Who is logged in on each page (login, logout), for the report of a failing test (fixture.js).
const loggedIn = new WeakMap();

function lastLogin(page) {
  return loggedIn.get(page);
}

async function login(page, url, who, password) {
  loggedIn.set(page, who);
  await page.goto(url + 'login');
  await page.fill('#f-login', who);
  await page.fill('#f-password', password || PASSWORD);
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/login"] button[type=submit]')]);
}

async function logout(page) {
  loggedIn.delete(page);
  await page.click('form.logout button');
  await page.waitForURL(/\/login/);
}

// Saves a full-page screenshot for people to look at (the build's browser-shots directory);
// timeout: at most so many ms (else the context's default).
async function shot(page, name, timeout) {
  const dir = path.join(process.env.MAMORI_BUILDDIR || os.tmpdir(), 'browser-shots');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name + '.png'), fullPage: true, timeout });
}

// Is Debian's python3-aiosmtpd there (bootstrap installs it)?
function hasAiosmtpd() {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import aiosmtpd'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    return false;
  }
}

// A real SMTP server (tests/lib/smtp-sink.py) that keeps each message in dir; { proc, port }.
async function startSink(dir) {
  const { proc, match } = await spawnUntil('the SMTP sink', '/usr/bin/python3',
    [path.join(__dirname, '..', 'lib', 'smtp-sink.py'), dir], process.env, /listening on 127\.0\.0\.1:(\d+)/, 30000);
  return { proc, port: Number(match[1]) };
}

// The day in Asia/Tokyo offset days from today, as YYYY-MM-DD.
function tokyoDay(offset) {
  const d = new Date(Date.now() + 9 * 3600 * 1000 + offset * 86400 * 1000);
  return d.toISOString().slice(0, 10);
}

module.exports = {
  mamori, addPeople, initWard, makeWard, demoWard, startServer, stopServer, stopProcess, launchBrowser, newContext,
  login, logout, lastLogin, shot, PASSWORD, hasAiosmtpd, startSink, tokyoDay,
};
