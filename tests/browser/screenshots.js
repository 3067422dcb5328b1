// screenshots.js: the README's tour pictures. Builds the Minato demo ward, serves it, and saves
// the main pages as the people who use them see them, at 1366 px (an office PC) and 390 px (a
// phone) wide, to docs/screenshots/NAME-1366.png and NAME-390.png.
//   MAMORI=build/mamori node tests/browser/screenshots.js [OUTDIR]
// Not a test: run it by hand after a change to how the pages look, and commit the pictures.
// Chromium's own words (a file input's button, a date field's placeholder) follow the
// browser's language packs: without Debian's chromium-l10n they are in English.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const lib = require('./lib.js');

const ADMIN_PW = 'Kanri-Hoshi-Tsuki-2026!z';
// [file name, who, path]
const PAGES = [
  ['dashboard', 'zeimu-kacho', '/'],
  ['inbox', 'zeimu-kacho', '/inbox'],
  ['requests', 'zeimu-kacho', '/requests'],
  ['register', 'zeimu-1', '/registers/asset'],
  ['takeouts', 'zeimu-kacho', '/takeouts'],
  ['duties', 'joho-kacho', '/duties'],
  ['incidents', 'joho-2', '/incidents'],
  ['audits', 'kaikei-1', '/audits'],
  ['policy', 'fukukucho', '/policy'],
  ['users', 'admin', '/admin/users'],
  ['transfer', 'admin', '/admin/transfer'],
];
const WIDTHS = [[1366, 900], [390, 844]];

async function main() {
  const out = path.resolve(process.argv[2] || path.join(__dirname, '../../docs/screenshots'));
  const { dir, data, pw } = lib.demoWard('minato');
  pw.admin = ADMIN_PW;
  lib.mamori(data, ['user', 'passwd', 'admin', '--password-stdin'], ADMIN_PW + '\n');
  fs.mkdirSync(out, { recursive: true });
  const server = await lib.startServer(data);
  const browser = await lib.launchBrowser();
  try {
    for (const [w, h] of WIDTHS) {
      const page = await (await lib.newContext(browser)).newPage();
      await page.setViewportSize({ width: w, height: h });
      let who = null;
      for (const [name, login, url] of PAGES) {
        if (who !== login) {
          if (who) await lib.logout(page);
          await lib.login(page, server.url, login, pw[login]);
          who = login;
        }
        await page.goto(server.url + url.slice(1));
        await page.screenshot({ path: path.join(out, `${name}-${w}.png`) });
        console.log(`${name}-${w}.png`);
      }
      await lib.logout(page);
      await page.close();
    }
  } finally {
    await browser.close();
    await lib.stopServer(server);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
