import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';
import { projectRoot } from '../lib/paths.ts';
import { ensureOsPackages } from './lib/os-packages.ts';
import { runPgtapSuite } from './lib/pgtap.ts';
import { checkSchemaFile, dumpSchema } from './lib/schema-dump.ts';
import { createTestCluster } from './lib/test-cluster.ts';

/**
 * npm test: a throwaway cluster, migrated; its schema dump against db/schema.sql; every
 * db/tests/*.test.sql through pgTAP;
 * then vitest (whose global setup starts PostgREST, the gateway and the worker against
 * the same cluster). Exit 0 only if everything passed.
 */
const started = Date.now();
// Every OS package the suites use (PostgreSQL, pgTAP, chromium, wrk, pgbouncer): one list in os-packages.ts.
ensureOsPackages('test');
const { cluster, env, config } = await createTestCluster();
let failures = 0;
let passes = 0;
let schemaProblem: string | undefined;
try {
  const rootUrl = config.rootUrl!;
  // Before anything else touches the schema (pgTAP's extension, tests): the freshly
  // migrated database must dump exactly to the committed db/schema.sql.
  const schema = checkSchemaFile(dumpSchema(cluster.bin, rootUrl));
  if (!schema.ok) schemaProblem = schema.message;
  console.log(schema.ok ? '✓ db/schema.sql matches a fresh migration' : `✗ ${schema.message.replace(/\n/g, '\n    ')}`);
  const root = new pg.Client({ connectionString: rootUrl });
  await root.connect();
  await root.query('create extension if not exists pgtap');
  await root.end();

  console.log('pgTAP:');
  const results = await runPgtapSuite(join(cluster.bin, 'psql'), rootUrl, join(projectRoot, 'db/tests'));
  for (const r of results) {
    console.log(`  ${r.ok ? '✓' : '✗'} ${relative(projectRoot, r.file)} (${r.passed} passed, ${r.failed} failed)`);
    if (!r.ok) {
      const shown = r.output.split('\n').filter((l) => /^not ok|^#|ERROR|psql:|plan/.test(l)).join('\n');
      console.log(shown.replace(/^/gm, '      '));
    }
  }
  const tapFailed = results.filter((r) => !r.ok).length;
  const tapPassed = results.length - tapFailed;
  console.log(`pgTAP: ${tapPassed} files passed, ${tapFailed} failed`);

  const reportFile = join(env.SWITCHBOARD_HOME, 'vitest.json');
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      [join(projectRoot, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...process.argv.slice(2)],
      { cwd: projectRoot, stdio: 'inherit', env: clusterEnv(env) },
    );
    child.on('close', (c) => resolve(c ?? 1));
  });
  let vitestPassed = 0;
  let vitestFailed = code === 0 ? 0 : 1;
  try {
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { numPassedTests: number; numFailedTests: number };
    vitestPassed = report.numPassedTests;
    vitestFailed = Math.max(report.numFailedTests, code === 0 ? 0 : 1);
  } catch {
    /* vitest did not write a report: counted as one failure above when it failed */
  }
  passes = results.reduce((n, r) => n + r.passed, 0) + vitestPassed + (schema.ok ? 1 : 0);
  failures = results.reduce((n, r) => n + r.failed + (r.ok ? 0 : r.failed ? 0 : 1), 0) + vitestFailed + (schema.ok ? 0 : 1);
} finally {
  cluster.destroy();
}
if (schemaProblem) console.log(`\n✗ ${schemaProblem.split('\n')[0]}`);
console.log(`\ntook ${Math.round((Date.now() - started) / 1000)} s`);
console.log(`${passes} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);

/** The environment that points resolveConfig() (and so vitest's global setup) at the test cluster. */
function clusterEnv(e: Record<string, string>): NodeJS.ProcessEnv {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...e };
  for (const key of ['DATABASE_URL', 'ROOT_DATABASE_URL', 'GATEWAY_DATABASE_URL', 'WORKER_DATABASE_URL', 'AUTHENTICATOR_DATABASE_URL']) {
    delete childEnv[key];
  }
  return childEnv;
}
