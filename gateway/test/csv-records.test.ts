import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { CsvRecords, MAX_ROW_CHARS } from '../src/csv-records.ts';

/** The lead files' CSV reader on its own: chunk boundaries anywhere, RFC 4180 quoting, clear 400s. */
async function records(chunks: Array<string | Buffer>): Promise<string[][]> {
  const out: string[][] = [];
  await pipeline(
    async function* () {
      for (const c of chunks) yield typeof c === 'string' ? Buffer.from(c) : c;
    },
    new CsvRecords(),
    new Writable({ objectMode: true, write(batch: string[][], _enc, done) { out.push(...batch); done(); } }),
  );
  return out;
}

/** Every way of cutting `text` into two chunks gives the same records. */
async function everySplit(text: string): Promise<string[][]> {
  const bytes = Buffer.from(text);
  const whole = await records([bytes]);
  for (let at = 1; at < bytes.length; at++) expect(await records([bytes.subarray(0, at), bytes.subarray(at)])).toEqual(whole);
  return whole;
}

describe('CsvRecords', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, across any chunk boundary', async () => {
    expect(await everySplit('a,b,c\n1,"x, ""y""\nz",3\n"é",,\n')).toEqual([['a', 'b', 'c'], ['1', 'x, "y"\nz', '3'], ['é', '', '']]);
  });

  it('takes the line ending the file uses (CRLF, LF or CR), drops a BOM and skips empty lines', async () => {
    expect(await everySplit('\ufeffa,b\r\n1,2\r\n\r\n3,"4\r\n5"\r\n')).toEqual([['a', 'b'], ['1', '2'], ['3', '4\r\n5']]);
    expect(await everySplit('a,b\r1,2\r')).toEqual([['a', 'b'], ['1', '2']]);
    expect(await records(['a,b\n\n\n1,2'])).toEqual([['a', 'b'], ['1', '2']]);
  });

  it('keeps rows of any length (missing or extra fields)', async () => {
    expect(await records(['a,b,c\n1\n1,2,3,4\n'])).toEqual([['a', 'b', 'c'], ['1'], ['1', '2', '3', '4']]);
  });

  it('answers 400 invalid_csv for an unclosed quote, text after a closing quote, and a row past the limit', async () => {
    for (const [text, words] of [['a,b\n1,"x\n', 'not closed'], ['a,b\n1,"x"y\n', 'closing quote'], [`a\n"${'x'.repeat(MAX_ROW_CHARS + 10)}`, 'longer than']]) {
      const error = await records([text.slice(0, 70_000), text.slice(70_000)]).then(() => null, (e: unknown) => e);
      expect(error).toMatchObject({ statusCode: 400, code: 'invalid_csv', message: expect.stringContaining(words) });
    }
  });
});
