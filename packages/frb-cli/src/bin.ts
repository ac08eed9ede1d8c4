// Entry for `npm run frb -- <command>` (tsx, sources); the installed bin is bin/frb.js on dist/.
import { main } from './index.js';

process.exitCode = await main(process.argv.slice(2));
