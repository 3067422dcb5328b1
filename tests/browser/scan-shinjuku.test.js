// scan-shinjuku.test.js: the browser scan of scan.test.js on the Shinjuku demo ward: its CIO
// (fukukucho), 統括情報セキュリティ責任者 (somubucho), CSIRT and network manager (joho-1), auditor, a 課長
// and staff, the deputy security officer (zeimu-2), the contracts office (somu-2), an operator (hoken-2).
'use strict';
const scan = require('./scan-lib.js');

scan.scanWard('shinjuku', ['admin', 'fukukucho', 'somubucho', 'joho-1', 'kaikei-1', 'zeimu-kacho',
  'zeimu-1', 'zeimu-2', 'somu-2', 'hoken-2']);
