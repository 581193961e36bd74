import { InvalidArgumentError, Scheduler, type TaskTarget } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import { HttpExecutor, validateHttpTarget } from '../src/index.ts';

const URI = 'https://api.example.com/reports?team=ops';

/** The issues of `{ kind: 'http', uri: URI, ...fields }`, as `path: message` lines. */
function issues(fields: Record<string, unknown>): string[] {
  const target = { kind: 'http', uri: URI, ...fields } as unknown as TaskTarget;
  return validateHttpTarget(target).map((i) => `${i.path}: ${i.message}`);
}

describe('validateHttpTarget', () => {
  it('accepts a full target, and a minimal one (method defaults to GET)', () => {
    expect(
      issues({
        method: 'POST',
        parameters: { format: 'pdf', nested: { a: [1, 2] } },
        headers: { Authorization: 'Bearer x', 'Content-Type': 'application/vnd.api+json' },
        timeout_ms: 600_000,
      }),
    ).toEqual([]);
    expect(issues({})).toEqual([]);
    expect(issues({ parameters: '{"format":"pdf"}', method: 'GET' })).toEqual([]);
    expect(issues({ uri: 'http://127.0.0.1:8080', method: 'HEAD' })).toEqual([]);
  });

  it('rejects unknown fields, naming them', () => {
    expect(issues({ url: 'x', retries: 3 })).toEqual([
      'url: unknown field of an http target (known: kind, uri, method, parameters, headers, timeout_ms)',
      'retries: unknown field of an http target (known: kind, uri, method, parameters, headers, timeout_ms)',
    ]);
  });

  it.each([
    [undefined, 'uri: expected an absolute http: or https: URL (a string)'],
    [42, 'uri: expected an absolute http: or https: URL (a string)'],
    ['/relative/path', "uri: '/relative/path' is not an absolute URL"],
    ['not a url', "uri: 'not a url' is not an absolute URL"],
    ['ftp://files.example.com/x', 'uri: expected an http: or https: URL, got ftp:'],
    ['file:///etc/passwd', 'uri: expected an http: or https: URL, got file:'],
    [
      'https://user:secret@api.example.com/',
      'uri: must not contain user:password; send credentials in headers (Authorization)',
    ],
  ])('rejects uri %j', (uri, expected) => {
    expect(issues({ uri })).toEqual([expected]);
  });

  it('rejects a uri longer than 8192 characters', () => {
    const uri = `https://a.example/${'x'.repeat(8182)}`;
    expect(issues({ uri })).toEqual(['uri: expected at most 8192 characters, got 8200']);
  });

  it.each([
    ['get', 'method: expected one of GET, POST, PUT, PATCH, DELETE, HEAD (uppercase), got "get"'],
    ['OPTIONS', 'method: expected one of GET, POST, PUT, PATCH, DELETE, HEAD (uppercase), got "OPTIONS"'],
    [1, 'method: expected one of GET, POST, PUT, PATCH, DELETE, HEAD (uppercase), got 1'],
    [null, 'method: expected one of GET, POST, PUT, PATCH, DELETE, HEAD (uppercase), got null'],
  ])('rejects method %j', (method, expected) => {
    expect(issues({ method })).toEqual([expected]);
  });

  it.each([
    [[1, 2], 'parameters: expected a JSON object or a string holding one, got an array'],
    [42, 'parameters: expected a JSON object or a string holding one, got number'],
    [null, 'parameters: expected a JSON object or a string holding one, got object'],
    ['[1,2]', 'parameters: expected a string holding a JSON object, got a string holding an array'],
    ['"text"', 'parameters: expected a string holding a JSON object, got a string holding a string'],
    ['null', 'parameters: expected a string holding a JSON object, got a string holding null'],
    ['7', 'parameters: expected a string holding a JSON object, got a string holding a number'],
  ])('rejects parameters %j', (parameters, expected) => {
    expect(issues({ parameters })).toEqual([expected]);
  });

  it('rejects a parameters string that is not JSON, quoting the parser', () => {
    const [issue] = issues({ parameters: '{team: ops}' });
    expect(issue).toMatch(/^parameters: expected a string holding a JSON object, got text that is not JSON \(.+\)$/);
  });

  it('rejects query parameters that cannot be URL-encoded (a lone surrogate), not JSON bodies', () => {
    const message = 'contains a lone UTF-16 surrogate, which cannot be URL-encoded';
    expect(issues({ parameters: '{"x":"\\ud800","ok":"\\ud83d\\ude00"}' })).toEqual([`parameters.x: ${message}`]);
    expect(issues({ parameters: { ['\ud800']: 'v', nested: ['\ud800'] } })).toEqual([`parameters.\ud800: ${message}`]);
    const target = { kind: 'http', uri: URI, parameters: { x: '\udc00' } } as TaskTarget;
    expect(new HttpExecutor().validate(target)).toEqual([{ path: 'parameters.x', message }]);
    expect(new HttpExecutor().validate({ ...target, method: 'POST' })).toEqual([]);
  });

  it("rejects a query parameter whose name is already in the uri's query (not for a JSON body)", () => {
    expect(issues({ parameters: { team: 'dev', page: 2 } })).toEqual([
      "parameters.team: 'team' is already in the uri's query",
    ]);
    expect(issues({ method: 'DELETE', parameters: '{"team":"dev"}' })).toEqual([
      "parameters.team: 'team' is already in the uri's query",
    ]);
    expect(issues({ method: 'POST', parameters: { team: 'dev' } })).toEqual([]);
  });

  it('rejects headers that are not an object of strings', () => {
    expect(issues({ headers: ['Accept', 'text/plain'] })).toEqual([
      'headers: expected an object of header names to string values',
    ]);
    expect(issues({ headers: 'Accept: text/plain' })).toEqual([
      'headers: expected an object of header names to string values',
    ]);
    expect(issues({ headers: { Accept: 1 } })).toEqual(['headers.Accept: expected a string value']);
  });

  it('rejects header names that are not tokens, and values with control characters', () => {
    expect(issues({ headers: { 'Bad Name': 'x', 'a:b': 'x', '': 'x' } })).toEqual([
      "headers.Bad Name: 'Bad Name' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)",
      "headers.a:b: 'a:b' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)",
      "headers.: '' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)",
    ]);
    const control = 'must not contain control characters (CR, LF, NUL, …) or characters above U+00FF';
    expect(issues({ headers: { 'X-Injected': 'a\r\nHost: evil' } })).toEqual([`headers.X-Injected: ${control}`]);
    expect(issues({ headers: { 'X-Nul': 'a\u0000b' } })).toEqual([`headers.X-Nul: ${control}`]);
    expect(issues({ headers: { 'X-Emoji': '\u{1F600}' } })).toEqual([`headers.X-Emoji: ${control}`]);
    expect(issues({ headers: { 'X-Long': 'x'.repeat(8193) } })).toEqual([
      'headers.X-Long: expected at most 8192 characters, got 8193',
    ]);
  });

  it("rejects the scheduler's own headers and the client's framing headers, in any case", () => {
    expect(
      issues({
        headers: { 'Idempotency-Key': 'k', 'user-agent': 'me', 'X-BR-Attempt': '9', 'x-br-anything': 'x' },
      }),
    ).toEqual([
      "headers.Idempotency-Key: 'Idempotency-Key' is set by the scheduler and cannot be overridden",
      "headers.user-agent: 'user-agent' is set by the scheduler and cannot be overridden",
      "headers.X-BR-Attempt: 'X-BR-Attempt' is set by the scheduler and cannot be overridden",
      "headers.x-br-anything: 'x-br-anything' is set by the scheduler and cannot be overridden",
    ]);
    expect(issues({ headers: { Host: 'h', 'Content-Length': '3', 'Transfer-Encoding': 'chunked' } })).toEqual([
      "headers.Host: 'Host' is managed by the HTTP client and cannot be set",
      "headers.Content-Length: 'Content-Length' is managed by the HTTP client and cannot be set",
      "headers.Transfer-Encoding: 'Transfer-Encoding' is managed by the HTTP client and cannot be set",
    ]);
  });

  it('rejects a header named twice in different cases, and too many headers', () => {
    expect(issues({ headers: { Accept: 'a', accept: 'b' } })).toEqual([
      "headers.accept: 'accept' repeats another header (names are case-insensitive)",
    ]);
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`X-H${i}`, 'v']));
    expect(issues({ headers: many })).toEqual(['headers: expected at most 100 headers, got 101']);
  });

  it.each([0, -1, 1.5, 600_001, '1000', null])('rejects timeout_ms %j', (timeout_ms) => {
    expect(issues({ timeout_ms })).toEqual([
      `timeout_ms: expected a whole number of ms from 1 to 600000, got ${JSON.stringify(timeout_ms)}`,
    ]);
  });

  it('reports every bad field at once', () => {
    expect(
      issues({ uri: 'ftp://x', method: 'get', parameters: '[]', headers: { Host: 'h' }, timeout_ms: 0 }).map(
        (line) => line.split(':')[0],
      ),
    ).toEqual(['uri', 'method', 'parameters', 'headers.Host', 'timeout_ms']);
  });
});

describe('validation through the Scheduler', () => {
  it('rejects a bad target when the task is created, with paths under target', async () => {
    const scheduler = new Scheduler({ executors: [new HttpExecutor()] });
    const error = await scheduler
      .schedule({
        requester_id: 'r',
        schedule: { rules: [{ cron: '0 * * * *' }] },
        target: { kind: 'http', uri: 'ftp://x', method: 'OPTIONS', timeout_ms: 0 },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).code).toBe('INVALID_ARGUMENT');
    expect((error as InvalidArgumentError).issues.map((i) => i.path)).toEqual([
      'target.uri',
      'target.method',
      'target.timeout_ms',
    ]);
  });
});
