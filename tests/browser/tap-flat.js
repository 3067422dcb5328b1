// tap-flat.js: node's test results as flat TAP for meson (`--test-reporter=./tap-flat.js`).
// node's own tap reporter writes a subtest (t.test) as indented TAP inside its parent, which
// meson's parser does not read ("Unknown TAP output lines"), so the steps of a journey were not
// results of their own. Here every test, subtests included, is one line at the top, named with
// its parents ("parent > step"), in the order they end (a step before its parent); why a test
// failed, node's diagnostics and what a test printed are comments (#), so nothing else reaches
// meson's parser. A failing step also fails its parent, and node's exit status is kept. A failing
// result, why, and the diagnostics under it (fixture.js: where it was) go to standard error
// too, which `meson test --print-errorlogs` (make check) prints for a failed test.
'use strict';

const comment = (text) => String(text).split('\n').map((l) => '# ' + l).join('\n') + '\n';

module.exports = async function* tapFlat(source) {
  const names = []; // the name of the test running at each nesting level
  let n = 0;
  let failing = false; // the last result was a failure: what follows it goes to stderr too
  const failed = (text) => { if (failing) process.stderr.write(text); return text; };

  yield 'TAP version 13\n';
  for await (const { type, data } of source) {
    switch (type) {
      case 'test:start':
        names.length = data.nesting;
        names.push(data.name);
        break;
      case 'test:pass':
      case 'test:fail': {
        const path = names.slice(0, data.nesting).concat(data.name).join(' > ')
          .replace(/\s*\n\s*/g, ' ') // one line
          .replace(/#/g, '＃'); // a '#' would start a directive (SKIP, TODO) in meson's reading
        let line = `${type === 'test:pass' ? 'ok' : 'not ok'} ${++n} - ${path}`;
        const todo = data.todo !== undefined && data.todo !== false;
        if (data.skip !== undefined && data.skip !== false) {
          line += ' # SKIP' + (typeof data.skip === 'string' ? ' ' + data.skip : '');
        } else if (todo) {
          line += ' # TODO' + (typeof data.todo === 'string' ? ' ' + data.todo : '');
        }
        failing = type === 'test:fail' && !todo;
        yield failed(line + '\n');
        const error = data.details && data.details.error;
        if (type === 'test:fail' && error) {
          const cause = error.cause || error;
          yield failed(comment((cause && (cause.stack || cause.message)) || String(cause)));
        }
        break;
      }
      case 'test:diagnostic':
        yield failed(comment(data.message));
        break;
      case 'test:stdout':
      case 'test:stderr':
        yield comment(data.message.replace(/\n$/, ''));
        break;
      default:
        break;
    }
  }
  yield `1..${n}\n`;
};
