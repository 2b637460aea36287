import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import type { AddressInfo } from 'node:net';

/** A received message: envelope and raw RFC 5322 text. */
export interface Received {
  user: string | undefined;
  from: string;
  to: string[];
  raw: string;
}

export interface SinkOptions {
  /** user → password; any other login fails with 535. */
  users: Record<string, string>;
  /** Per recipient: an SMTP reply code to refuse it with (e.g. 550 permanent, 451 transient). */
  refuse?: (rcpt: string) => { code: number; message: string } | null;
  /** Keep raw messages (tests) or only count them (benchmarks). */
  keep?: boolean;
}

/** A real SMTP server (npm smtp-server) on 127.0.0.1 with AUTH PLAIN/LOGIN and no TLS. */
export async function startSmtpSink(options: SinkOptions) {
  const received: Received[] = [];
  let count = 0;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    size: 10 * 1024 * 1024,
    maxClients: 1000,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username && options.users[auth.username] === auth.password) return callback(null, { user: auth.username });
      const err = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
      return callback(err);
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const r = options.refuse?.(address.address);
      if (r) return callback(Object.assign(new Error(r.message), { responseCode: r.code }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => options.keep !== false && chunks.push(c));
      stream.on('end', () => {
        count += 1;
        if (options.keep !== false) {
          received.push({
            user: session.user as string | undefined,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    count: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Header block of a raw message, unfolded, as lower-case name → values. */
export function headersOf(raw: string): Map<string, string[]> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, ' ');
  const map = new Map<string, string[]>();
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    map.set(name, [...(map.get(name) ?? []), line.slice(i + 1).trim()]);
  }
  return map;
}

/** Decodes a quoted-printable body part (enough for assertions on links). */
export function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}
