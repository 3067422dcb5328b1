// scan.test.js: every page each person of the Minato demo ward reaches from the menus, in
// Japanese, shows no English sentence and no raw code (a message catalog miss, an id where a
// name belongs), and has no serious or critical accessibility violation (axe-core, WCAG 2.2 A/AA).
// scan-shinjuku.test.js does the same for the Shinjuku demo ward (scan-lib.js scanWard).
'use strict';
const scan = require('./scan-lib.js');

// The people of the demo ward whose pages differ: administrator, CISO, CSIRT, auditor, a 課長,
// staff (the system chief and a deputy see what the CISO and the 課長 see).
scan.scanWard('minato', ['admin', 'fukukucho', 'joho-2', 'kaikei-1', 'zeimu-kacho', 'zeimu-1']);
