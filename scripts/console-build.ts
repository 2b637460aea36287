import { buildConsole, consoleDist } from './lib/console-build.ts';

/** npm run console:build: the operator console's static files into console/dist. */
await buildConsole();
console.log(`console built into ${consoleDist}`);
