import { createHash, createHmac } from 'node:crypto';

/**
 * A generated PropStream-style lead file with planted duplicates, shared by the upload
 * tests and `npm run bench -- import`.
 *
 * Entities (distinct leads) rotate through four key shapes: MAK only, county FIPS + APN
 * only, property address + ZIP only, and all three. Duplicate rows repeat an earlier
 * entity through one of its keys written differently (case, spacing, separators, USPS
 * long forms, a ZIP that lost its leading zero, ZIP+4). Reject rows (no key, or a bad
 * email) sit at known row numbers. The expected lead count is exactly `entities`.
 */
export const HEADER = [
  'First Name', 'Last Name', 'Email', 'Phone', 'Property Address', 'Property City', 'Property State', 'Property Zip',
  'County FIPS', 'APN', 'MAK', 'Mailing Address', 'Mailing City', 'Mailing State', 'Mailing Zip',
  'Estimated Equity', 'Owner-Occupied', 'Email Verification Code', 'Phone Verification Code', 'List Name',
];

export interface LeadFileOptions {
  entities: number;
  /** Duplicate rows as a share of entities (0.1 = 10 %). */
  dupRate: number;
  /** Rows that must be rejected. */
  rejects?: number;
  /** Distinguishes the keys of files that must not overlap. */
  prefix?: string;
  seed?: number;
}

const STREETS = ['Main', 'Oak', 'Pine', 'Maple', 'Cedar', 'Elm', 'Washington', 'Lake', 'Hill', 'Park'];
const SUFFIXES: Array<[string, string]> = [['Street', 'st.'], ['Avenue', 'AVE'], ['Road', 'rd'], ['Drive', 'Dr.'], ['Boulevard', 'blvd'], ['Lane', 'LN']];
const DIRS: Array<[string, string]> = [['North', 'n.'], ['South', 'S'], ['East', 'e'], ['West', 'W.']];

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function entityRow(i: number, prefix: string, variant: boolean, keyChoice: number): string[] {
  const shape = i % 4;
  const street = STREETS[i % STREETS.length];
  const [suffix, suffixAlt] = SUFFIXES[i % SUFFIXES.length];
  const [dir, dirAlt] = DIRS[i % DIRS.length];
  const zip = String(1000 + (i % 9000)).padStart(5, '0');
  const house = 10 + Math.floor(i / 7);
  const addr = variant ? `${house} ${dirAlt} ${street.toLowerCase()} ${suffixAlt}` : `${house} ${dir} ${street} ${suffix}`;
  const zipOut = variant ? (i % 2 ? zip.replace(/^0+/, '') : `${zip}-${String(i % 10000).padStart(4, '0')}`) : zip;
  const apnDigits = `${prefix.length}${String(i).padStart(9, '0')}`;
  const apn = variant ? `${apnDigits.slice(0, 3)}-${apnDigits.slice(3, 6)} ${apnDigits.slice(6)}` : apnDigits;
  const fips = variant ? '6037' : '06037';
  const mak = variant ? ` ${prefix.toLowerCase()}mak-${i} ` : `${prefix}MAK-${i}`;
  let useMak = shape === 0 || shape === 3;
  let useApn = shape === 1 || shape === 3;
  let useAddr = shape === 2 || shape === 3;
  if (variant && shape === 3) {
    // A duplicate of an all-keys entity carries just one key: each key gets exercised.
    useMak = keyChoice % 3 === 0;
    useApn = keyChoice % 3 === 1;
    useAddr = keyChoice % 3 === 2;
  }
  const phone = `(${415 + (i % 300)}) 555-${String(i % 10000).padStart(4, '0')}`;
  return [
    `First${i}`, `Last${i}`, variant ? `${prefix}LEAD${i}@Example.TEST` : `${prefix}lead${i}@example.test`, phone,
    useAddr ? addr : '', useAddr ? 'Springfield' : '', useAddr ? 'ca' : '', useAddr ? zipOut : '',
    useApn ? fips : '', useApn ? apn : '', useMak ? mak : '',
    `PO Box ${i}`, 'Springfield', 'CA', zip,
    `$${(i % 500) * 1000}`, i % 3 === 0 ? 'Y' : 'N', i % 5 === 0 ? 'V' : 'U', i % 7 === 0 ? 'V' : '', 'Generated',
  ];
}

export interface LeadFile {
  /** CSV lines, header first, each ending in \n. */
  lines: Generator<string>;
  expectedLeads: number;
  rows: number;
  /** 1-based spreadsheet row numbers (header = 1) of the rows that must be rejected. */
  rejectRows: number[];
}

/** Row plan: every entity once, then duplicates and rejects mixed in at random places. */
export function leadFile(options: LeadFileOptions): LeadFile {
  const { entities, dupRate, rejects = 0, prefix = '', seed = 42 } = options;
  const random = rng(seed);
  const dups = Math.round(entities * dupRate);
  // plan[k] >= 0: entity original; -1 - j: duplicate of entity j (placed after its
  // original); null: a reject. Sorted by a position key: O(n log n) for a million rows.
  const keyed: Array<[number, number | null]> = [];
  for (let i = 0; i < entities; i++) keyed.push([i, i]);
  for (let d = 0; d < dups; d++) {
    const j = Math.floor(random() * entities);
    keyed.push([j + 0.5 + random() * (entities - j), -1 - j]);
  }
  for (let r = 0; r < rejects; r++) keyed.push([random() * entities, null]);
  keyed.sort((a, b) => a[0] - b[0]);
  const plan = keyed.map((k) => k[1]);
  const rejectRows: number[] = [];
  plan.forEach((p, k) => {
    if (p === null) rejectRows.push(k + 2);
  });
  function* lines(): Generator<string> {
    yield HEADER.join(',') + '\n';
    let k = 0;
    for (const p of plan) {
      k++;
      let row: string[];
      if (p === null) {
        row = k % 2 ? ['No', 'Key', '', '', '', '', '', '', '', '', ''] : ['Bad', 'Email', 'not-an-email', '', '', '', '', '', '', '', `${prefix}REJ-${k}`];
      } else if (p >= 0) {
        row = entityRow(p, prefix, false, 0);
      } else {
        row = entityRow(-1 - p, prefix, true, k);
      }
      yield row.map(csvField).join(',') + '\n';
    }
  }
  return { lines: lines(), expectedLeads: entities, rows: plan.length, rejectRows };
}

/** The upload headers of CONTRACT.md (csv): RFC 3339 timestamp, body SHA-256, HMAC. */
export function signUpload(secret: string, sha256hex: string, timestamp = new Date().toISOString()): Record<string, string> {
  const signature = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${sha256hex}`).digest('hex');
  return {
    'content-type': 'text/csv',
    'x-signature-timestamp': timestamp,
    'x-content-sha256': sha256hex,
    'x-signature': signature,
  };
}

export const sha256hex = (body: Buffer | string) => createHash('sha256').update(body).digest('hex');
