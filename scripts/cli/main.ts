import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadEnvFile, resolveConfig } from '../../lib/config.ts';
import { pinToPrimary } from '../../lib/multihost.ts';
import { commands, type Command } from './commands.ts';

/**
 * `npx switchboard <group> <action> [--flags]`. Every command accepts --json and then
 * prints exactly one JSON object on stdout. Operator commands connect as the owner
 * (DATABASE_URL or the local cluster) and each is one call to a SQL function.
 */
class UsageError extends Error {}

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  switchboard ${name} ${c.usage}`);
  return `Usage:\n${lines.join('\n')}\n\nEvery command accepts --json.`;
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  // Most commands are two words (`source create`); a few are three (`calendar feed create`).
  const long = argv.slice(0, 3).join(' ');
  const words = commands[long] ? 3 : 2;
  const name = argv.slice(0, words).join(' ');
  const command: Command | undefined = commands[name];
  try {
    if (!command) throw new UsageError(argv.length ? `unknown command: ${name}` : 'no command given');
    const { values } = parseArgs({
      args: argv.slice(words),
      options: { ...command.options, json: { type: 'boolean' } },
      strict: true,
    });
    for (const flag of command.required) {
      if ((values as Record<string, unknown>)[flag] === undefined) throw new UsageError(`--${flag} is required`);
    }
    loadEnvFile();
    const config = resolveConfig();
    // A multi-host DATABASE_URL (HA) is pinned to the current primary.
    const client = new pg.Client({ connectionString: await pinToPrimary(config.ownerUrl) });
    await client.connect();
    try {
      const result = await command.run(client, values as Record<string, string | undefined>, config);
      console.log(json ? JSON.stringify(result) : Object.entries(result).map(([k, v]) => `${k}: ${v}`).join('\n'));
    } finally {
      await client.end();
    }
    return 0;
  } catch (error) {
    const isUsage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const message = (error as Error).message;
    if (json) console.log(JSON.stringify({ error: isUsage ? 'usage' : 'failed', message }));
    else console.error(isUsage ? `${message}\n\n${usage()}` : `error: ${message}`);
    return isUsage ? 64 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
