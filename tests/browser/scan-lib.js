// scan-lib.js: walks every page a person reaches from the menus and checks each one as shown in
// Chromium: no English sentence and no raw code on a Japanese page (a message catalog miss, an
// id where a name belongs), and no serious accessibility violation (axe-core, npm).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Links never followed: leaving the session, downloads, pages that only answer forms.
const SKIP = [
  /^\/logout/, /\.csv(\?|$)/, /\/csv(\?|$)/, /^\/attachments\//, /^\/ledger\/export/,
  /^\/static\//, /^\/api\//, /^\/access\//, /\/print$/, /^\/report\/compliance\?.*format=/,
];

// What the page shows a person, with where it is: visible text outside code, and the
// attributes people read (title, aria-label, placeholder, alt, button values).
function shownText() {
  const out = [];
  const skipTags = new Set(['SCRIPT', 'STYLE', 'CODE', 'PRE', 'KBD', 'SAMP', 'TEXTAREA', 'NOSCRIPT']);
  const skipped = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      if (skipTags.has(e.tagName)) return true;
      if (e.classList && (e.classList.contains('mono') || e.classList.contains('cite-id'))) return true;
      if (e.getAttribute && (e.getAttribute('translate') === 'no' || e.hidden)) return true;
      if (e.lang && !e.lang.startsWith('ja')) return true;
    }
    return false;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const t = n.nodeValue.replace(/\s+/g, ' ').trim();
    if (t && !skipped(n.parentElement)) out.push({ text: t, where: n.parentElement.tagName.toLowerCase() });
  }
  for (const el of document.querySelectorAll('[title],[aria-label],[placeholder],[alt],input[type=submit],button')) {
    if (skipped(el)) continue;
    for (const a of ['title', 'aria-label', 'placeholder', 'alt']) {
      const v = el.getAttribute(a);
      if (v) out.push({ text: v.trim(), where: `${el.tagName.toLowerCase()}[${a}]` });
    }
  }
  return out;
}

// Three or more English words in a row (a sentence or a phrase from an untranslated message).
const ENGLISH = /\b[A-Za-z][a-z']+(?:[ ,:;]+[A-Za-z][a-z']+){2,}\b/;
// role@scope as stored, and an act's outcome in brackets, are codes, not words.
const ROLE_AT = /\b[a-z][a-z_]*@(?:org|section:[a-z0-9_-]+|system:[a-z0-9_-]+)\b/;
const OUTCOME = /\((?:done|refused|pending)\)/;

// Words and phrases that stay as they are on a Japanese page: product and standard names.
const ALLOWED = [
  /'mamori [^']*'/, // a command to type, quoted in the sentence
  /\bSHA-256\b/, /\bUTF-8\b/, /\bShift_JIS\b/, /\bMicrosoft Excel\b/, /\bOpenID AuthZEN\b/,
  /（Local Area Network）/, // the standard's own gloss of 無線LAN, quoted by a checklist item
];

// register.action ids as stored (asset.take_out): a dotted pair of lowercase words that is not
// a file name, a host or an address.
const DOTTED = /(?:^|[^A-Za-z0-9_.@/-])([a-z][a-z_]*\.[a-z][a-z_]*)(?![A-Za-z0-9_.@/-])/g;
const NOT_CODE = /\.(?:conf|ya?ml|csv|jp|com|org|net|md|json|txt|pdf|db|lg|html?|png|sh|go|js|css|key|pem|gz|tar|log|zip)$/;

// Finds what a Japanese page must not show.
function findProblems(items) {
  const problems = [];
  for (const { text, where } of items) {
    let t = text;
    for (const a of ALLOWED) t = t.replace(a, ' ');
    let m = t.match(ENGLISH);
    if (m) problems.push(`English "${m[0]}" in <${where}>: ${text.slice(0, 120)}`);
    m = t.match(ROLE_AT) || t.match(OUTCOME);
    if (m) problems.push(`raw code "${m[0]}" in <${where}>: ${text.slice(0, 120)}`);
    // A tooltip that holds an id names it for whoever needs it (the CLI); the text must not.
    for (const d of where.endsWith('[title]') ? [] : t.matchAll(DOTTED)) {
      if (!NOT_CODE.test(d[1])) {
        problems.push(`raw id "${d[1]}" in <${where}>: ${text.slice(0, 120)}`);
        break;
      }
    }
  }
  return problems;
}

// axe-core's serious and critical violations of WCAG 2.x A/AA on the page.
async function axeProblems(page) {
  // Evaluated through the debugging protocol: the pages' CSP (script-src 'none') stays as it is.
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(AXE);
  const res = await page.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    resultTypes: ['violations'],
  }));
  return res.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `axe ${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

function followable(href, origin) {
  let u;
  try { u = new URL(href, origin); } catch (e) { return null; }
  if (u.origin !== origin) return null;
  const p = u.pathname + u.search;
  if (SKIP.some((re) => re.test(p))) return null;
  u.hash = '';
  return u;
}

// A key per kind of page, so a list of 200 records is not walked record by record: the path
// with numbers as N, and the query's keys without their values.
function pageKind(u) {
  const keys = [...new URLSearchParams(u.search).keys()].sort().join('&');
  return u.pathname.replace(/\/\d+(?=\/|$)/g, '/N') + (keys ? '?' + keys : '');
}

// Walks from start through the links of each page (breadth first, each kind of page once, at
// most perSection pages under one first path segment, so 30 registers' lists are sampled, not
// all walked; at most max pages), calling check(page, url) on each. Returns the URLs visited.
async function walk(page, start, max, check, perSection = 6) {
  const origin = new URL(start).origin;
  const queue = [new URL(start)];
  const kinds = new Set();
  const sections = new Map();
  const seen = [];
  while (queue.length && seen.length < max) {
    const u = queue.shift();
    const kind = pageKind(u);
    const section = u.pathname.split('/')[1];
    if (kinds.has(kind) || (sections.get(section) || 0) >= perSection) continue;
    kinds.add(kind);
    sections.set(section, (sections.get(section) || 0) + 1);
    const resp = await page.goto(u.href);
    if (!resp || !(resp.headers()['content-type'] || '').startsWith('text/html')) continue;
    seen.push(u.pathname + u.search);
    await check(page, u.pathname + u.search, resp.status());
    const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
    for (const h of hrefs) {
      const n = followable(h, origin);
      if (n && !kinds.has(pageKind(n))) queue.push(n);
    }
  }
  return seen;
}

// V8 without its optimizing compilers (TurboFan, Maglev): the only script these pages run is
// axe-core (and playwright's helpers), injected afresh on each page and run once, so compiling it
// for speed on the renderer's background threads cost more CPU than it saved (15 pages, one run
// each at load ~10: axe's injection and run 15.0 -> 7.7 and 14.5 -> 10.9 CPU s). The same
// JavaScript runs with the same results; only its tiers of compiled code differ.
const NO_JIT = ['--js-flags=--no-opt --no-maglev'];
const ADMIN_PW = 'Kanri-Hoshi-Tsuki-2026!z';
const MAX_PAGES = 45; // kinds of page per person
const PER_SECTION = 5; // of one first path segment (5 of the 30 registers' lists, ...)

// Defines the tests of one demo ward (init --profile PROFILE --demo): people log in in turn and
// walk their pages; each page is checked for English and raw codes, each kind of page by axe.
function scanWard(profile, people) {
  // required here: node:test, lib.js and fixture.js are the tests' own, not the walker's
  const { test, before } = require('node:test');
  const assert = require('node:assert/strict');
  const lib = require('./lib.js');
  const { open } = require('./fixture.js');
  let server, page;
  let passwords = {};

  before(async () => {
    ({ server, page } = await open({
      demo: profile,
      args: NO_JIT,
      prepare(ward) {
        lib.mamori(ward.data, ['user', 'passwd', 'admin', '--password-stdin'], ADMIN_PW + '\n');
        passwords = { ...ward.pw, admin: ADMIN_PW };
      },
    }));
  });

  test(`${profile}: the demo ward printed a password for each person walked`, () => {
    for (const who of people) assert.ok(passwords[who], `no password for ${who} in init's output`);
  });

  test(`${profile}: every page each person reaches is Japanese throughout and accessible`, async () => {
    const problems = [];
    const axed = new Set(); // each kind of page is checked by axe once, by the first who sees it
    for (const who of people) {
      await lib.login(page, server.url, who, passwords[who]);
      assert.doesNotMatch(page.url(), /\/login/, `${who} could not log in`);
      const seen = await walk(page, server.url, MAX_PAGES, async (p, url, status) => {
        if (status >= 500) problems.push(`${who} ${url}: status ${status}`);
        for (const x of findProblems(await p.evaluate(shownText)))
          problems.push(`${who} ${url}: ${x}`);
        const kind = url.replace(/\/\d+(?=\/|\?|$)/g, '/N').replace(/\?.*/, '');
        if (!axed.has(kind)) {
          axed.add(kind);
          for (const x of await axeProblems(p)) problems.push(`${who} ${url}: ${x}`);
        }
      }, PER_SECTION);
      assert.ok(seen.length >= 5, `${who} reached only ${seen.length} pages: ${seen.join(' ')}`);
      await lib.logout(page);
    }
    const unique = [...new Set(problems)];
    assert.equal(unique.length, 0, `${unique.length} problems:\n${unique.join('\n')}`);
  });
}

module.exports = { shownText, findProblems, axeProblems, walk, scanWard };
