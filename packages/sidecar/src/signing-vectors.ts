import { createPrivateKey, createPublicKey, hash, type KeyObject } from 'node:crypto';
import {
  httpSigningInput,
  messageSigningInput,
  ResultSigner,
  rawPublicKeyBase64,
  signEd25519,
  signHmac,
} from '@br-sdk/schedule/security';

/**
 * spec/vectors/signing.json: what every client must compute byte for byte: the signing input of
 * requests (as JSON messages and as REST requests) and results, and the signatures made with the
 * test keys below. Ed25519 and HMAC are deterministic, so the signatures are fixed too.
 * The keys are for tests only: they are published here.
 */

/** An Ed25519 private key from a 32-byte seed (PKCS #8 DER: a fixed prefix, then the seed). */
function keyFromSeed(label: string): KeyObject {
  const seed = hash('sha256', label, 'buffer');
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

const REQUESTER_ID = '0f8c2a4e-3b1d-4c5e-9a7b-1c2d3e4f5a6b';
const TIMESTAMP = '2026-11-22T10:00:00.000Z';

const messages: ReadonlyArray<{ name: string; message: Record<string, unknown> }> = [
  {
    name: 'create in the contract shape (crontab array, parameters as a string)',
    message: {
      requester_id: REQUESTER_ID,
      timestamp: TIMESTAMP,
      nonce: 'q3Jx0vV4n8sYbQ2mKpL7dA',
      uri: 'http://127.0.0.1:8081/report',
      method: 'POST',
      parameters: '{"team":"ops"}',
      schedule: [{ minute: '30', hour: '13', day_of_week: 'thu' }],
    },
  },
  {
    name: 'cancel: members in any order are signed sorted',
    message: {
      task_id: 'weekly-report',
      op: 'cancel',
      nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
      timestamp: TIMESTAMP,
      requester_id: REQUESTER_ID,
      request_id: 'r-1',
    },
  },
  {
    name: 'keys sorted by UTF-16 code units (😀 before ～), strings and numbers in their ECMAScript forms',
    message: {
      requester_id: REQUESTER_ID,
      timestamp: TIMESTAMP,
      nonce: 'nonce_with-both_-chars',
      op: 'create',
      uri: 'https://api.example.com/x?y=1',
      parameters: {
        '～': 'fullwidth tilde',
        '😀': 'emoji',
        é: 'e acute',
        z: [1, 1.5, -0, 0.1, 1e21, 1e-7, 123456789012345680000, 2 ** 53],
        text: 'tab\there, newline\nhere, quote " backslash \\ control \u0001 and \u2028 line separator',
        nested: { b: true, a: null, c: { z: {}, a: [] } },
      },
      schedule: { rules: [{ every: 'P10DT3H', from: '2026-11-01T00:00:00Z' }] },
    },
  },
];

const httpRequests = [
  {
    name: 'POST /v1/tasks with a JSON body',
    method: 'POST',
    target: '/v1/tasks',
    nonce: 'Zm9vYmFyYmF6cXV4cXV1eA',
    body: JSON.stringify({
      requester_id: REQUESTER_ID,
      uri: 'http://127.0.0.1:8081/report',
      schedule: [{ minute: '0', hour: '17', day_of_week: 'thu' }],
    }),
  },
  {
    name: 'GET with a query and no body (the digest of nothing)',
    method: 'GET',
    target: `/v1/tasks?requester_id=${REQUESTER_ID}&status=active&limit=10`,
    nonce: 'cXVlcnlub25jZTAwMDAwMA',
    body: '',
  },
];

const result = {
  task_id: 'weekly-report',
  requester_id: REQUESTER_ID,
  run_id: '01a200a9-0000-7000-8000-000000000001',
  trigger: 'schedule',
  scheduled_at: '2026-11-26T13:30:00Z',
  fired_at: '2026-11-26T13:30:00.001Z',
  finished_at: '2026-11-26T13:30:00.042Z',
  attempts: 1,
  status: 'success',
  http_status: 200,
  content: '{"sent":true,"note":"é ～ 😀"}',
  truncated: false,
  error: null,
  uri: 'http://127.0.0.1:8081/report',
  method: 'POST',
  parameters: '{"team":"ops"}',
  scheduler_signature: null,
};

export function signingVectors(): unknown {
  const requesterKey = keyFromSeed('br-schedule test requester');
  const schedulerKey = keyFromSeed('br-schedule test scheduler');
  const hmacSecret = hash('sha256', 'br-schedule test hmac secret', 'buffer');
  const pem = (key: KeyObject, type: 'pkcs8' | 'spki') => key.export({ format: 'pem', type }).toString();
  const requesterPublic = createPublicKey(requesterKey);
  const signedResult = new ResultSigner(schedulerKey).sign(result);
  return {
    description:
      'Signing vectors (docs/security.md). `signing_input` is the exact UTF-8 text signed; signatures are base64. ' +
      'Every client must produce each signing input and signature byte for byte, and verify `result.signed` while refusing `result.tampered`. ' +
      'The keys are public test keys: never use them elsewhere.',
    keys: {
      requester_id: REQUESTER_ID,
      requester_ed25519_private_pem: pem(requesterKey, 'pkcs8'),
      requester_ed25519_public_pem: pem(requesterPublic, 'spki'),
      requester_ed25519_public_raw: rawPublicKeyBase64(requesterPublic),
      requester_hmac_secret_base64: hmacSecret.toString('base64'),
      scheduler_ed25519_private_pem: pem(schedulerKey, 'pkcs8'),
      scheduler_ed25519_public_pem: pem(createPublicKey(schedulerKey), 'spki'),
    },
    messages: messages.map(({ name, message }) => {
      const input = messageSigningInput('request', message, 'requester_signature');
      return {
        name,
        message,
        signing_input: input.toString('utf8'),
        ed25519_signature: signEd25519(requesterKey, input),
        hmac_signature: signHmac(hmacSecret, input),
      };
    }),
    http: httpRequests.map((request) => {
      const input = httpSigningInput({ ...request, requesterId: REQUESTER_ID, timestamp: TIMESTAMP });
      return {
        ...request,
        requester_id: REQUESTER_ID,
        timestamp: TIMESTAMP,
        signing_input: input.toString('utf8'),
        ed25519_signature: signEd25519(requesterKey, input),
        hmac_signature: signHmac(hmacSecret, input),
      };
    }),
    result: {
      signing_input: messageSigningInput('result', signedResult, 'scheduler_signature').toString('utf8'),
      signed: signedResult,
      tampered: { ...signedResult, status: 'failed' },
    },
  };
}
