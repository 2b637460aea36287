import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json lives). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where `.env` and `.data/` live: the project root unless SWITCHBOARD_HOME says otherwise. */
export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.SWITCHBOARD_HOME ?? projectRoot);
}

/** The operator console (console/): Vite builds it into console/dist, which the gateway serves at /. */
export const consoleDir = join(projectRoot, 'console');
export const consoleDist = join(consoleDir, 'dist');
