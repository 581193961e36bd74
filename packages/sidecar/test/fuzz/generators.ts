import fc from 'fast-check';
import { newNonce, nowStamp, type TestRequester } from './support.ts';

/**
 * fast-check generators of what the channels are fed: fully random JSON, random text and bytes,
 * deep nesting, huge strings, and mutations of valid messages (fields dropped, duplicated, renamed,
 * retyped, out of range, invalid cron fields, wrong ops, huge arrays, prototype-pollution keys, and
 * corrupted signatures, nonces and timestamps).
 *
 * A generated value is a *plan*: a small description (sizes, not megabytes; indexes, not tasks),
 * so a failing case prints short. It becomes bytes on the wire only when sent (materialize*), in a
 * FuzzWorld that knows the test's requesters, its target server, the tasks made so far, and fresh
 * nonces and timestamps.
 */

// ---------------------------------------------------------------------------------------------
// The world plans are made real in
// ---------------------------------------------------------------------------------------------

export interface FuzzWorld {
  /** The Ed25519 requester most messages are signed by. */
  readonly main: TestRequester;
  /** An HMAC requester: another tenant. */
  readonly other: TestRequester;
  /** The local HTTP server tasks call, e.g. `http://127.0.0.1:41234`. */
  readonly targetUrl: string;
  /** Tasks of `main` made before the fuzz, for get/cancel/update/... to aim at. */
  readonly pool: string[];
  /** Unique per test run: task ids made here start with it. */
  readonly tag: string;
  /** Nonces signed with a fresh timestamp, newest last (bounded), for replays. */
  readonly nonces: string[];
  /** Correctly signed messages as sent (bounded), for verbatim replays. */
  readonly sent: Buffer[];
  counter: number;
}

/** A fresh world for one channel's run: `tag` starts the ids of the tasks it makes. */
export function newWorld(
  keys: { main: TestRequester; other: TestRequester },
  targetUrl: string,
  tag: string,
): FuzzWorld {
  return { main: keys.main, other: keys.other, targetUrl, pool: [], tag, nonces: [], sent: [], counter: 0 };
}

const HISTORY = 200;

function remember<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > HISTORY) list.splice(0, list.length - HISTORY);
}

function nextId(world: FuzzWorld, prefix: string): string {
  world.counter += 1;
  return `${prefix}-${world.tag}-${world.counter}`;
}

/** A message as sent: its exact bytes, a label for failure reports, and, for a valid create, what must come back. */
export interface WireMessage {
  readonly bytes: Buffer;
  readonly label: string;
  /** A valid create: must be answered ok:true (with this task id when one was given), owned by `owner`. */
  readonly valid?: { readonly taskId: string | undefined; readonly owner: TestRequester };
}

// ---------------------------------------------------------------------------------------------
// Interesting values
// ---------------------------------------------------------------------------------------------

/** A raw JSON token to put in the text as is (numbers JSON.stringify cannot write, invalid tokens). */
const RAW = '\u0000raw';
type RawMarker = { readonly [RAW]: string };
const raw = (token: string): RawMarker => ({ [RAW]: token });

const RAW_NUMBERS = [
  '1e309',
  '-1e309',
  '1e-400',
  '123456789012345678901234567890',
  '-0',
  '-0.0',
  '0.1e1',
  '1E2',
  '9007199254740993',
  '1.0',
  '5e-324',
  '1.7976931348623157e308',
];

const NUMBERS: readonly unknown[] = [
  0,
  -1,
  1,
  1.5,
  -0,
  0.1,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  1e-7,
  1000,
  1001,
  600_000,
  600_001,
  1_000_000,
  1_000_001,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  ...RAW_NUMBERS.map(raw),
];

const CRON_FIELDS: readonly unknown[] = [
  '*',
  '0',
  '59',
  '60',
  '61',
  '-1',
  '*/0',
  '*/',
  '*/15',
  '*/999999999999',
  '1-',
  '-5',
  '5-1',
  '1-2-3',
  '0-59/1000000000',
  'MON',
  'MON-',
  'mon-fri',
  'JAN',
  'jan-dec/2',
  'SUN#5',
  '1#6',
  'L',
  'LW',
  '15W',
  '?',
  '#',
  ',',
  ',,,,',
  '1,,2',
  '*,*,*',
  'a',
  '',
  ' ',
  ' 5',
  '5 ',
  '٣',
  '０',
  '9'.repeat(30),
  '0x10',
  '1e1',
  '1.5',
  '*/1.5',
  '7',
  '8',
  '32',
  '13',
  '0-0',
  '\u0000',
  '\ud800',
  99999,
  -5,
  1.5,
  2 ** 53,
  0,
  31,
];

const CRON_EXPRESSIONS: readonly string[] = [
  '* * * * *',
  '0 0 * * *',
  '0 0 30 2 *',
  '0 0 31 4 *',
  '0 0 31 2,4,6,9,11 *',
  '0 0 29 2 1',
  '0 0 29 2 *',
  '* * * * * *',
  '*/1 * * * * *',
  '0 0 0 1 1 *',
  '* * * * * * *',
  '@yearly',
  '@reboot',
  '@every 1s',
  '30 2 * * *',
  '0 9 * * MON-FRI',
  '0 9 * * 7',
  '0 9 * * 8',
  '0 */0 * * *',
  '60 * * * *',
  '* 24 * * *',
  '* * 0 * *',
  '* * * 0 *',
  '* * * 13 *',
  '0 0 L * *',
  '0 0 * * 5L',
  '0 0 * * 1#5',
  '',
  ' ',
  '*',
  '* * * *',
  'a b c d e',
  '0 0 1 1 * 2099',
  `${'1,'.repeat(300)}1 * * * *`,
];

const INSTANTS: readonly unknown[] = [
  '2026-13-45T25:61:61Z',
  '2026-02-30T00:00:00Z',
  '2026-03-29T02:30:00',
  '2026-10-25T02:30:00',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '1970-01-01T00:00:00+25:00',
  '2027-01-01T00:00:00.123456789Z',
  '2027-01-01T00:00:00z',
  '2027-01-01 00:00:00Z',
  '2027-01-01',
  '2027-W01-1',
  'now',
  'yesterday',
  '',
  '0',
  '1700000000',
  'Invalid Date',
  '2027-01-01T00:00:00\u0000Z',
  1_700_000_000_000,
  null,
];

const TIMEZONES: readonly unknown[] = [
  'UTC',
  'utc',
  'Europe/Paris',
  'America/Argentina/ComodRivadavia',
  'Mars/Olympus_Mons',
  '',
  '+03:00',
  '-14:00',
  'Etc/GMT+14',
  'Etc/GMT-15',
  'EST5EDT',
  'Z',
  '../../etc/passwd',
  'a'.repeat(64),
  'a'.repeat(65),
  'Europe/London\u0000',
  'Pacific/Kiritimati',
  'Asia/Kathmandu',
];

const DURATIONS: readonly unknown[] = [
  'PT0S',
  'PT0.5S',
  'PT0.001S',
  'P',
  'PT',
  'P1Y',
  'P1M',
  'P-1D',
  'P99999999999D',
  'PT1S',
  'P1W',
  'P1W1D',
  'PT1H30M',
  'p1d',
  'P1DT',
  '1 day',
  'P1.5D',
  'PT1e3S',
  `P${'9'.repeat(60)}D`,
  '',
  'P10DT3H',
];

const URIS: readonly unknown[] = [
  'http://169.254.169.254/latest/meta-data/',
  'http://[fd00:ec2::254]/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://100.100.100.200/',
  'http://[::ffff:169.254.169.254]/',
  'http://0xa9fea9fe/',
  'http://2852039166/',
  'file:///etc/passwd',
  'ftp://127.0.0.1/',
  'javascript:alert(1)',
  'data:text/plain,hello',
  'http://',
  'http:',
  'http://127.0.0.1:0/',
  'http://127.0.0.1:99999/',
  'http://10.0.0.1/',
  'http://user:pass@127.0.0.1/',
  'HTTP://127.0.0.1/',
  'http://[::1]/',
  'http://0x7f000001/',
  'http://017700000001/',
  'http://localhost/',
  'http://127.1/',
  'https://127.0.0.1/',
  '/relative/path',
  '//127.0.0.1/x',
  'http://127.0.0.1/%zz',
  'http://127.0.0.1/\u0000',
  'http://127.0.0.1/\ud800',
  'http://ex ample.com/',
  'http://xn--nxasmq6b.invalid/',
  'http://127.0.0.1/?a=\r\nb',
  `http://127.0.0.1/${'x'.repeat(8200)}`,
  '',
  ' ',
];

const METHODS: readonly unknown[] = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'get',
  'PoSt',
  'TRACE',
  'CONNECT',
  'OPTIONS',
  '',
  'POST ',
];

const TASK_IDS: readonly unknown[] = [
  '',
  '-a',
  '.a',
  'a'.repeat(128),
  'a'.repeat(129),
  'a/b',
  '../x',
  '%2e',
  'ü',
  'a b',
  'a\u0000b',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'prototype',
  'valueOf',
  'a:b:c',
  '0',
  'NaN',
  'null',
];

const REQUEST_IDS: readonly unknown[] = ['', 'r', 'x'.repeat(128), 'x'.repeat(129), '\ud800', '__proto__'];

const PARAMETERS: readonly unknown[] = [
  '{',
  '[]',
  '"str"',
  'null',
  '1',
  '',
  '{"a":1}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":"\\ud800"}',
  '{"a":1,"a":2}',
  '[1,2,3]',
  { nested: { deeper: [1, 2, { x: null }] } },
  { '': '' },
  [],
  [1, 2],
  null,
  {},
];

const HEADER_SETS: readonly unknown[] = [
  { 'Idempotency-Key': 'x' },
  { 'User-Agent': 'y' },
  { 'X-Br-Task-Id': 'z' },
  { Host: 'evil.example' },
  { 'Content-Length': '5' },
  { 'Transfer-Encoding': 'chunked' },
  { Connection: 'close' },
  { 'a\r\nb': 'c' },
  { a: 'b\r\nInjected: yes' },
  { 'x-ok': 'x'.repeat(8193) },
  { ['x'.repeat(257)]: 'v' },
  { '': 'empty name' },
  { 'x-num': 1 },
  { 'x-null': null },
  { 'x-ü': 'ü' },
  Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`x-h${i}`, 'v'])),
  [],
  'x: y',
];

const POLICIES: readonly unknown[] = [
  { retry: { max_attempts: 0 } },
  { retry: { max_attempts: 1_000_000_000 } },
  { retry: { max_attempts: 1.5 } },
  { retry: { backoff_base_ms: -1 } },
  { retry: { backoff_base_ms: 10_000, backoff_cap_ms: 1 } },
  { misfire: { catch_up: 'x' } },
  { misfire: { grace_ms: -1 } },
  { misfire: { grace_ms: null } },
  { overlap: 'nope' },
  { overlap: 'queue_one', extra: true },
  { retry: null },
  {},
  [],
];

const STATUSES: readonly unknown[] = [
  'active',
  'paused',
  'completed',
  'cancelled',
  'bogus',
  'ACTIVE',
  '',
  [],
  ['active', 'active', 'active', 'active', 'active'],
  ['active', 'paused'],
  'active,paused',
  ['__proto__'],
  [null],
];

const CURSORS: readonly unknown[] = [
  '',
  'x',
  'x'.repeat(512),
  'x'.repeat(513),
  Buffer.from('{"after":"zzz"}').toString('base64url'),
  Buffer.from('{"after":null,"id":1e309}').toString('base64url'),
  Buffer.from('not json').toString('base64url'),
  Buffer.from('[]').toString('base64'),
  '%%%',
  '\ud800',
  '==',
];

const TIMESTAMPS: readonly unknown[] = [
  '',
  'yesterday',
  '2026-13-45T25:61:61Z',
  '0',
  '1700000000',
  'x'.repeat(65),
  '2026-11-22T10:00:00',
  'Tue, 22 Nov 2026 10:00:00 GMT',
  123,
  null,
  true,
  [],
];

const NONCES: readonly unknown[] = [
  '',
  'short',
  'a'.repeat(15),
  'a'.repeat(129),
  'has space in it 0123',
  'bad+/chars=0123456789',
  'ünïcödé-ünïcödé-ünïcödé',
  123_456_789_012_345_680,
  null,
  ['AAAAAAAAAAAAAAAAAAAAAA'],
];

const SIGNATURES: readonly unknown[] = [
  '',
  'not base64!',
  '====',
  'A',
  'AAAA',
  'x'.repeat(513),
  'unsigned',
  123,
  null,
  { sig: 'x' },
];

const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'isPrototypeOf',
];
const PROTO_VALUES: readonly unknown[] = [
  { polluted: true },
  { prototype: { polluted: true } },
  { toString: 'x', valueOf: 1 },
  'x',
  null,
  [],
  1,
];

/** True one time in five (or in three): the other requester signs. */
const rarely = fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const sometimes = fc.oneof({ weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

/** Any small JSON value, including unicode, lone surrogates and odd numbers. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const weirdString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.oneof(loneSurrogate, fc.string({ minLength: 1, maxLength: 1 })) }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
);
const smallJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }) },
  { weight: 2, arbitrary: weirdString },
  { weight: 2, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, '', [], {}, 0, -0) },
);

/** Values for a named field: its interesting ones, or anything small. */
function fieldValue(field: string): fc.Arbitrary<unknown> {
  const specific: Record<string, readonly unknown[]> = {
    request_id: REQUEST_IDS,
    task_id: TASK_IDS,
    requester_id: [
      '',
      'not-a-uuid',
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '0F8C2A4E-3B1D-4C5E-9A7B-1C2D3E4F5A6B',
      `{${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}}`,
    ],
    uri: URIS,
    method: METHODS,
    parameters: PARAMETERS,
    headers: HEADER_SETS,
    timeout_ms: NUMBERS,
    policies: POLICIES,
    status: STATUSES,
    limit: NUMBERS,
    cursor: CURSORS,
    count: NUMBERS,
    from: INSTANTS,
    timestamp: TIMESTAMPS,
    nonce: NONCES,
    requester_signature: SIGNATURES,
    op: [
      'Create',
      'CREATE',
      'delete',
      'destroy',
      '',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'create ',
      1,
      null,
      [],
      ['create'],
      { op: 'create' },
    ],
  };
  const values = specific[field];
  return values === undefined
    ? smallJson
    : fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: smallJson });
}

// ---------------------------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------------------------

const cronField = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...CRON_FIELDS) },
  { weight: 2, arbitrary: fc.stringMatching(/^[0-9*/,\-LW#?A-Za-z]{1,10}$/) },
  { weight: 1, arbitrary: fc.integer({ min: -3, max: 100 }) },
  { weight: 1, arbitrary: weirdString },
);
const CRONTAB_KEYS = ['minute', 'hour', 'day_of_month', 'month_of_year', 'day_of_week'] as const;
const crontab: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(Object.fromEntries(CRONTAB_KEYS.map((k) => [k, cronField])), { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...CRONTAB_KEYS, 'second', 'year', 'Minute'), cronField) },
  { weight: 1, arbitrary: smallJson },
);
const cronExpression = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...CRON_EXPRESSIONS) },
  {
    weight: 3,
    arbitrary: fc.array(cronField, { minLength: 1, maxLength: 8 }).map((fields) => fields.map(String).join(' ')),
  },
  { weight: 1, arbitrary: weirdString },
);
const instant = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INSTANTS) },
  {
    weight: 2,
    arbitrary: fc
      .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  { weight: 1, arbitrary: weirdString },
);
const rule: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: cronExpression.map((cron) => ({ cron })) },
  { weight: 2, arbitrary: crontab.map((c) => ({ crontab: c })) },
  {
    weight: 3,
    arbitrary: fc.record(
      { every: fc.oneof(fc.constantFrom(...DURATIONS), weirdString), from: instant },
      { requiredKeys: ['every'] },
    ),
  },
  { weight: 2, arbitrary: instant.map((at) => ({ at })) },
  { weight: 1, arbitrary: fc.record({ cron: cronExpression, at: instant }) },
  { weight: 1, arbitrary: smallJson },
);
const exclusion: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: cronExpression.map((cron) => ({ cron })) },
  { weight: 1, arbitrary: crontab.map((c) => ({ crontab: c })) },
  { weight: 2, arbitrary: fc.tuple(instant, instant).map((between) => ({ between })) },
  { weight: 1, arbitrary: fc.array(instant, { maxLength: 4 }).map((between) => ({ between })) },
  { weight: 1, arbitrary: smallJson },
);
const spec: fc.Arbitrary<unknown> = fc.record(
  {
    timezone: fc.oneof(fc.constantFrom(...TIMEZONES), weirdString),
    rules: fc.oneof(fc.array(rule, { maxLength: 4 }), smallJson),
    except: fc.array(exclusion, { maxLength: 3 }),
    start: instant,
    end: instant,
    limit: fc.constantFrom(...NUMBERS),
    extra: smallJson,
  },
  { requiredKeys: ['rules'] },
);

/** A schedule: a crontab, a list of them (the contract's shape), a full spec, or anything. */
export const scheduleArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: crontab },
  { weight: 3, arbitrary: fc.array(crontab, { maxLength: 4 }) },
  { weight: 4, arbitrary: spec },
  { weight: 1, arbitrary: smallJson },
);

// ---------------------------------------------------------------------------------------------
// Valid messages and the bases of mutations
// ---------------------------------------------------------------------------------------------

export const BASE_OPS = [
  'create-contract',
  'create-spec',
  'get',
  'cancel',
  'pause',
  'resume',
  'trigger',
  'runs',
  'update',
  'list',
  'preview',
] as const;
export type BaseOp = (typeof BASE_OPS)[number];

/** A valid message to start from: its op, the pool task it aims at (-1: an unknown id), a variant. */
export interface BasePlan {
  readonly op: BaseOp;
  readonly task: number;
  readonly variant: number;
}

const baseArb: fc.Arbitrary<BasePlan> = fc.record({
  op: fc.constantFrom(...BASE_OPS),
  task: fc.oneof({ weight: 5, arbitrary: fc.nat(50) }, { weight: 1, arbitrary: fc.constant(-1) }),
  variant: fc.nat(1000),
});

/** A date about a year ahead, as a yearly crontab (the contract's shape): it never fires during a test. */
function yearlyCrontab(): Record<string, string> {
  const date = new Date(Date.now() + 360 * 86_400_000);
  return {
    minute: '0',
    hour: '12',
    day_of_month: String(date.getUTCDate()),
    month_of_year: String(date.getUTCMonth() + 1),
  };
}

const YEAR_MS = 365 * 86_400_000;

/** The fields of a valid create (no op, no auth members): contract shape or full spec. */
export function createFields(world: FuzzWorld, shape: 'contract' | 'spec', owner: TestRequester, taskId?: string) {
  const n = world.counter;
  if (shape === 'contract') {
    return {
      ...(taskId === undefined ? {} : { task_id: taskId }),
      requester_id: owner.id,
      uri: `${world.targetUrl}/fuzz/${n}`,
      method: 'POST',
      parameters: JSON.stringify({ n, tag: world.tag, text: 'é ～ 😀' }),
      schedule: [yearlyCrontab()],
    };
  }
  const far = Date.now() + YEAR_MS;
  return {
    ...(taskId === undefined ? {} : { task_id: taskId }),
    requester_id: owner.id,
    uri: `${world.targetUrl}/fuzz/${n}?q=1`,
    method: 'GET',
    parameters: { n, tag: world.tag },
    headers: { 'x-fuzz': world.tag },
    timeout_ms: 5000,
    schedule: {
      timezone: 'Europe/Paris',
      rules: [
        { at: new Date(far).toISOString() },
        { cron: '0 9 * * MON' },
        { every: 'P1D', from: '2030-01-01T00:00:00Z' },
      ],
      except: [{ between: ['2031-01-01', '2031-01-31'] }],
      start: new Date(far - 86_400_000).toISOString(),
      end: new Date(far + YEAR_MS).toISOString(),
      limit: 10,
    },
    policies: {
      retry: { max_attempts: 2, backoff_base_ms: 100, backoff_cap_ms: 1000 },
      misfire: { catch_up: 'none', grace_ms: 1000 },
      overlap: 'skip',
    },
  };
}

function poolTask(world: FuzzWorld, pick: number): string {
  if (pick < 0 || world.pool.length === 0) return `unknown-${world.tag}-${pick}`;
  return world.pool[pick % world.pool.length] as string;
}

/**
 * A valid message of `plan.op` (without auth members), as the JSON channels take it. REST bodies
 * are cut from it (restBody). Every base is valid on its own: the fuzz tests check that first.
 */
export function baseMessage(world: FuzzWorld, plan: BasePlan): Record<string, unknown> {
  const v = plan.variant;
  const requestId = v % 3 === 0 ? {} : { request_id: `r-${v}` };
  const named = v % 2 === 0 ? { requester_id: world.main.id } : {};
  const taskId = poolTask(world, plan.task);
  switch (plan.op) {
    case 'create-contract':
      return { ...requestId, ...createFields(world, 'contract', world.main, nextId(world, 'fzm')) };
    case 'create-spec':
      return { op: 'create', ...requestId, ...createFields(world, 'spec', world.main, nextId(world, 'fzs')) };
    case 'get':
    case 'cancel':
    case 'pause':
    case 'resume':
    case 'trigger':
      return { op: plan.op, ...requestId, task_id: taskId, ...named };
    case 'runs':
      return { op: 'runs', ...requestId, task_id: taskId, ...named, limit: 1 + (v % 20) };
    case 'update':
      return v % 2 === 0
        ? { op: 'update', ...requestId, task_id: taskId, schedule: [yearlyCrontab()], parameters: '{"updated":true}' }
        : {
            op: 'update',
            ...requestId,
            task_id: taskId,
            method: 'PUT',
            timeout_ms: 1000 + v,
            policies: { overlap: 'skip' },
          };
    case 'list':
      return v % 2 === 0
        ? { op: 'list', ...requestId, status: 'active', limit: 1 + (v % 10) }
        : { op: 'list', ...requestId, ...named, status: ['active', 'paused'] };
    case 'preview':
      return v % 2 === 0
        ? {
            op: 'preview',
            ...requestId,
            schedule: [{ minute: '*/15' }, { minute: '0', hour: '9' }],
            count: 1 + (v % 20),
          }
        : {
            op: 'preview',
            ...requestId,
            schedule: { timezone: 'Europe/Paris', rules: [{ cron: '30 2 * * *' }] },
            from: '2026-03-28T00:00:00Z',
            count: 5,
          };
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

export type Mutation =
  | { readonly m: 'drop'; readonly pick: number }
  | { readonly m: 'rename'; readonly pick: number; readonly how: number }
  | { readonly m: 'retype'; readonly pick: number; readonly value: unknown }
  | { readonly m: 'duplicate'; readonly pick: number; readonly value: unknown; readonly decoyFirst: boolean }
  | { readonly m: 'set'; readonly field: string; readonly value: unknown }
  | { readonly m: 'schedule'; readonly value: unknown }
  | {
      readonly m: 'huge-array';
      readonly what: 'crontabs' | 'rules' | 'except' | 'except-all' | 'status' | 'keys';
      readonly n: number;
    }
  | {
      readonly m: 'proto';
      readonly where: 'top' | 'parameters' | 'schedule' | 'headers' | 'policies';
      readonly key: string;
      readonly value: unknown;
    }
  | { readonly m: 'extra'; readonly key: string; readonly value: unknown }
  | { readonly m: 'deep'; readonly field: string; readonly depth: number; readonly arrays: boolean }
  | { readonly m: 'huge-string'; readonly field: string; readonly size: number; readonly unit: string };

const FIELDS = [
  'op',
  'request_id',
  'task_id',
  'requester_id',
  'uri',
  'method',
  'parameters',
  'headers',
  'timeout_ms',
  'policies',
  'status',
  'limit',
  'cursor',
  'count',
  'from',
  'schedule',
  'timestamp',
  'nonce',
] as const;

const fieldName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...FIELDS) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 1, arbitrary: weirdString },
);

const hugeSize = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1_000, max: 100_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 250_000, max: 300_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_040_000, max: 1_100_000 }) },
);
const hugeUnit = fc.oneof(fc.constantFrom('a', 'é', '😀', '\\', '"', '\u0000', '\ud800', ' '), weirdString);

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ m: fc.constant('drop' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ m: fc.constant('rename' as const), pick: fc.nat(), how: fc.nat(6) }) },
  { weight: 4, arbitrary: fc.record({ m: fc.constant('retype' as const), pick: fc.nat(), value: smallJson }) },
  {
    weight: 2,
    arbitrary: fc.record({
      m: fc.constant('duplicate' as const),
      pick: fc.nat(),
      value: smallJson,
      decoyFirst: fc.boolean(),
    }),
  },
  {
    weight: 10,
    arbitrary: fc
      .constantFrom(...FIELDS)
      .chain((field) => fieldValue(field).map((value) => ({ m: 'set' as const, field, value }))),
  },
  { weight: 6, arbitrary: scheduleArb.map((value) => ({ m: 'schedule' as const, value })) },
  {
    weight: 1,
    arbitrary: fc.record({
      m: fc.constant('huge-array' as const),
      what: fc.oneof(
        { weight: 10, arbitrary: fc.constantFrom('crontabs', 'rules', 'except', 'status', 'keys') },
        { weight: 1, arbitrary: fc.constant('except-all' as const) },
      ),
      n: fc.constantFrom(999, 1000, 1001, 5000, 20_000),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      m: fc.constant('proto' as const),
      where: fc.constantFrom('top', 'parameters', 'schedule', 'headers', 'policies'),
      key: fc.constantFrom(...PROTO_KEYS),
      value: fc.constantFrom(...PROTO_VALUES),
    }),
  },
  { weight: 2, arbitrary: fc.record({ m: fc.constant('extra' as const), key: fieldName, value: smallJson }) },
  {
    weight: 1,
    arbitrary: fc.record({
      m: fc.constant('deep' as const),
      field: fc.constantFrom('parameters', 'schedule', 'headers', 'policies', 'extra'),
      depth: fc.oneof(fc.integer({ min: 60, max: 70 }), fc.integer({ min: 2, max: 220 })),
      arrays: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      m: fc.constant('huge-string' as const),
      field: fc.constantFrom('uri', 'parameters', 'task_id', 'request_id', 'cursor', 'nonce', 'timestamp', 'x'),
      size: hugeSize,
      unit: hugeUnit,
    }),
  },
);

/** Sets an own, enumerable member: `__proto__` included (an assignment would set the prototype). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function nested(depth: number, arrays: boolean, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = arrays || i % 3 === 1 ? [value] : { a: value };
  return value;
}

/** Strings that stand for raw text in the serialized JSON (raw tokens, duplicate keys). */
class RawText {
  private readonly tokens = new Map<string, string>();

  /** A placeholder string; its JSON literal is replaced by `text` when serialized. */
  placeholder(text: string): string {
    const key = `\u0001raw${this.tokens.size}\u0001`;
    this.tokens.set(JSON.stringify(key), text);
    return key;
  }

  get used(): boolean {
    return this.tokens.size > 0;
  }

  /** JSON text of `value`, raw markers resolved. */
  serialize(value: unknown): string {
    let text = JSON.stringify(this.resolve(value)) ?? '';
    for (const [literal, replacement] of this.tokens) text = text.replaceAll(literal, replacement);
    return text;
  }

  private resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (typeof value !== 'object' || value === null) return value;
    if (Object.hasOwn(value, RAW)) return this.placeholder(String((value as RawMarker)[RAW]));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) put(out, k, this.resolve(v));
    return out;
  }
}

function renamed(key: string, how: number): string {
  switch (how) {
    case 0:
      return key.toUpperCase();
    case 1:
      return `${key}_`;
    case 2:
      return ` ${key}`;
    case 3:
      return key.replace(/_(.)/g, (_, c: string) => c.toUpperCase());
    case 4:
      return `${key}\u0000`;
    case 5:
      return key.replace(/e/g, 'е'); // Cyrillic e
    default:
      return key.split('').reverse().join('');
  }
}

function child(message: Record<string, unknown>, key: string): Record<string, unknown> {
  const current = message[key];
  if (typeof current === 'object' && current !== null && !Array.isArray(current))
    return current as Record<string, unknown>;
  if (Array.isArray(current) && typeof current[0] === 'object' && current[0] !== null)
    return current[0] as Record<string, unknown>;
  const fresh: Record<string, unknown> = {};
  put(message, key, fresh);
  return fresh;
}

const AUTH_MEMBERS: ReadonlySet<string> = new Set(['requester_id', 'timestamp', 'nonce', 'requester_signature']);

/** Applies one mutation to `message` in place. */
function mutate(message: Record<string, unknown>, mutation: Mutation, text: RawText): void {
  const keys = Object.keys(message);
  // Mostly a member of the request, sometimes one of the signature's (which then fails to authenticate).
  const requestKeys = keys.filter((k) => !AUTH_MEMBERS.has(k));
  const picked = (pick: number) => {
    const among = pick % 5 === 0 || requestKeys.length === 0 ? keys : requestKeys;
    return among.length === 0 ? undefined : (among[pick % among.length] as string);
  };
  switch (mutation.m) {
    case 'drop': {
      const key = picked(mutation.pick);
      if (key !== undefined) delete message[key];
      return;
    }
    case 'rename': {
      const key = picked(mutation.pick);
      if (key === undefined) return;
      const value = message[key];
      delete message[key];
      put(message, renamed(key, mutation.how), value);
      return;
    }
    case 'retype': {
      const key = picked(mutation.pick);
      if (key !== undefined) put(message, key, mutation.value);
      return;
    }
    case 'duplicate': {
      const key = picked(mutation.pick);
      if (key === undefined) return;
      // The decoy goes in under a placeholder name that is written as the same key.
      const decoyName = text.placeholder(JSON.stringify(key));
      const entries = Object.entries(message);
      for (const k of keys) delete message[k];
      for (const [k, v] of entries) {
        if (k === key && mutation.decoyFirst) put(message, decoyName, mutation.value);
        put(message, k, v);
        if (k === key && !mutation.decoyFirst) put(message, decoyName, mutation.value);
      }
      return;
    }
    case 'set':
      put(message, mutation.field, mutation.value);
      return;
    case 'schedule':
      put(message, 'schedule', mutation.value);
      return;
    case 'huge-array': {
      const n = mutation.n;
      switch (mutation.what) {
        case 'crontabs':
          put(
            message,
            'schedule',
            Array.from({ length: n }, (_, i) => ({ minute: String(i % 60), hour: '3' })),
          );
          return;
        case 'rules':
          put(message, 'schedule', { rules: Array.from({ length: n }, (_, i) => ({ cron: `${i % 60} 4 * * *` })) });
          return;
        case 'except':
          // Every minute but :59 excluded: the search finds a fire within the hour.
          put(message, 'schedule', {
            rules: [{ cron: '* * * * *' }],
            except: Array.from({ length: n }, (_, i) => ({ cron: `${i % 59} * * * *` })),
          });
          return;
        case 'except-all':
          // Every minute excluded: the search gives up after its 100,000 candidates, each checked
          // against every exclusion. With 1,000 of them that takes about 11 s of CPU (reported).
          put(message, 'schedule', {
            rules: [{ cron: '* * * * *' }],
            except: Array.from({ length: n }, (_, i) => ({ cron: `${i % 60} * * * *` })),
          });
          return;
        case 'status':
          put(
            message,
            'status',
            Array.from({ length: n }, () => 'active'),
          );
          return;
        case 'keys':
          for (let i = 0; i < n; i++) put(message, `k${i}`, i);
          return;
      }
      return;
    }
    case 'proto': {
      const target = mutation.where === 'top' ? message : child(message, mutation.where);
      put(target, mutation.key, mutation.value);
      return;
    }
    case 'extra':
      put(message, typeof mutation.key === 'string' ? mutation.key : 'extra', mutation.value);
      return;
    case 'deep':
      put(message, mutation.field, nested(mutation.depth, mutation.arrays));
      return;
    case 'huge-string': {
      const unit = mutation.unit === '' ? 'a' : mutation.unit;
      put(message, mutation.field, unit.repeat(Math.ceil(mutation.size / unit.length)).slice(0, mutation.size));
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Signing and its corruption
// ---------------------------------------------------------------------------------------------

export const AUTH_MODES = [
  'sign-after',
  'sign-before',
  'unsigned',
  'flip-byte',
  'truncate',
  'bad-signature',
  'hmac-length',
  'drop-signature',
  'drop-nonce',
  'drop-timestamp',
  'drop-requester',
  'reuse-nonce',
  'old-timestamp',
  'future-timestamp',
  'edge-timestamp',
  'bad-timestamp',
  'bad-nonce',
  'unknown-requester',
  'uppercase-requester',
  'claim-other',
  'sign-as-other',
] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export interface AuthPlan {
  readonly mode: AuthMode;
  /** Picks among the bad values of the mode, and the byte to flip. */
  readonly pick: number;
  /** Sign as `other` (the HMAC requester) rather than `main`. */
  readonly asOther: boolean;
}

export const authArb: fc.Arbitrary<AuthPlan> = fc.record({
  mode: fc.oneof(
    { weight: 20, arbitrary: fc.constant('sign-after' as const) },
    { weight: 1, arbitrary: fc.constantFrom(...AUTH_MODES) },
  ),
  pick: fc.nat(),
  asOther: rarely,
});

function flipByte(signature: string, pick: number): string {
  const bytes = Buffer.from(signature, 'base64');
  const at = pick % bytes.length;
  bytes[at] = (bytes[at] ?? 0) ^ (1 << (pick % 8));
  return bytes.toString('base64');
}

function pickFrom<T>(values: readonly T[], pick: number): T {
  return values[pick % values.length] as T;
}

/** Inserts `"name": value` as the last member of an object's JSON text. */
function appendMember(text: string, name: string, value: unknown): string {
  const trimmed = text.trimEnd();
  if (!trimmed.endsWith('}')) return text;
  const body = trimmed.slice(0, -1);
  const member = `${JSON.stringify(name)}:${JSON.stringify(value)}`;
  return /\{\s*$/.test(body) ? `${body}${member}}` : `${body},${member}}`;
}

/**
 * The message's text, with auth members and a signature as `auth` says. `mutations` are applied
 * after signing for `sign-before` (the signature then covers something else), else before.
 */
export function signAndSerialize(
  world: FuzzWorld,
  message: Record<string, unknown>,
  mutations: readonly Mutation[],
  auth: AuthPlan,
): Buffer {
  const text = new RawText();
  const signer = auth.asOther || auth.mode === 'sign-as-other' ? world.other : world.main;
  const nonce = newNonce();
  let timestamp: unknown = nowStamp();
  let requesterId: unknown = signer.id;
  let nonceValue: unknown = nonce;
  switch (auth.mode) {
    case 'reuse-nonce':
      nonceValue = world.nonces.length > 0 ? pickFrom(world.nonces, auth.pick) : nonce;
      break;
    case 'old-timestamp':
      timestamp = nowStamp(-(301_000 + (auth.pick % 100_000_000)));
      break;
    case 'future-timestamp':
      timestamp = nowStamp(301_000 + (auth.pick % 100_000_000));
      break;
    case 'edge-timestamp':
      // Inside the window (±5 min) but far from now: must still be let in.
      timestamp = nowStamp(auth.pick % 2 === 0 ? -290_000 : 290_000);
      break;
    case 'bad-timestamp':
      timestamp = pickFrom(TIMESTAMPS, auth.pick);
      break;
    case 'bad-nonce':
      nonceValue = pickFrom(NONCES, auth.pick);
      break;
    case 'unknown-requester':
      requesterId = '6f9619ff-8b86-4d01-b42d-00cf4fc964ff';
      break;
    case 'uppercase-requester':
      requesterId = signer.id.toUpperCase();
      break;
    case 'claim-other':
      requesterId = world.other.id;
      break;
    default:
  }
  // A create names its requester: the signer, as the protocol wants (unless a mutation changes it).
  if (typeof message['requester_id'] === 'string' && message['requester_id'] === world.main.id)
    put(message, 'requester_id', requesterId);
  if (auth.mode === 'drop-requester') delete message['requester_id'];
  else if (auth.mode !== 'unsigned') put(message, 'requester_id', requesterId);
  if (auth.mode !== 'unsigned') {
    if (auth.mode !== 'drop-timestamp') put(message, 'timestamp', timestamp);
    if (auth.mode !== 'drop-nonce') put(message, 'nonce', nonceValue);
  }
  if (auth.mode === 'sign-before') {
    put(message, 'requester_signature', signer.signMessage(message));
    for (const mutation of mutations) mutate(message, mutation, text);
    return Buffer.from(text.serialize(message), 'utf8');
  }
  for (const mutation of mutations) mutate(message, mutation, text);
  if (auth.mode === 'unsigned') return Buffer.from(text.serialize(message), 'utf8');
  const unsigned = text.serialize(message);
  let parsed: unknown;
  try {
    parsed = JSON.parse(unsigned);
  } catch {
    parsed = message;
  }
  const signedObject =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : message;
  const good = signer.signMessage(signedObject);
  let signature: unknown = good;
  switch (auth.mode) {
    case 'flip-byte':
      signature = flipByte(good, auth.pick);
      break;
    case 'truncate':
      signature = good.slice(0, auth.pick % good.length);
      break;
    case 'bad-signature':
      signature = pickFrom(SIGNATURES, auth.pick);
      break;
    case 'hmac-length':
      signature = Buffer.from(good, 'base64').subarray(0, 32).toString('base64');
      break;
    case 'drop-signature':
      return Buffer.from(unsigned, 'utf8');
    default:
  }
  const bytes = Buffer.from(appendMember(unsigned, 'requester_signature', signature), 'utf8');
  if (signature === good && typeof nonceValue === 'string' && typeof timestamp === 'string') {
    remember(world.nonces, nonceValue);
    remember(world.sent, bytes);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Message plans (AMQP bodies, WebSocket request frames)
// ---------------------------------------------------------------------------------------------

export type MessagePlan =
  | {
      readonly kind: 'valid-create';
      readonly shape: 'contract' | 'spec';
      readonly asOther: boolean;
      readonly withOp: boolean;
      readonly withTaskId: boolean;
    }
  | { readonly kind: 'json'; readonly value: unknown; readonly sign: boolean }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'deep'; readonly depth: number; readonly arrays: boolean; readonly asMessage: boolean }
  | { readonly kind: 'huge'; readonly size: number; readonly unit: string; readonly sign: boolean }
  | {
      readonly kind: 'mutated';
      readonly base: BasePlan;
      readonly mutations: readonly Mutation[];
      readonly auth: AuthPlan;
    }
  | { readonly kind: 'corrupt-text'; readonly base: BasePlan; readonly edits: readonly TextEdit[] }
  | { readonly kind: 'replay'; readonly pick: number };

export interface TextEdit {
  readonly at: number;
  readonly op: 'delete' | 'insert' | 'replace' | 'truncate';
  readonly text: string;
}

const textEditArb: fc.Arbitrary<TextEdit> = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  op: fc.constantFrom('delete', 'insert', 'replace', 'truncate'),
  text: fc.oneof(
    fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '\\u', 'null', '\u0000', '\ud800'),
    weirdString,
  ),
});

/** Random bytes: arbitrary, or crafted to be bad UTF-8 or almost-JSON. */
export const bytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      Uint8Array.from([0xff]),
      Uint8Array.from([0xc0, 0x80]),
      Uint8Array.from([0xed, 0xa0, 0x80]),
      Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d]), // {"a":"<truncated €>"}
      Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), // BOM + {}
      Buffer.from('{"op":"list"}', 'utf16le'),
      Buffer.from('\u0000{}\u0000'),
      Buffer.from('{"a":1}{"b":2}'),
      Buffer.from('{"a":1} trailing'),
      Buffer.from('  \n\t{}\n  '),
      Uint8Array.from([0xf4, 0x90, 0x80, 0x80]),
      Uint8Array.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.jsonValue({ maxDepth: 2 }), fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.nat())
      .map(([value, junk, at]) => {
        const text = Buffer.from(JSON.stringify(value) ?? 'null');
        const cut = at % (text.length + 1);
        return Buffer.concat([text.subarray(0, cut), junk, text.subarray(cut)]);
      }),
  },
);

/** Random text: not JSON, JSON fragments, JSON of anything. */
export const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: weirdString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'null',
      'true',
      '0',
      '[]',
      '"string"',
      '{',
      '{"a":',
      '{"a":1,}',
      "{'a':1}",
      '{a:1}',
      'NaN',
      'Infinity',
      '{"a":NaN}',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"op":"list","op":"get"}',
      '{"op":"\\ud800"}',
      '{"\\ud800":1}',
      `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
      '{"a":1}\u0000',
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .anything({
        maxDepth: 3,
        withBoxedValues: true,
        withNullPrototype: true,
        withSparseArray: true,
        withDate: true,
        withTypedArray: true,
      })
      .map((value) => {
        try {
          return JSON.stringify(value) ?? 'undefined';
        } catch {
          return 'null';
        }
      }),
  },
);

const jsonArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }) },
  { weight: 2, arbitrary: fc.dictionary(fieldName, smallJson, { maxKeys: 12 }) },
  {
    weight: 2,
    arbitrary: fc.record(Object.fromEntries(FIELDS.map((f) => [f, fieldValue(f)])), { requiredKeys: [] }),
  },
);

export const messagePlanArb: fc.Arbitrary<MessagePlan> = fc.oneof(
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant('valid-create' as const),
      shape: fc.constantFrom('contract' as const, 'spec' as const),
      asOther: sometimes,
      withOp: fc.boolean(),
      withTaskId: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    }),
  },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('json' as const), value: jsonArb, sign: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('text' as const), text: textArb }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: bytesArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('deep' as const),
      depth: fc.integer({ min: 20, max: 220 }),
      arrays: fc.boolean(),
      asMessage: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('huge' as const), size: hugeSize, unit: hugeUnit, sign: fc.boolean() }),
  },
  {
    weight: 64,
    arbitrary: fc.record({
      kind: fc.constant('mutated' as const),
      base: baseArb,
      mutations: fc.array(mutationArb, { minLength: 0, maxLength: 3 }),
      auth: authArb,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('corrupt-text' as const),
      base: baseArb,
      edits: fc.array(textEditArb, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replay' as const), pick: fc.nat() }) },
);

function applyEdit(text: string, edit: TextEdit): string {
  const at = Math.floor(edit.at * text.length);
  switch (edit.op) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + 1);
    case 'insert':
      return text.slice(0, at) + edit.text + text.slice(at);
    case 'replace':
      return text.slice(0, at) + edit.text + text.slice(at + Math.max(1, edit.text.length));
    case 'truncate':
      return text.slice(0, at);
  }
}

/** A short label of a plan, for failure reports. */
export function describePlan(plan: MessagePlan): string {
  switch (plan.kind) {
    case 'mutated':
      return `mutated ${plan.base.op} [${plan.mutations.map((m) => m.m + ('field' in m ? `:${String(m.field)}` : '')).join(', ')}] auth=${plan.auth.mode}${plan.auth.asOther ? '(other)' : ''}`;
    case 'corrupt-text':
      return `corrupt-text ${plan.base.op} [${plan.edits.map((e) => e.op).join(', ')}]`;
    case 'valid-create':
      return `valid-create ${plan.shape}${plan.asOther ? ' (other)' : ''}${plan.withTaskId ? '' : ' (no task_id)'}`;
    default:
      return plan.kind;
  }
}

/** The plan as bytes, signed now. */
export function materializeMessage(world: FuzzWorld, plan: MessagePlan): WireMessage {
  const label = describePlan(plan);
  switch (plan.kind) {
    case 'valid-create': {
      const owner = plan.asOther ? world.other : world.main;
      const taskId = plan.withTaskId ? nextId(world, 'fzv') : undefined;
      const fields = createFields(world, plan.shape, owner, taskId);
      const message = { ...(plan.withOp ? { op: 'create' } : {}), request_id: nextId(world, 'rq'), ...fields };
      const bytes = signAndSerialize(world, message, [], { mode: 'sign-after', pick: 0, asOther: plan.asOther });
      return { bytes, label, valid: { taskId, owner } };
    }
    case 'json': {
      const value = plan.value;
      if (plan.sign && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const copy: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) put(copy, k, v);
        return { bytes: signAndSerialize(world, copy, [], { mode: 'sign-after', pick: 0, asOther: false }), label };
      }
      return { bytes: Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'), label };
    }
    case 'text':
      return { bytes: Buffer.from(plan.text, 'utf8'), label };
    case 'bytes':
      return { bytes: Buffer.from(plan.bytes), label };
    case 'deep': {
      const inner = nested(plan.depth, plan.arrays);
      const value = plan.asMessage ? { op: 'list', deep: inner } : inner;
      return { bytes: Buffer.from(JSON.stringify(value), 'utf8'), label: `${label} ${plan.depth}` };
    }
    case 'huge': {
      const unit = plan.unit === '' ? 'a' : plan.unit;
      const huge = unit.repeat(Math.ceil(plan.size / unit.length)).slice(0, plan.size);
      const message: Record<string, unknown> = {
        op: 'create',
        ...createFields(world, 'contract', world.main),
        parameters: huge,
      };
      const bytes = plan.sign
        ? signAndSerialize(world, message, [], { mode: 'sign-after', pick: 0, asOther: false })
        : Buffer.from(JSON.stringify({ huge }), 'utf8');
      return { bytes, label: `${label} ${plan.size}` };
    }
    case 'mutated':
      return { bytes: signAndSerialize(world, baseMessage(world, plan.base), plan.mutations, plan.auth), label };
    case 'corrupt-text': {
      const signedText = signAndSerialize(world, baseMessage(world, plan.base), [], {
        mode: 'sign-after',
        pick: 0,
        asOther: false,
      }).toString('utf8');
      return { bytes: Buffer.from(plan.edits.reduce(applyEdit, signedText), 'utf8'), label };
    }
    case 'replay': {
      const previous = world.sent.length > 0 ? pickFrom(world.sent, plan.pick) : Buffer.from('{}');
      return { bytes: previous, label };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// WebSocket frames
// ---------------------------------------------------------------------------------------------

export type FramePlan =
  | { readonly kind: 'request'; readonly plan: MessagePlan; readonly typed: boolean }
  | { readonly kind: 'subscribe'; readonly auth: AuthPlan; readonly requester: unknown }
  | { readonly kind: 'unsubscribe'; readonly requester: unknown }
  | { readonly kind: 'ack'; readonly cursor: unknown }
  | { readonly kind: 'bad-type'; readonly type: unknown; readonly rest: Readonly<Record<string, unknown>> }
  | { readonly kind: 'binary'; readonly bytes: Uint8Array }
  | { readonly kind: 'oversize'; readonly extra: number }
  | { readonly kind: 'invalid-utf8'; readonly bytes: Uint8Array };

const idValue = fc.oneof(
  { weight: 3, arbitrary: fc.constant('self') },
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(256), 'x'.repeat(257), null, 1, [], {}, '\ud800') },
  { weight: 1, arbitrary: weirdString },
);

export const framePlanArb: fc.Arbitrary<FramePlan> = fc.oneof(
  {
    weight: 800,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      plan: messagePlanArb,
      typed: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    }),
  },
  {
    weight: 40,
    arbitrary: fc.record({ kind: fc.constant('subscribe' as const), auth: authArb, requester: idValue }),
  },
  { weight: 20, arbitrary: fc.record({ kind: fc.constant('unsubscribe' as const), requester: idValue }) },
  { weight: 20, arbitrary: fc.record({ kind: fc.constant('ack' as const), cursor: idValue }) },
  {
    weight: 30,
    arbitrary: fc.record({
      kind: fc.constant('bad-type' as const),
      type: fc.oneof(
        fc.constantFrom(
          'REQUEST',
          'result',
          'reply',
          'error',
          'subscribed',
          '__proto__',
          'constructor',
          '',
          null,
          1,
          [],
        ),
        weirdString,
      ),
      rest: fc.dictionary(fieldName, smallJson, { maxKeys: 4 }),
    }),
  },
  { weight: 30, arbitrary: fc.record({ kind: fc.constant('binary' as const), bytes: bytesArb }) },
  // Rare: each one closes the connection (1009, 1007), which is then opened again.
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('oversize' as const), extra: fc.integer({ min: 1, max: 5000 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('invalid-utf8' as const),
      bytes: fc.constantFrom(
        Uint8Array.from([0xff]),
        Uint8Array.from([0x7b, 0xc0, 0x80, 0x7d]),
        Uint8Array.from([0xed, 0xa0, 0x80]),
      ),
    }),
  },
);

/** What a frame should get back: a reply, one other frame (error, subscribed, unsubscribed), nothing, or a close. */
export type FrameExpectation =
  | { readonly answer: 'reply'; readonly requestId: string | undefined }
  | { readonly answer: 'frame' }
  | { readonly answer: 'none' }
  | { readonly answer: 'close'; readonly code: number };

export interface WireFrame extends WireMessage {
  readonly binary: boolean;
  readonly expect: FrameExpectation;
}

/** The answer the server owes a text frame, decided from its text the way the server reads it. */
function expectationOf(text: string): FrameExpectation {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { answer: 'frame' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { answer: 'frame' };
  const fields = body as Record<string, unknown>;
  const validId = (v: unknown) => typeof v === 'string' && v !== '' && v.length <= 256;
  switch (fields['type']) {
    case undefined:
    case 'request':
      return {
        answer: 'reply',
        requestId: typeof fields['request_id'] === 'string' ? fields['request_id'] : undefined,
      };
    case 'ack':
      return validId(fields['cursor']) ? { answer: 'none' } : { answer: 'frame' };
    default:
      return { answer: 'frame' };
  }
}

export function materializeFrame(world: FuzzWorld, plan: FramePlan, maxPayload: number): WireFrame {
  const textFrame = (bytes: Buffer, label: string, valid?: WireMessage['valid']): WireFrame => ({
    bytes,
    label,
    binary: false,
    expect: expectationOf(bytes.toString('utf8')),
    ...(valid === undefined ? {} : { valid }),
  });
  const id = (value: unknown) => (value === 'self' ? world.main.id : value);
  switch (plan.kind) {
    case 'request': {
      const message = materializeMessage(world, plan.plan);
      let bytes = message.bytes;
      if (plan.typed) {
        // `type: "request"` is not signed: the frame without it is the message.
        const text = bytes.toString('utf8');
        if (text.trimStart().startsWith('{') && text.trimEnd().endsWith('}') && text.trim() !== '{}')
          bytes = Buffer.from(`{"type":"request",${text.trimStart().slice(1)}`, 'utf8');
      }
      // Bodies that are not UTF-8 or too large are sent as frames of their own kinds, below.
      if (!isUtf8(bytes)) return { bytes, label: message.label, binary: true, expect: { answer: 'frame' } };
      if (bytes.length > maxPayload)
        return { bytes, label: message.label, binary: false, expect: { answer: 'close', code: 1009 } };
      return textFrame(bytes, `${message.label}${plan.typed ? ' (type: request)' : ''}`, message.valid);
    }
    case 'subscribe': {
      const message: Record<string, unknown> = { type: 'subscribe' };
      const requester = id(plan.requester);
      const bytes = signAndSerialize(world, message, [], plan.auth);
      // The subscribed requester is the signer unless the plan names another.
      const text =
        plan.requester === 'self'
          ? bytes
          : Buffer.from(JSON.stringify({ ...JSON.parse(bytes.toString()), requester_id: requester }));
      return textFrame(text, `subscribe auth=${plan.auth.mode}`);
    }
    case 'unsubscribe':
      return textFrame(
        Buffer.from(JSON.stringify({ type: 'unsubscribe', requester_id: id(plan.requester) })),
        'unsubscribe',
      );
    case 'ack':
      return textFrame(Buffer.from(JSON.stringify({ type: 'ack', cursor: id(plan.cursor) })), 'ack');
    case 'bad-type':
      return textFrame(Buffer.from(JSON.stringify({ ...plan.rest, type: plan.type })), 'bad-type');
    case 'binary':
      return { bytes: Buffer.from(plan.bytes), label: 'binary', binary: true, expect: { answer: 'frame' } };
    case 'oversize': {
      const size = maxPayload + plan.extra;
      const bytes = Buffer.from(`{"op":"list","pad":"${'x'.repeat(size)}"}`, 'utf8');
      return { bytes, label: `oversize ${bytes.length}`, binary: false, expect: { answer: 'close', code: 1009 } };
    }
    case 'invalid-utf8':
      return {
        bytes: Buffer.from(plan.bytes),
        label: 'invalid-utf8 text',
        binary: false,
        expect: { answer: 'close', code: 1007 },
      };
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
function isUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// REST requests
// ---------------------------------------------------------------------------------------------

const ROUTES: readonly { readonly method: string; readonly path: string; readonly body?: BaseOp }[] = [
  { method: 'POST', path: '/v1/tasks', body: 'create-contract' },
  { method: 'GET', path: '/v1/tasks' },
  { method: 'GET', path: '/v1/tasks/{id}' },
  { method: 'PATCH', path: '/v1/tasks/{id}', body: 'update' },
  { method: 'DELETE', path: '/v1/tasks/{id}' },
  { method: 'POST', path: '/v1/tasks/{id}/pause' },
  { method: 'POST', path: '/v1/tasks/{id}/resume' },
  { method: 'POST', path: '/v1/tasks/{id}/trigger' },
  { method: 'GET', path: '/v1/tasks/{id}/runs' },
  { method: 'POST', path: '/v1/schedules/preview', body: 'preview' },
  { method: 'GET', path: '/v1/keys/scheduler' },
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/readyz' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/openapi.json' },
  { method: 'GET', path: '/v1/ws' },
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/v1' },
  { method: 'GET', path: '/v1/' },
  { method: 'POST', path: '/v2/tasks', body: 'create-contract' },
  { method: 'POST', path: '/v1/tasks/', body: 'create-contract' },
  { method: 'POST', path: '//v1//tasks', body: 'create-contract' },
  { method: 'POST', path: '/V1/TASKS', body: 'create-contract' },
  { method: 'GET', path: '/v1/tasks/{id}/unknown' },
  { method: 'GET', path: '/v1/tasks/{id}/{id}/runs' },
  { method: 'POST', path: '/v1/tasks/{id}', body: 'create-contract' },
  { method: 'POST', path: '/v1/tasks?x=1', body: 'create-contract' },
];

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE'] as const;

const PATH_IDS: readonly string[] = [
  '',
  '%',
  '%zz',
  '%00',
  '%2F',
  '%2e%2e',
  '..',
  '.',
  '%C3%BC',
  '%C3%28',
  '%ED%A0%80',
  '%F0%9F%98%80',
  'a'.repeat(128),
  'a'.repeat(129),
  'a'.repeat(257),
  'a'.repeat(5000),
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'a:b',
  '-x',
  'x;y',
  "x'y",
  'x(y)',
  '~',
  'x@y',
  '\u00e9',
  '\u00ff\u00fe',
];

/** Path characters, ASCII (the bytes above, U+0080-U+00FF, make the HTTP parser refuse the request: rawPath only). */
const pathChar = fc.constantFrom(...'abcxyzABC019-._~!$&\'()*+,;=:@%/?#[]<>^`{|}"\\'.split(''));
const rawPath = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: pathChar, maxLength: 60 }).map((p) => `/${p}`) },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: fc.integer({ min: 0x21, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 30 })
      .map((p) => `/${p}`),
  },
);

const QUERY_KEYS = [
  'requester_id',
  'status',
  'limit',
  'cursor',
  'x',
  '__proto__',
  'constructor',
  'constructor[prototype][x]',
  'a[b]',
  'status[]',
  '',
];
const QUERY_VALUES = [
  'active',
  'active,paused',
  'active,,',
  'bogus',
  '',
  '0',
  '-1',
  '1',
  '1000',
  '1001',
  '99999999999',
  '1e3',
  '1.5',
  'abc',
  '%',
  '%zz',
  '%00',
  '%C3%28',
  'x'.repeat(600),
  '00000000-0000-0000-0000-000000000000',
];
const queryPart = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...QUERY_VALUES) },
  { weight: 1, arbitrary: fc.string({ unit: pathChar, maxLength: 20 }) },
);
const queryArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), queryPart), queryPart), { minLength: 1, maxLength: 5 })
      .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  },
  { weight: 1, arbitrary: fc.string({ unit: pathChar, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('&&&', '=', '==', '&=&', 'status', 'limit', 'a=1&a=2&a=3') },
);

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/JSON',
  'application/json;charset=latin1',
  'application/json; charset=utf-16',
  'application/jsonx',
  'application/problem+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'text/json',
  '*/*',
  '',
  'application/json, text/plain',
  'application/json; foo="bar',
];

const HEADER_NAMES = [
  'accept',
  'accept-encoding',
  'authorization',
  'cookie',
  'origin',
  'referer',
  'user-agent',
  'x-forwarded-for',
  'x-real-ip',
  'forwarded',
  'content-encoding',
  'if-none-match',
  'range',
  'idempotency-key',
  'x-br-requester-id',
  'x-br-timestamp',
  'x-br-nonce',
  'x-br-signature',
  'x-request-id',
  'sec-websocket-key',
  'x-http-method-override',
];
/** Header values Node's client sends (no CR, LF, NUL, other controls but tab). */
const headerValueChar = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)) },
);
const headerValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: headerValueChar, maxLength: 60 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', 'gzip', 'br, deflate', 'bytes=0-1', 'x'.repeat(4000), '127.0.0.1, 10.0.0.1'),
  },
);
const headerArb = fc.tuple(
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HEADER_NAMES) },
    { weight: 1, arbitrary: fc.stringMatching(/^x-[a-z0-9-]{1,20}$/) },
  ),
  fc.oneof(
    { weight: 5, arbitrary: headerValue },
    { weight: 1, arbitrary: fc.array(headerValue, { minLength: 2, maxLength: 3 }) },
  ),
);

export type HttpBodyPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'base'; readonly mutations: readonly Mutation[] }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'deep'; readonly depth: number; readonly arrays: boolean }
  | { readonly kind: 'huge'; readonly size: number; readonly unit: string };

export const HTTP_AUTH_MODES = [
  'valid',
  'unsigned',
  'flip-byte',
  'truncate',
  'bad-signature',
  'wrong-body',
  'wrong-target',
  'wrong-method',
  'old-timestamp',
  'future-timestamp',
  'bad-timestamp',
  'reuse-nonce',
  'bad-nonce',
  'repeated-header',
  'unknown-requester',
  'uppercase-requester',
  'missing-header',
  'lowercase-signature-header-names',
] as const;
export type HttpAuthMode = (typeof HTTP_AUTH_MODES)[number];

export type HttpPlan =
  | {
      readonly kind: 'valid-create';
      readonly shape: 'contract' | 'spec';
      readonly asOther: boolean;
      readonly withTaskId: boolean;
      readonly idempotencyKey: boolean;
    }
  | {
      readonly kind: 'fuzz';
      readonly route: number;
      readonly method: string | null;
      readonly rawPath: string | null;
      readonly id: { readonly pool: number } | { readonly text: string };
      readonly query: string | null;
      readonly headers: readonly (readonly [string, string | readonly string[]])[];
      readonly contentType: string | null;
      readonly body: HttpBodyPlan;
      readonly base: BasePlan;
      readonly auth: { readonly mode: HttpAuthMode; readonly pick: number; readonly asOther: boolean };
    };

const httpBodyArb: fc.Arbitrary<HttpBodyPlan> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 40,
    arbitrary: fc.record({ kind: fc.constant('base' as const), mutations: fc.array(mutationArb, { maxLength: 3 }) }),
  },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('json' as const), value: jsonArb }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('text' as const), text: textArb }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: bytesArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('deep' as const),
      depth: fc.integer({ min: 20, max: 220 }),
      arrays: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), size: hugeSize, unit: hugeUnit }) },
);

export const httpPlanArb: fc.Arbitrary<HttpPlan> = fc.oneof(
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant('valid-create' as const),
      shape: fc.constantFrom('contract' as const, 'spec' as const),
      asOther: sometimes,
      withTaskId: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      idempotencyKey: fc.boolean(),
    }),
  },
  {
    weight: 93,
    arbitrary: fc.record({
      kind: fc.constant('fuzz' as const),
      // Mostly the API's routes (the first ten), so bodies reach the request checks behind them.
      route: fc.oneof({ weight: 3, arbitrary: fc.nat(9) }, { weight: 1, arbitrary: fc.nat(ROUTES.length - 1) }),
      method: fc.oneof(
        { weight: 4, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom(...HTTP_METHODS) },
      ),
      rawPath: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: rawPath }),
      id: fc.oneof(
        { weight: 4, arbitrary: fc.record({ pool: fc.nat(50) }) },
        { weight: 2, arbitrary: fc.record({ text: fc.constantFrom(...PATH_IDS) }) },
        { weight: 1, arbitrary: fc.record({ text: fc.string({ unit: pathChar, maxLength: 30 }) }) },
      ),
      query: queryArb,
      headers: fc.array(headerArb, { maxLength: 4 }),
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      ),
      body: httpBodyArb,
      base: baseArb,
      auth: fc.record({
        mode: fc.oneof(
          { weight: 25, arbitrary: fc.constant('valid' as const) },
          { weight: 1, arbitrary: fc.constantFrom(...HTTP_AUTH_MODES) },
        ),
        pick: fc.nat(),
        asOther: rarely,
      }),
    }),
  },
);

/** A REST request as sent: method, target (path and query, exactly), headers and body bytes. */
export interface WireRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer | undefined;
  readonly label: string;
  readonly valid?: { readonly taskId: string | undefined; readonly owner: TestRequester };
}

/** A REST body cut from a base message: no op or request_id (the route sets them), no task_id on a task's route. */
export function restBody(message: Record<string, unknown>, taskRoute: boolean): Record<string, unknown> {
  const { op: _op, request_id: _requestId, ...rest } = message;
  if (taskRoute) delete rest['task_id'];
  return rest;
}

export function materializeRequest(world: FuzzWorld, plan: HttpPlan): WireRequest {
  if (plan.kind === 'valid-create') {
    const owner = plan.asOther ? world.other : world.main;
    const taskId = plan.withTaskId ? nextId(world, 'fzv') : undefined;
    const body = Buffer.from(JSON.stringify(createFields(world, plan.shape, owner, taskId)), 'utf8');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...owner.signHttp('POST', '/v1/tasks', body),
      ...(plan.idempotencyKey ? { 'idempotency-key': nextId(world, 'idem') } : {}),
    };
    return {
      method: 'POST',
      target: '/v1/tasks',
      headers,
      body,
      label: `valid-create ${plan.shape}`,
      valid: { taskId, owner },
    };
  }
  const route = ROUTES[plan.route] as (typeof ROUTES)[number];
  const method = plan.method ?? route.method;
  const id = 'pool' in plan.id ? poolTask(world, plan.id.pool) : plan.id.text;
  const idInPath = 'pool' in plan.id ? encodeURIComponent(id) : id;
  let path = plan.rawPath ?? route.path.replaceAll('{id}', idInPath);
  if (path.length === 0) path = '/';
  const target = plan.query === null ? path : `${path}${path.includes('?') ? '&' : '?'}${plan.query}`;

  let body: Buffer | undefined;
  // Routes that take no body get one now and then only: a GET's body is not read, nor signed.
  const b: HttpBodyPlan = route.body === undefined && plan.base.variant % 4 !== 0 ? { kind: 'none' } : plan.body;
  switch (b.kind) {
    case 'none':
      body = undefined;
      break;
    case 'base': {
      const base = baseMessage(world, { ...plan.base, op: route.body ?? plan.base.op });
      const fields = restBody(base, route.path.includes('{id}'));
      const text = new RawText();
      for (const mutation of b.mutations) mutate(fields, mutation, text);
      body = Buffer.from(text.serialize(fields), 'utf8');
      break;
    }
    case 'json':
      body = Buffer.from(JSON.stringify(b.value) ?? 'null', 'utf8');
      break;
    case 'text':
      body = Buffer.from(b.text, 'utf8');
      break;
    case 'bytes':
      body = Buffer.from(b.bytes);
      break;
    case 'deep':
      body = Buffer.from(JSON.stringify({ requester_id: world.main.id, deep: nested(b.depth, b.arrays) }), 'utf8');
      break;
    case 'huge': {
      const unit = b.unit === '' ? 'a' : b.unit;
      const huge = unit.repeat(Math.ceil(b.size / unit.length)).slice(0, b.size);
      body = Buffer.from(JSON.stringify({ ...createFields(world, 'contract', world.main), parameters: huge }), 'utf8');
      break;
    }
  }

  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of plan.headers) headers[name] = typeof value === 'string' ? value : [...value];
  if (plan.contentType !== null && body !== undefined) headers['content-type'] = plan.contentType;
  else if (plan.contentType !== null && plan.auth.pick % 4 === 0) headers['content-type'] = plan.contentType;

  const signer = plan.auth.asOther ? world.other : world.main;
  const auth = plan.auth;
  if (auth.mode !== 'unsigned') {
    let nonce = newNonce();
    let timestamp = nowStamp();
    let requesterId = signer.id;
    let signedMethod = method;
    let signedTarget = target;
    let signedBody: Buffer | string = body ?? '';
    switch (auth.mode) {
      case 'old-timestamp':
        timestamp = nowStamp(-(301_000 + (auth.pick % 10_000_000)));
        break;
      case 'future-timestamp':
        timestamp = nowStamp(301_000 + (auth.pick % 10_000_000));
        break;
      case 'bad-timestamp':
        timestamp = String(pickFrom(TIMESTAMPS, auth.pick));
        break;
      case 'reuse-nonce':
        nonce = world.nonces.length > 0 ? pickFrom(world.nonces, auth.pick) : nonce;
        break;
      case 'bad-nonce':
        nonce = pickFrom(['', 'short', 'a'.repeat(129), 'bad+/chars=0123456789', 'x'.repeat(15)], auth.pick);
        break;
      case 'unknown-requester':
        requesterId = '6f9619ff-8b86-4d01-b42d-00cf4fc964ff';
        break;
      case 'uppercase-requester':
        requesterId = signer.id.toUpperCase();
        break;
      case 'wrong-body':
        signedBody = `${signedBody.toString()} `;
        break;
      case 'wrong-target':
        signedTarget = path === target ? `${target}?` : path;
        break;
      case 'wrong-method':
        signedMethod = method === 'GET' ? 'POST' : 'GET';
        break;
      default:
    }
    const signedHeaders = signer.signHttp(signedMethod, signedTarget, signedBody, nonce, timestamp);
    const good = signedHeaders['x-br-signature'];
    let signature: string | string[] = good;
    switch (auth.mode) {
      case 'flip-byte':
        signature = flipByte(good, auth.pick);
        break;
      case 'truncate':
        signature = good.slice(0, auth.pick % good.length);
        break;
      case 'bad-signature':
        signature = pickFrom(['', 'not base64!', '====', 'A', 'x'.repeat(600), 'unsigned'], auth.pick);
        break;
      case 'repeated-header':
        signature = [good, good];
        break;
      default:
    }
    const names =
      auth.mode === 'lowercase-signature-header-names'
        ? { id: 'X-BR-REQUESTER-ID', ts: 'X-Br-Timestamp', nonce: 'x-br-NONCE', sig: 'X-Br-Signature' }
        : { id: 'x-br-requester-id', ts: 'x-br-timestamp', nonce: 'x-br-nonce', sig: 'x-br-signature' };
    for (const name of Object.keys(headers)) if (name.toLowerCase().startsWith('x-br-')) delete headers[name];
    headers[names.id] = requesterId;
    headers[names.ts] = timestamp;
    headers[names.nonce] = nonce;
    headers[names.sig] = signature;
    if (auth.mode === 'missing-header') delete headers[pickFrom(Object.values(names), auth.pick)];
    if (signature === good && auth.mode === 'valid') remember(world.nonces, nonce);
  }
  const label = `${method} ${target.length > 120 ? `${target.slice(0, 120)}…` : target} body=${b.kind}${
    b.kind === 'base' ? `[${b.mutations.map((m) => m.m + ('field' in m ? `:${String(m.field)}` : '')).join(', ')}]` : ''
  } auth=${auth.mode}`;
  return { method, target, headers, body, label };
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1 (what Node's client will not send: the server's HTTP parser sees it as is)
// ---------------------------------------------------------------------------------------------

/**
 * A request written byte for byte on a socket of its own; always complete, so the server owes an
 * answer. Always with a Host header and no unknown Expect: Node's HTTP server answers those itself
 * (400 and 417, correct statuses but with no problem document; reported, not fixed).
 */
export interface RawHttpPlan {
  readonly kind: 'raw';
  readonly method: string;
  readonly target: string;
  readonly version: string;
  readonly headers: readonly string[];
  readonly body: string | null;
}

const rawTarget = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '/v1/tasks',
      '/v1/tasks?status=\u00ce',
      '/\u00f8',
      '/v1/tasks/\u00e9t\u00e9',
      '*',
      'http://127.0.0.1/v1/tasks',
      '/a b',
      '/\u007f',
      '/%',
      'v1/tasks',
      '/v1/tasks\u0000',
      '/v1/tasks\t',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: fc.integer({ min: 0x21, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 30 })
      .map((p) => `/${p}`),
  },
);

export const rawHttpArb: fc.Arbitrary<RawHttpPlan> = fc.record({
  kind: fc.constant('raw' as const),
  method: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE') },
    { weight: 1, arbitrary: fc.constantFrom('PROPFIND', 'G ET', 'get', 'POST\u0000', 'BREW', 'GET\u00e9', 'PRI') },
  ),
  target: rawTarget,
  version: fc.oneof(
    { weight: 4, arbitrary: fc.constant('HTTP/1.1') },
    {
      weight: 1,
      arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'http/1.1', 'HTTP/1', '', 'HTTP/1.1 x'),
    },
  ),
  headers: fc.array(
    fc.constantFrom(
      'Bad Header',
      'X-A: \u0001b',
      'X-B: \u00e9t\u00e9',
      'Content-Length: abc',
      'Content-Length: -1',
      'Content-Length: 1\r\nContent-Length: 2',
      'Transfer-Encoding: chunked\r\nContent-Length: 0',
      ' folded: continuation',
      `X-Long: ${'a'.repeat(20_000)}`,
      'Host: other',
      ': empty name',
      'X-Br-Signature: AAAA',
      'Content-Type: application/json',
      'Expect: 100-continue-please',
    ),
    { maxLength: 3 },
  ),
  body: fc.oneof(fc.constant(null), fc.constantFrom('{}', '{"op":"list"}', 'not json', '\u00e9')),
});

/** The bytes of a raw plan: Host first, the body framed by an exact Content-Length, the connection closed after. */
export function rawHttpBytes(plan: RawHttpPlan): Buffer {
  const body = plan.body === null ? Buffer.alloc(0) : Buffer.from(plan.body, 'utf8');
  const lines = [
    `${plan.method} ${plan.target} ${plan.version}`.trimEnd(),
    'Host: 127.0.0.1',
    'Connection: close',
    ...plan.headers,
    ...(plan.body === null ? [] : [`Content-Length: ${body.length}`]),
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}
