import { describe, expect, it } from 'vitest';
import {
  httpSigningInput,
  RequestAuthenticator,
  RequestSigner,
  SIGNATURE_HEADERS,
  type SignedRequest,
} from '../../src/security/index.ts';
import { FakeClock } from '../../src/testing/index.ts';
import { A, B, credentials, H, keys, START, thrown } from './helpers.ts';

/** A REST request as the server reads it: the X-Br-* headers, the request line, the body as sent. */
function asServerSees(
  headers: Record<string, string>,
  request: { method: string; target: string; body?: Buffer | string },
): SignedRequest {
  const requesterId = headers[SIGNATURE_HEADERS.requester_id];
  const timestamp = headers[SIGNATURE_HEADERS.timestamp];
  const nonce = headers[SIGNATURE_HEADERS.nonce];
  return {
    requesterId,
    timestamp,
    nonce,
    signature: headers[SIGNATURE_HEADERS.requester_signature],
    signingInput: () =>
      httpSigningInput({
        method: request.method,
        target: request.target,
        requesterId: requesterId ?? '',
        timestamp: timestamp ?? '',
        nonce: nonce ?? '',
        body: request.body ?? '',
      }),
  };
}

function setup() {
  const clock = new FakeClock(START);
  const authenticator = new RequestAuthenticator({ credentials: credentials(), clock });
  const signers = {
    ed25519: RequestSigner.ed25519(A, keys.a.privatePem, () => clock.now()),
    hmac: RequestSigner.hmac(H, keys.h, () => clock.now()),
  };
  return { clock, authenticator, signers };
}

const create = {
  op: 'create',
  uri: 'http://127.0.0.1:9/report',
  parameters: { team: 'ops', note: 'é ～ 😀', n: [1, 1.5, 1e21] },
  schedule: [{ minute: '0', hour: '17', day_of_week: 'THU' }],
};

describe('RequestSigner', () => {
  for (const kind of ['ed25519', 'hmac'] as const) {
    describe(kind, () => {
      it('signs messages the authenticator lets in', () => {
        const { authenticator, signers } = setup();
        const signer = signers[kind];
        const signed = signer.signMessage(create);
        expect(signed).toMatchObject({ ...create, requester_id: signer.requesterId, timestamp: START });
        expect(signed.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
        expect(signed.requester_signature).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
        expect(authenticator.authenticateMessage(signed)).toEqual({ requesterId: signer.requesterId, admin: false });
        // Through JSON and back, with its members in another order, it still verifies (once).
        const again = signer.signMessage({ op: 'get', task_id: 'x' });
        const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(again).reverse())));
        expect(authenticator.authenticateMessage(reordered).requesterId).toBe(signer.requesterId);
        expect(thrown(() => authenticator.authenticateMessage(signed)).code).toBe('REQUEST_REPLAYED');
      });

      it('takes a fresh nonce every time, and the time of its clock', async () => {
        const { clock, authenticator, signers } = setup();
        const signer = signers[kind];
        const nonces = new Set(Array.from({ length: 200 }, () => signer.signMessage({ op: 'list' }).nonce));
        expect(nonces.size).toBe(200);
        await clock.advance(90_000);
        const later = signer.signMessage({ op: 'list' });
        expect(later.timestamp).toBe('2026-11-22T10:01:30.000Z');
        expect(authenticator.authenticateMessage(later).requesterId).toBe(signer.requesterId);
      });

      it('overrides any requester_id, timestamp, nonce or signature already in the message', () => {
        const { authenticator, signers } = setup();
        const signer = signers[kind];
        const signed = signer.signMessage({
          op: 'list',
          requester_id: B,
          timestamp: '2000-01-01T00:00:00Z',
          nonce: 'n'.repeat(22),
          requester_signature: 'forged',
        });
        expect(signed.requester_id).toBe(signer.requesterId);
        expect(signed.timestamp).toBe(START);
        expect(signed.nonce).not.toBe('n'.repeat(22));
        expect(authenticator.authenticateMessage(signed).requesterId).toBe(signer.requesterId);
      });

      it('signs REST requests the authenticator lets in, and only as sent', () => {
        const { authenticator, signers } = setup();
        const signer = signers[kind];
        const body = JSON.stringify(create);
        const post = { method: 'POST', target: '/v1/tasks', body };
        const headers = signer.signHttp(post);
        expect(Object.keys(headers).sort()).toEqual(Object.values(SIGNATURE_HEADERS).sort());
        expect(headers[SIGNATURE_HEADERS.requester_id]).toBe(signer.requesterId);
        expect(headers[SIGNATURE_HEADERS.timestamp]).toBe(START);
        // Anything changed on the way does not verify: the method, the target, the body.
        for (const changed of [
          { ...post, method: 'PUT' },
          { ...post, target: '/v1/tasks?x=1' },
          { ...post, body: `${body} ` },
          { ...post, body: '' },
        ]) {
          expect(thrown(() => authenticator.authenticate(asServerSees(headers, changed))).code).toBe(
            'SIGNATURE_INVALID',
          );
        }
        expect(authenticator.authenticate(asServerSees(headers, post))).toEqual({
          requesterId: signer.requesterId,
          admin: false,
        });
        expect(thrown(() => authenticator.authenticate(asServerSees(headers, post))).code).toBe('REQUEST_REPLAYED');
      });

      it('signs a bodiless GET and a Buffer body', () => {
        const { authenticator, signers } = setup();
        const signer = signers[kind];
        const get = { method: 'get', target: '/v1/tasks?status=active&limit=10' };
        expect(authenticator.authenticate(asServerSees(signer.signHttp(get), { ...get, method: 'GET' }))).toMatchObject(
          {
            requesterId: signer.requesterId,
          },
        );
        const bytes = Buffer.from([0xff, 0x00, 0x7b]);
        const put = { method: 'PUT', target: '/v1/tasks/x', body: bytes };
        expect(authenticator.authenticate(asServerSees(signer.signHttp(put), put))).toMatchObject({
          requesterId: signer.requesterId,
        });
      });
    });
  }

  it("is refused under another requester's key", () => {
    const { authenticator } = setup();
    // B's id, A's key.
    const impostor = RequestSigner.ed25519(B, keys.a.privatePem, () => Date.parse(START));
    expect(thrown(() => authenticator.authenticateMessage(impostor.signMessage(create))).code).toBe(
      'SIGNATURE_INVALID',
    );
  });

  it('refuses keys it cannot sign with', () => {
    expect(() => RequestSigner.ed25519(A, keys.a.publicPem)).toThrow();
    expect(() => RequestSigner.hmac(H, Buffer.alloc(16).toString('base64'))).toThrow('expected at least 32 bytes');
  });
});
