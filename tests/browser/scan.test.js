// scan.test.js: every page each person of the Minato demo ward reaches from the menus, in
// Japanese, shows no English sentence and no raw code (a message catalog miss, an id where a
// name belongs), and has no serious or critical accessibility violation (axe-core, WCAG 2.2 A/AA).
// scan-shinjuku.test.js does the same for the Shinjuku demo ward (scan-lib.js scanWard).
'use strict';
const scan = require('./scan-lib.js');

// The people of the demo ward whose pages differ, one for each role: administrator, CISO (and
// the council, the investigator), CSIRT, auditor, a 課長 (security officer), staff, the system
// chief (who manages systems too), an operator who may enter the controlled area.
scan.scanWard('minato', ['admin', 'fukukucho', 'joho-2', 'kaikei-1', 'zeimu-kacho', 'zeimu-1',
  'joho-kacho', 'joho-1']);
