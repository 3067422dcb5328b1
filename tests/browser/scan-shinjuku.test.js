// scan-shinjuku.test.js: the browser scan of scan.test.js on the Shinjuku demo ward: its CIO
// (fukukucho), 統括情報セキュリティ責任者 (somubucho), CSIRT, auditor, a 課長 and staff.
'use strict';
const scan = require('./scan-lib.js');

scan.scanWard('shinjuku', ['admin', 'fukukucho', 'somubucho', 'joho-1', 'kaikei-1', 'zeimu-kacho',
  'zeimu-1']);
