// fixture.js: the set-up and tear-down every browser test file shares (docs/testing.md "Browser
// tests"). open() builds a ward, serves it and opens a page on it in the file's one Chromium:
//
//   let ward, server, page;
//   before(async () => ({ ward, server, page } = await open({ prepare(w) { mamori(w.data, ...); } })));
//
// What open() started is stopped and removed after the file's last test, or when its test ends
// when the test is given (open(opts, t): a ward per test), whether the tests pass or fail; and
// when the file is killed (SIGTERM, SIGINT, SIGHUP: meson's timeout, ^C). A failing test (or
// step) says where it was: the page's address, who is logged in on it, the server's last log
// lines and a screenshot (BUILDDIR/browser-shots/failed-NAME.png); one still running after 240 s
// says where it is.
'use strict';
const { after, afterEach, beforeEach } = require('node:test');
const fs = require('node:fs');
const path = require('node:path');
const lib = require('./lib');

const sessions = new Set(); // opened and not yet closed
// The file's Chromium: launched by the first open() before it makes the ward, so that it starts
// while the server does (the ward's CLI commands block this process; the server's start does
// not), and closed after the last test.
let browser = null; // a promise
let browserArgs = null;

// The SMTP configuration of a ward whose mail goes to the sink on port.
const smtpConf = (port) => `[smtp]\nhost = 127.0.0.1\nport = ${port}\nstarttls = no\n` +
  'from = isms@city.example.lg.jp\n[notify]\ninterval = 10\n';

// Opens a session: { ward, server, ctx, page, mailDir, restart(), recipients() }.
//   opts.demo: a demo ward of that profile (lib.demoWard: ward.pw, the printed passwords);
//   opts.bare: `init --profile minato` and nothing more (the file adds its own people);
//   else lib.makeWard()'s test ward (its PEOPLE and four assets, ward.records).
//   opts.prepare(ward): what the ward needs before its server starts (CLI commands).
//   opts.mail: with python3-aiosmtpd, an SMTP sink the ward's mail goes to (mailDir; null without).
//   opts.server: lib.startServer's options (another binary, more environment), or a function
//   that returns them (called at each start, after prepare).
//   opts.args: Chromium's switches, the same for every session of the file.
// t: the test the session belongs to (closed when it ends); without it, the file.
async function open(opts = {}, t) {
  const s = { ward: null, server: null, ctx: null, page: null, sink: null, mailDir: null };
  sessions.add(s);
  if (t) t.after(() => close(s));
  const args = opts.args || [];
  if (!browser) {
    browserArgs = args.join(' ');
    browser = lib.launchBrowser(args);
    browser.catch(() => {}); // its error is thrown below, where it is awaited
  } else if (args.join(' ') !== browserArgs) {
    throw new Error(`one Chromium per file: switches '${args.join(' ')}' after '${browserArgs}'`);
  }
  s.ward = opts.demo ? lib.demoWard(opts.demo) : opts.bare ? lib.initWard('minato') : lib.makeWard();
  if (opts.prepare) await opts.prepare(s.ward);
  if (opts.mail && lib.hasAiosmtpd()) {
    s.mailDir = path.join(s.ward.dir, 'mail');
    s.sink = await lib.startSink(s.mailDir);
    fs.writeFileSync(path.join(s.ward.data, 'mamori.conf'), smtpConf(s.sink.port));
  }
  const serve = () => lib.startServer(s.ward.data,
    typeof opts.server === 'function' ? opts.server(s.ward) : opts.server);
  s.server = await serve();
  // Stops the server and starts it again as before; resolves to the new server (s.server).
  s.restart = async () => {
    const old = s.server;
    s.server = null;
    await lib.stopServer(old);
    s.server = await serve();
    return s.server;
  };
  // Waits (at most ms) until a message to an address containing needle has reached the sink;
  // resolves to the recipients of every message so far.
  s.recipients = async (needle, ms) => {
    const all = () => (fs.existsSync(s.mailDir) ? fs.readdirSync(s.mailDir) : [])
      .filter((f) => f.endsWith('.rcpt')).map((f) => fs.readFileSync(path.join(s.mailDir, f), 'utf8')).join('');
    for (const deadline = Date.now() + ms; Date.now() < deadline && !all().includes(needle);) {
      await new Promise((r) => setTimeout(r, 250));
    }
    return all();
  };
  s.ctx = await lib.newContext(await browser);
  s.page = await s.ctx.newPage();
  return s;
}

// Closes what a session started, each part whatever became of the others; throws the first
// error once all is done (a server that would not stop fails the file).
async function close(s) {
  if (!sessions.delete(s)) return;
  const errors = [];
  const attempt = async (f) => { try { await f(); } catch (e) { errors.push(e); } };
  if (s.ctx) await attempt(() => s.ctx.close());
  if (s.server) await attempt(() => lib.stopServer(s.server));
  if (s.sink) await attempt(() => lib.stopProcess(s.sink.proc, 'the SMTP sink'));
  if (s.ward) await attempt(() => fs.rmSync(s.ward.dir, { recursive: true, force: true }));
  if (errors.length) throw errors[0];
}

after(async () => {
  const errors = [];
  for (const s of [...sessions]) await close(s).catch((e) => errors.push(e));
  if (browser) await browser.then((b) => b.close()).catch((e) => errors.push(e));
  browser = null;
  if (errors.length) throw errors[0];
});

// Where each open session is: its ward, its page's address and who is logged in there.
function where(s) {
  const lines = [`ward: ${s.ward ? s.ward.dir : 'not yet made'}`];
  if (s.page && !s.page.isClosed()) {
    const who = lib.lastLogin(s.page);
    lines.push(`page: ${s.page.url()}, ${who ? 'logged in as ' + who : 'not logged in'} (by lib.login)`);
  }
  return lines;
}

// The tests running (a step inside its test): one still running after STILL_S seconds says
// where it is, and again every STILL_S seconds (a comment, not a failure), so a file that
// meson's timeout (900 s) kills has said which test hung and on which page.
const STILL_MS = (Number(process.env.MAMORI_BROWSER_STILL_S) || 240) * 1000;
const running = [];
beforeEach((t) => { running.push({ name: t.name, since: Date.now(), next: Date.now() + STILL_MS }); });
afterEach((t) => {
  const i = running.findIndex((r) => r.name === t.name);
  if (i >= 0) running.splice(i, 1);
});
setInterval(() => {
  const r = running[running.length - 1];
  if (!r || Date.now() < r.next) return;
  r.next += STILL_MS;
  const lines = [`still running after ${Math.round((Date.now() - r.since) / 1000)} s: ` +
    running.map((x) => x.name).join(' > ')];
  for (const s of sessions) lines.push(...where(s));
  console.log(lines.join('\n')); // tap-flat.js makes it a comment
}, 5000).unref();

// Where a failing test was, as a diagnostic of its own (printed under its result).
afterEach(async (t) => {
  if (t.passed) return;
  for (const s of sessions) {
    const lines = where(s);
    if (s.page && !s.page.isClosed()) {
      const name = 'failed-' + t.name.replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 80);
      await lib.shot(s.page, name, 15000).then(() => lines.push(`screenshot: browser-shots/${name}.png`),
        (e) => lines.push(`no screenshot: ${e.message.split('\n')[0]}`));
    }
    const log = s.server ? s.server.stderr().trimEnd() : '';
    if (s.server) lines.push(log ? 'the server\'s last log lines:\n' + log.split('\n').slice(-15).join('\n') : 'the server has logged nothing');
    t.diagnostic(lines.join('\n'));
  }
});

// Killed (meson's timeout sends SIGTERM to the test's process group, then SIGKILL): the servers
// and sinks go at once, the wards are removed, and the exit kills Chromium (playwright's own exit
// handler; Chromium also quits when its pipe to this process closes).
for (const [sig, n] of [['SIGTERM', 15], ['SIGINT', 2], ['SIGHUP', 1]]) {
  process.on(sig, () => {
    for (const s of sessions) {
      if (s.server) s.server.proc.kill('SIGKILL');
      if (s.sink) s.sink.proc.kill('SIGKILL');
      if (s.ward) fs.rmSync(s.ward.dir, { recursive: true, force: true });
    }
    process.stderr.write(`fixture.js: ${sig}: servers stopped, wards removed\n`);
    process.exit(128 + n);
  });
}

module.exports = { open };
