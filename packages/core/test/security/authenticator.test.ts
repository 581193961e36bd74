import { createSecretKey, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  CredentialSet,
  DEFAULT_REPLAY_WINDOW_MS,
  httpSigningInput,
  ReplayGuard,
  RequestAuthenticator,
  readEd25519PrivateKey,
  SIGNATURE_HEADERS,
  type SignedRequest,
  signEd25519,
} from '../../src/security/index.ts';
import { FakeClock } from '../../src/testing/index.ts';
import {
  A,
  ADMIN,
  B,
  credentials,
  freshNonce,
  H,
  keys,
  manualClock,
  START,
  STRANGER,
  signAs,
  thrown,
} from './helpers.ts';

const WINDOW = DEFAULT_REPLAY_WINDOW_MS;
const at = (offsetMs: number) => new Date(Date.parse(START) + offsetMs).toISOString();
const cancel = { op: 'cancel', task_id: 'weekly-report', request_id: 'r-1' };

function setup(windowMs?: number) {
  const clock = new FakeClock(START);
  const authenticator = new RequestAuthenticator({
    credentials: credentials(),
    clock,
    ...(windowMs === undefined ? {} : { windowMs }),
  });
  return { clock, authenticator };
}

/** The code and issue paths of what authenticating `message` threw. */
function refusal(authenticator: RequestAuthenticator, message: Record<string, unknown>) {
  const error = thrown(() => authenticator.authenticateMessage(message));
  expect(error).toBeInstanceOf(AuthenticationError);
  return { code: error.code, paths: (error.issues ?? []).map((i) => i.path) };
}

describe('RequestAuthenticator: good signatures', () => {
  it('lets in a message signed with the Ed25519 key or the HMAC secret of its requester', () => {
    const { authenticator } = setup();
    expect(authenticator.authenticateMessage(signAs(A, keys.a, cancel, { timestamp: START }))).toEqual({
      requesterId: A,
      admin: false,
    });
    expect(authenticator.authenticateMessage(signAs(H, keys.h, cancel, { timestamp: START }))).toEqual({
      requesterId: H,
      admin: false,
    });
    expect(authenticator.authenticateMessage(signAs(ADMIN, keys.admin, cancel, { timestamp: START }))).toEqual({
      requesterId: ADMIN,
      admin: true,
    });
    expect(authenticator.remembered).toBe(3);
  });

  it('names the requester by its configured id, whatever the case the message used', () => {
    const { authenticator } = setup();
    const message = signAs(A.toUpperCase(), keys.a, cancel, { timestamp: START });
    expect(authenticator.authenticateMessage(message).requesterId).toBe(A);
  });

  it('checks an HTTP request the same way, through its signing input', () => {
    const { authenticator } = setup();
    const nonce = freshNonce();
    const parts = { method: 'GET', target: '/v1/tasks?limit=1', requesterId: B, timestamp: START, nonce, body: '' };
    const signature = signEd25519(readEd25519PrivateKey(keys.b.privatePem), httpSigningInput(parts));
    const request: SignedRequest = {
      requesterId: B,
      timestamp: START,
      nonce,
      signature,
      signingInput: () => httpSigningInput(parts),
    };
    expect(authenticator.authenticate(request)).toEqual({ requesterId: B, admin: false });
    // The same request for another target does not verify.
    const elsewhere = {
      ...request,
      nonce: freshNonce(),
      signingInput: () => httpSigningInput({ ...parts, target: '/v1/tasks' }),
    };
    expect(thrown(() => authenticator.authenticate(elsewhere)).code).toBe('SIGNATURE_INVALID');
  });
});

describe('RequestAuthenticator: missing and malformed credentials', () => {
  it('names each missing field', () => {
    const { authenticator } = setup();
    const good = signAs(A, keys.a, cancel, { timestamp: START });
    for (const field of ['requester_id', 'timestamp', 'nonce', 'requester_signature']) {
      const { [field]: _gone, ...without } = good;
      expect(refusal(authenticator, without), field).toEqual({ code: 'UNAUTHENTICATED', paths: [field] });
    }
    expect(refusal(authenticator, cancel)).toEqual({
      code: 'UNAUTHENTICATED',
      paths: ['requester_id', 'timestamp', 'nonce', 'requester_signature'],
    });
  });

  it('refuses fields of the wrong type or form as missing', () => {
    const { authenticator } = setup();
    const good = signAs(A, keys.a, cancel, { timestamp: START });
    const cases: [string, unknown][] = [
      ['requester_id', ''],
      ['requester_id', 42],
      ['requester_id', null],
      ['timestamp', Date.parse(START)],
      ['timestamp', `${START}${' '.repeat(60)}`],
      ['nonce', 'short'],
      ['nonce', 'a'.repeat(15)],
      ['nonce', 'a'.repeat(129)],
      ['nonce', 'has spaces in it, sixteen+'],
      ['nonce', 'padded+base64/nonce=='],
      ['nonce', 1234567890123456],
      ['requester_signature', ''],
      ['requester_signature', ['sig']],
    ];
    for (const [field, value] of cases) {
      expect(refusal(authenticator, { ...good, [field]: value }), `${field}: ${JSON.stringify(value)}`).toEqual({
        code: 'UNAUTHENTICATED',
        paths: [field],
      });
    }
    // Nonces of 16 and 128 characters are the bounds.
    for (const nonce of ['a'.repeat(16), `${'_-'.repeat(63)}Zz`]) {
      expect(authenticator.authenticateMessage(signAs(A, keys.a, cancel, { timestamp: START, nonce }))).toMatchObject({
        requesterId: A,
      });
    }
  });

  it('refuses a timestamp that is no date', () => {
    const { authenticator } = setup();
    for (const timestamp of ['yesterday', '2026-13-45T10:00:00Z', '']) {
      const message = signAs(A, keys.a, cancel, { timestamp });
      expect(refusal(authenticator, message), timestamp).toEqual({ code: 'UNAUTHENTICATED', paths: ['timestamp'] });
    }
  });

  it('refuses an unknown requester', () => {
    const { authenticator } = setup();
    const message = signAs(STRANGER, keys.a, cancel, { timestamp: START });
    expect(refusal(authenticator, message)).toEqual({ code: 'UNAUTHENTICATED', paths: ['requester_id'] });
    expect(refusal(authenticator, { ...message, requester_id: 'billing' })).toEqual({
      code: 'UNAUTHENTICATED',
      paths: ['requester_id'],
    });
  });

  it("names the fields as the channel does (an HTTP request's headers)", () => {
    const { authenticator } = setup();
    const fieldNames = {
      requester_id: 'X-Br-Requester-Id',
      timestamp: 'X-Br-Timestamp',
      nonce: 'X-Br-Nonce',
      requester_signature: 'X-Br-Signature',
    };
    const unsigned: SignedRequest = {
      requesterId: undefined,
      timestamp: undefined,
      nonce: undefined,
      signature: undefined,
      fieldNames,
      signingInput: () => Buffer.alloc(0),
    };
    const error = thrown(() => authenticator.authenticate(unsigned));
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.issues?.map((i) => i.path)).toEqual(Object.values(fieldNames));

    const parts = { method: 'GET', target: '/v1/tasks', requesterId: A, body: '' };
    const signed = (timestamp: string, nonce: string): SignedRequest => {
      const input = httpSigningInput({ ...parts, timestamp, nonce });
      return {
        requesterId: A,
        timestamp,
        nonce,
        signature: signEd25519(readEd25519PrivateKey(keys.a.privatePem), input),
        fieldNames,
        signingInput: () => input,
      };
    };
    const pathsOf = (request: SignedRequest) =>
      thrown(() => authenticator.authenticate(request)).issues?.map((i) => i.path);
    expect(pathsOf({ ...signed(START, freshNonce()), requesterId: STRANGER })).toEqual(['X-Br-Requester-Id']);
    expect(pathsOf({ ...signed(START, freshNonce()), signature: 'AAAA' })).toEqual(['X-Br-Signature']);
    expect(pathsOf(signed(at(WINDOW + 1), freshNonce()))).toEqual(['X-Br-Timestamp']);
    expect(pathsOf(signed('not a date', freshNonce()))).toEqual(['X-Br-Timestamp']);
    const nonce = freshNonce();
    authenticator.authenticate(signed(START, nonce));
    expect(pathsOf(signed(START, nonce))).toEqual(['X-Br-Nonce']);
    expect(Object.keys(SIGNATURE_HEADERS)).toEqual(Object.keys(fieldNames));
  });
});

describe('RequestAuthenticator: signatures that do not verify', () => {
  it("refuses a message signed with another requester's key or secret", () => {
    const { authenticator } = setup();
    expect(refusal(authenticator, signAs(A, keys.b, cancel, { timestamp: START }))).toEqual({
      code: 'SIGNATURE_INVALID',
      paths: ['requester_signature'],
    });
    expect(refusal(authenticator, signAs(H, randomBytes(32).toString('base64'), cancel, { timestamp: START }))).toEqual(
      {
        code: 'SIGNATURE_INVALID',
        paths: ['requester_signature'],
      },
    );
    // An Ed25519 signature where an HMAC is configured, and the reverse: the configuration decides the kind.
    expect(refusal(authenticator, signAs(H, keys.a, cancel, { timestamp: START })).code).toBe('SIGNATURE_INVALID');
    expect(refusal(authenticator, signAs(A, keys.h, cancel, { timestamp: START })).code).toBe('SIGNATURE_INVALID');
  });

  it('refuses the message when any member is changed, added or removed', () => {
    const { authenticator } = setup();
    const message = signAs(
      A,
      keys.a,
      {
        op: 'create',
        uri: 'http://127.0.0.1:9/report',
        parameters: { team: 'ops', n: [1, 2] },
        schedule: [{ minute: '0' }],
      },
      { timestamp: START },
    );
    const changes: Record<string, unknown>[] = [
      { op: 'update' },
      { uri: 'http://127.0.0.1:9/report2' },
      { parameters: { team: 'ops', n: [1, 3] } },
      { parameters: { n: [1, 2], team: 'ops', extra: null } },
      { schedule: [{ minute: '1' }] },
      { requester_id: B },
      { timestamp: at(1) },
      { nonce: freshNonce() },
      { request_id: 'added' },
    ];
    for (const change of changes) {
      expect(refusal(authenticator, { ...message, ...change }), JSON.stringify(change)).toEqual({
        code: 'SIGNATURE_INVALID',
        paths: ['requester_signature'],
      });
    }
    for (const field of ['op', 'uri', 'parameters', 'schedule']) {
      const { [field]: _gone, ...without } = message;
      expect(refusal(authenticator, without).code, `without ${field}`).toBe('SIGNATURE_INVALID');
    }
    // None of those burned the nonce: the message as signed still goes through.
    expect(authenticator.authenticateMessage(message).requesterId).toBe(A);
  });

  it('refuses any changed signature', () => {
    const { authenticator } = setup();
    for (const [id, key] of [
      [A, keys.a],
      [H, keys.h],
    ] as const) {
      const message = signAs(id, key, cancel, { timestamp: START });
      const signature = String(message['requester_signature']);
      const bytes = Buffer.from(signature, 'base64');
      for (let i = 0; i < bytes.length; i++) {
        const flipped = Buffer.from(bytes);
        flipped[i] = (flipped[i] ?? 0) ^ 0x80;
        expect(refusal(authenticator, { ...message, requester_signature: flipped.toString('base64') }).code).toBe(
          'SIGNATURE_INVALID',
        );
      }
      const variants = [
        bytes.subarray(1).toString('base64'),
        Buffer.concat([bytes, Buffer.from([0])]).toString('base64'),
        bytes.toString('base64url'),
        `${signature} `,
        // The last character's unused bits: the same bytes, spelt otherwise.
        `${signature.slice(0, signature.indexOf('=') - 1)}${signature.at(signature.indexOf('=') - 1) === 'A' ? 'B' : 'A'}${signature.slice(signature.indexOf('='))}`,
      ].filter((s) => s !== signature);
      for (const variant of variants) {
        expect(refusal(authenticator, { ...message, requester_signature: variant }).code, variant).toBe(
          'SIGNATURE_INVALID',
        );
      }
      expect(authenticator.authenticateMessage(message).requesterId).toBe(id);
    }
  });
});

describe('RequestAuthenticator: the time window', () => {
  it('takes timestamps up to the window either side of now, at the exact boundary, and refuses past it', async () => {
    const { authenticator, clock } = setup();
    for (const offset of [0, WINDOW, -WINDOW, WINDOW - 1, -WINDOW + 1]) {
      expect(
        authenticator.authenticateMessage(signAs(A, keys.a, cancel, { timestamp: at(offset) })),
        `${offset}`,
      ).toEqual({
        requesterId: A,
        admin: false,
      });
    }
    for (const offset of [WINDOW + 1, -WINDOW - 1, 3_600_000, -3_600_000]) {
      expect(refusal(authenticator, signAs(A, keys.a, cancel, { timestamp: at(offset) })), `${offset}`).toEqual({
        code: 'REQUEST_EXPIRED',
        paths: ['timestamp'],
      });
    }
    // Time moves: a message signed at the start is good for one window, then too old.
    const first = signAs(B, keys.b, cancel, { timestamp: START });
    const second = signAs(B, keys.b, cancel, { timestamp: START });
    await clock.advance(WINDOW);
    expect(authenticator.authenticateMessage(first).requesterId).toBe(B);
    await clock.advance(1);
    expect(refusal(authenticator, second)).toEqual({ code: 'REQUEST_EXPIRED', paths: ['timestamp'] });
  });

  it('takes any offset, and a custom window', () => {
    const { authenticator } = setup(1000);
    expect(
      authenticator.authenticateMessage(signAs(A, keys.a, cancel, { timestamp: '2026-11-22T13:30:00.999+03:30' })),
    ).toMatchObject({ requesterId: A });
    expect(refusal(authenticator, signAs(A, keys.a, cancel, { timestamp: at(1001) })).code).toBe('REQUEST_EXPIRED');
    expect(refusal(authenticator, signAs(A, keys.a, cancel, { timestamp: at(-1001) })).code).toBe('REQUEST_EXPIRED');
  });

  it('does not remember the nonce of an expired message', async () => {
    const { authenticator, clock } = setup();
    const nonce = freshNonce();
    expect(refusal(authenticator, signAs(A, keys.a, cancel, { timestamp: at(-WINDOW - 1), nonce })).code).toBe(
      'REQUEST_EXPIRED',
    );
    expect(authenticator.remembered).toBe(0);
    await clock.advance(0);
    expect(authenticator.authenticateMessage(signAs(A, keys.a, cancel, { timestamp: START, nonce })).requesterId).toBe(
      A,
    );
  });
});

describe('RequestAuthenticator: replays', () => {
  it("refuses a nonce used twice by one requester, even re-signed, but not another requester's same nonce", () => {
    const { authenticator } = setup();
    const nonce = freshNonce();
    const message = signAs(A, keys.a, cancel, { timestamp: START, nonce });
    expect(authenticator.authenticateMessage(message).requesterId).toBe(A);
    expect(refusal(authenticator, message)).toEqual({ code: 'REQUEST_REPLAYED', paths: ['nonce'] });
    // A new message, a new timestamp, the same nonce: still a replay.
    expect(refusal(authenticator, signAs(A, keys.a, { op: 'get', task_id: 'x' }, { timestamp: at(1), nonce }))).toEqual(
      {
        code: 'REQUEST_REPLAYED',
        paths: ['nonce'],
      },
    );
    // The requester's id in another case is the same requester.
    expect(refusal(authenticator, signAs(A.toUpperCase(), keys.a, cancel, { timestamp: at(2), nonce })).code).toBe(
      'REQUEST_REPLAYED',
    );
    // Nonces are per requester.
    expect(authenticator.authenticateMessage(signAs(B, keys.b, cancel, { timestamp: START, nonce })).requesterId).toBe(
      B,
    );
    expect(authenticator.authenticateMessage(signAs(H, keys.h, cancel, { timestamp: START, nonce })).requesterId).toBe(
      H,
    );
    expect(refusal(authenticator, signAs(B, keys.b, cancel, { timestamp: START, nonce })).code).toBe(
      'REQUEST_REPLAYED',
    );
  });

  it('does not burn the nonce on a bad signature, an unknown requester or a missing field', () => {
    const { authenticator } = setup();
    const nonce = freshNonce();
    const good = signAs(A, keys.a, cancel, { timestamp: START, nonce });
    // An attacker who saw the nonce in flight (or guesses it) sends it first, unsigned or badly signed.
    expect(refusal(authenticator, signAs(A, keys.b, cancel, { timestamp: START, nonce })).code).toBe(
      'SIGNATURE_INVALID',
    );
    expect(refusal(authenticator, { ...good, requester_signature: 'AAAA' }).code).toBe('SIGNATURE_INVALID');
    expect(refusal(authenticator, { ...good, op: 'get' }).code).toBe('SIGNATURE_INVALID');
    expect(refusal(authenticator, { ...good, requester_id: STRANGER }).code).toBe('UNAUTHENTICATED');
    expect(refusal(authenticator, { ...good, requester_signature: undefined }).code).toBe('UNAUTHENTICATED');
    expect(authenticator.remembered).toBe(0);
    expect(authenticator.authenticateMessage(good).requesterId).toBe(A);
    expect(authenticator.remembered).toBe(1);
  });
});

describe('ReplayGuard', () => {
  const w = 1000;

  it('refuses a nonce until its timestamp leaves the window, however the generations fall', () => {
    // Worst case: the nonce arrives just before a rotation, with a timestamp a full window ahead.
    const clock = manualClock(0);
    const guard = new ReplayGuard({ windowMs: w, clock });
    const t0 = 2 * w - 1;
    const ts = new Date(t0 + w).toISOString();
    clock.set(t0);
    guard.admit(A, ts, 'the-nonce-000000');
    // Other traffic rotates the generations at 2w, and again as late as it can.
    clock.set(2 * w);
    guard.admit(A, new Date(2 * w).toISOString(), 'other-nonce-0001');
    for (const now of [2 * w + 1, 3 * w, t0 + 2 * w - 1, t0 + 2 * w]) {
      clock.set(now);
      expect(thrown(() => guard.admit(A, ts, 'the-nonce-000000')).code, `${now}`).toBe('REQUEST_REPLAYED');
    }
    clock.set(t0 + 2 * w + 1);
    expect(thrown(() => guard.admit(A, ts, 'the-nonce-000000')).code).toBe('REQUEST_EXPIRED');
  });

  it('refuses a nonce just before 2 windows after its first use', () => {
    const clock = manualClock(START);
    const guard = new ReplayGuard({ windowMs: w, clock });
    const ts = at(w);
    guard.admit(A, ts, 'n'.repeat(16));
    for (let step = 1; step < 2 * w; step += 97) {
      clock.set(Date.parse(START) + step);
      guard.admit(B, at(step), `b-${String(step).padStart(14, '0')}`);
    }
    clock.set(Date.parse(START) + 2 * w - 1);
    expect(thrown(() => guard.admit(A, ts, 'n'.repeat(16))).code).toBe('REQUEST_REPLAYED');
  });

  it('never admits the same signed message twice (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.tuple(fc.nat({ max: 3000 }), fc.integer({ min: -1000, max: 1000 }), fc.nat({ max: 5 })), {
          minLength: 1,
          maxLength: 80,
        }),
        (windowMs, steps) => {
          const clock = manualClock(0);
          const guard = new ReplayGuard({ windowMs, clock });
          const admitted = new Set<string>();
          let now = 0;
          for (const [advance, skew, which] of steps) {
            now += advance;
            clock.set(now);
            // A small pool of messages, each a fixed timestamp and nonce, sent again and again.
            const ts = new Date(which * 700 + Math.round((skew * windowMs) / 1000)).toISOString();
            const nonce = `nonce-${which}-${ts}`.replace(/[^A-Za-z0-9_-]/g, '_');
            try {
              guard.admit(A, ts, nonce);
            } catch (error) {
              expect(['REQUEST_EXPIRED', 'REQUEST_REPLAYED']).toContain((error as AuthenticationError).code);
              continue;
            }
            expect(admitted.has(nonce)).toBe(false);
            admitted.add(nonce);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('forgets nonces after 4 windows, so its memory stays bounded', () => {
    const clock = manualClock(0);
    const guard = new ReplayGuard({ windowMs: w, clock });
    for (let i = 0; i < 100; i++) guard.admit(A, new Date(0).toISOString(), `burst-${String(i).padStart(10, '0')}`);
    expect(guard.size).toBe(100);
    // One rotation keeps them a generation more.
    clock.set(2 * w);
    guard.admit(A, new Date(2 * w).toISOString(), 'later-0000000001');
    expect(guard.size).toBe(101);
    // The second drops them.
    clock.set(4 * w);
    guard.admit(A, new Date(4 * w).toISOString(), 'later-0000000002');
    expect(guard.size).toBe(2);
    // A long silence drops both generations at once.
    clock.set(100 * w);
    guard.admit(A, new Date(100 * w).toISOString(), 'later-0000000003');
    expect(guard.size).toBe(1);
  });

  it('holds no more than the nonces of the last 4 windows under steady traffic', () => {
    const clock = manualClock(0);
    const guard = new ReplayGuard({ windowMs: w, clock });
    let peak = 0;
    for (let t = 0; t < 40 * w; t += 10) {
      clock.set(t);
      guard.admit(A, new Date(t).toISOString(), `steady-${String(t).padStart(9, '0')}`);
      peak = Math.max(peak, guard.size);
    }
    // One nonce per 10 ms: 4 windows hold 400.
    expect(peak).toBeLessThanOrEqual((4 * w) / 10);
  });

  it('reads its default window and a FakeClock', async () => {
    const clock = new FakeClock(START);
    const guard = new ReplayGuard({ clock });
    guard.admit(A, at(DEFAULT_REPLAY_WINDOW_MS), 'default-window-01');
    await clock.advance(2 * DEFAULT_REPLAY_WINDOW_MS);
    expect(thrown(() => guard.admit(A, at(DEFAULT_REPLAY_WINDOW_MS), 'default-window-01')).code).toBe(
      'REQUEST_REPLAYED',
    );
    await clock.advance(1);
    expect(thrown(() => guard.admit(A, at(DEFAULT_REPLAY_WINDOW_MS), 'default-window-01')).code).toBe(
      'REQUEST_EXPIRED',
    );
  });
});

describe('CredentialSet.of', () => {
  it('builds a set from credentials made in code', () => {
    const set = CredentialSet.of([
      { requesterId: A.toUpperCase(), kind: 'hmac', secret: createSecretKey(randomBytes(32)), admin: false },
    ]);
    expect(set.get(A)?.requesterId).toBe(A.toUpperCase());
  });
});
