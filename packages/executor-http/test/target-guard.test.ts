import { InvalidArgumentError } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import { allowListIssues, TargetGuard, type TargetGuardOptions } from '../src/index.ts';
import { tableLookup } from './helpers.ts';

/** What the guard says of a target uri at creation: null (allowed) or why not. Hosts come from `new URL`, as in the executor. */
function checker(options: TargetGuardOptions) {
  const guard = new TargetGuard(options);
  return (uri: string) => guard.check(new URL(uri).hostname);
}

const DNS = {
  'api.example.com': '203.0.113.5',
  'internal.example.com': '203.0.113.9',
  'x.internal.example.com': '203.0.113.10',
  'a.b.internal.example.com': '203.0.113.11',
  'evilinternal.example.com': '203.0.113.12',
  'svc.test': '10.1.2.3',
  'svc6.test': 'fd12::1',
  'mixed.test': ['10.1.2.3', '203.0.113.1'],
  'public.test': '203.0.113.2',
  'evil.test': '169.254.169.254',
  'evil-mapped.test': '::ffff:169.254.169.254',
  'evil-aws6.test': 'fd00:ec2::254',
  'evil-second.test': ['10.1.2.3', '169.254.169.254'],
  'localhost.test': '127.0.0.1',
};

/** Every spelling of a metadata endpoint a URL can carry; the URL parser normalises the IPv4 ones. */
const METADATA_URIS = [
  'http://169.254.169.254/latest/meta-data/',
  'http://2852039166/',
  'http://0xa9fea9fe/',
  'http://0xa9.0xfe.0xa9.0xfe/',
  'http://0251.0376.0251.0376/',
  'http://169.254.43518/',
  'http://169.254.169.254./',
  'https://169.254.169.254:8443/',
  'http://[::ffff:169.254.169.254]/',
  'http://[0:0:0:0:0:ffff:a9fe:a9fe]/',
  'http://[64:ff9b::169.254.169.254]/',
  'http://[fd00:ec2::254]/',
  'http://[FD00:EC2:0:0::0254]/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://METADATA.Google.Internal./',
  'http://metadata%2Egoogle%2Einternal/',
  'http://ｍetadata.google.internal/',
];

describe('TargetGuard: cloud metadata endpoints are always refused', () => {
  it('normalises alternative IPv4 spellings through the URL parser', () => {
    expect(new URL('http://2852039166/').hostname).toBe('169.254.169.254');
    expect(new URL('http://0251.0376.0251.0376/').hostname).toBe('169.254.169.254');
    expect(new URL('http://[0:0:0:0:0:ffff:a9fe:a9fe]/').hostname).toBe('[::ffff:a9fe:a9fe]');
  });

  const lists: [string, readonly string[]][] = [
    ['no allow-list', []],
    ['an allow-list of everything', ['0.0.0.0/0', '::/0', '169.254.0.0/16', '*.internal', '*.test', 'evil.test']],
  ];
  for (const [what, allow] of lists) {
    it.each(METADATA_URIS)(`${what}: refuses %s`, async (uri) => {
      expect(await checker({ allow, lookup: tableLookup(DNS).lookup })(uri)).toMatch(/cloud metadata (address|host)/);
    });

    it.each([
      ['evil.test', '169.254.169.254'],
      ['evil-mapped.test', '::ffff:169.254.169.254'],
      ['evil-aws6.test', 'fd00:ec2::254'],
      ['evil-second.test', '169.254.169.254'],
    ])(`${what}: refuses a name that resolves to one (%s)`, async (name, address) => {
      expect(await checker({ allow, lookup: tableLookup(DNS).lookup })(`http://${name}/`)).toBe(
        `${name} resolves to ${address}, a cloud metadata address, never called`,
      );
    });
  }

  it('refuses metadata.google.internal without looking it up', async () => {
    const dns = tableLookup({});
    expect(await checker({ lookup: dns.lookup })('http://metadata.google.internal/')).toBe(
      'metadata.google.internal is a cloud metadata host, never called',
    );
    expect(dns.calls).toEqual([]);
  });

  it('looks a name up once for the checks of a burst, and afresh for each connection', async () => {
    const dns = tableLookup({ 'api.example.com': '192.0.2.10' });
    const guard = new TargetGuard({ lookup: dns.lookup });
    for (let i = 0; i < 100; i++) expect(await guard.check('api.example.com')).toBeNull();
    expect(dns.calls).toEqual(['api.example.com']);
    await guard.resolve('api.example.com');
    await guard.resolve('api.example.com');
    expect(dns.calls).toHaveLength(3);
  });
});

describe('TargetGuard: the allow-list', () => {
  const allow = ['api.example.com', '*.internal.example.com', '10.0.0.0/8', 'fd00::/8', '192.0.2.7', 'bücher.example'];
  const check = checker({ allow, lookup: tableLookup(DNS).lookup });

  it.each([
    'https://api.example.com/reports',
    'https://API.Example.COM./reports',
    'https://x.internal.example.com/',
    'https://a.b.internal.example.com/',
    'https://xn--bcher-kva.example/',
    // Names that match no pattern, judged by their addresses: all inside the CIDRs.
    'http://svc.test/',
    'http://svc6.test/',
    // IP hosts, in any spelling.
    'http://10.255.0.1/',
    'http://167772161/',
    'http://0x0a.1/',
    'http://[fd00::1]/',
    'http://[::ffff:10.0.0.1]/',
    'http://192.0.2.7:8080/',
  ])('allows %s', async (uri) => {
    expect(await check(uri)).toBeNull();
  });

  it.each([
    ['https://internal.example.com/', 'internal.example.com matches no host in the allow-list'],
    ['https://evilinternal.example.com/', 'evilinternal.example.com matches no host'],
    ['http://mixed.test/', 'mixed.test matches no host in the allow-list and resolves to 203.0.113.1, outside its'],
    ['http://public.test/', 'resolves to 203.0.113.2, outside its addresses'],
    ['http://11.0.0.1/', '11.0.0.1 is not in the allow-list'],
    ['http://192.0.2.8/', '192.0.2.8 is not in the allow-list'],
    ['http://[fe80::1]/', '[fe80::1] is not in the allow-list'],
    ['http://[::ffff:11.0.0.1]/', 'is not in the allow-list'],
    ['http://127.0.0.1:8080/', '127.0.0.1 is not in the allow-list'],
  ])('refuses %s', async (uri, reason) => {
    expect(await check(uri)).toContain(reason);
  });

  it('a name allowed by a pattern is still resolved, and refused if it leads to a metadata address', async () => {
    const dns = tableLookup({ 'api.example.com': '169.254.169.254' });
    expect(await checker({ allow, lookup: dns.lookup })('https://api.example.com/')).toBe(
      'api.example.com resolves to 169.254.169.254, a cloud metadata address, never called',
    );
    expect(dns.calls).toEqual(['api.example.com']);
  });

  it('with only CIDRs, names are allowed when every address they resolve to is in them', async () => {
    const onlyLoopback = checker({ allow: ['127.0.0.0/8'], lookup: tableLookup(DNS).lookup });
    expect(await onlyLoopback('http://localhost.test:8080/')).toBeNull();
    expect(await onlyLoopback('http://public.test/')).toContain('outside its addresses');
  });

  it('with only names, every IP host is refused', async () => {
    const namesOnly = checker({ allow: ['api.example.com'], lookup: tableLookup(DNS).lookup });
    expect(await namesOnly('http://10.0.0.1/')).toBe('10.0.0.1 is not in the allow-list');
    expect(await namesOnly('http://svc.test/')).toContain('svc.test matches no host in the allow-list');
  });

  it('admits a name that does not resolve at creation: it may by the time it fires, and is judged then', async () => {
    expect(await check('http://not-yet.test/')).toBeNull();
  });
});

describe('allow-list entries', () => {
  it('accepts names, patterns, addresses and CIDRs of both families', () => {
    expect(
      allowListIssues(['api.example.com', '*.svc.cluster.local', '_srv.example.com', '10.0.0.0/8', '::1', 'fd00::/8']),
    ).toEqual([]);
  });

  it.each([
    ['', 'expected a host name, a *.domain pattern, an IP address or a CIDR'],
    [
      42,
      'expected a host name, a *.domain pattern, an IP address or a CIDR (10.0.0.0/8, fd00::/8), without scheme, port or path, got 42',
    ],
    ['https://api.example.com', 'without scheme, port or path'],
    ['api.example.com:8443', 'without scheme, port or path'],
    ['has space.example', 'without scheme, port or path'],
    ['*', 'a * may only be the first label, as in *.example.com'],
    ['api.*.example.com', 'a * may only be the first label'],
    ['10.0.0/8', "'10.0.0' is not an IP address"],
    ['10.0.0.0/33', "expected a prefix length from 0 to 32 after the /, got '33'"],
    ['fd00::/129', "expected a prefix length from 0 to 128 after the /, got '129'"],
    ['10.0.0.0/', "expected a prefix length from 0 to 32 after the /, got ''"],
    ['::ffff:10.0.0.0/104', 'write an IPv4-mapped subnet as IPv4 (10.0.0.0/…)'],
    ['0x7f.1', 'write an IP address in dotted-decimal form (127.0.0.1), not as a name'],
    ['169.254.169.254', '169.254.169.254 is a cloud metadata address: always refused'],
    ['169.254.169.254/32', '169.254.169.254 is a cloud metadata address: always refused'],
    ['::ffff:169.254.169.254', 'is a cloud metadata address: always refused'],
    ['fd00:ec2::254', 'fd00:ec2::254 is a cloud metadata address: always refused'],
    ['Metadata.Google.Internal.', 'metadata.google.internal is a cloud metadata host: always refused'],
  ])('refuses %j', (entry, message) => {
    const issues = allowListIssues(['ok.example', entry]);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('allow[1]');
    expect(issues[0]?.message).toContain(message);
  });

  it('TargetGuard throws InvalidArgumentError naming each bad entry', () => {
    const error = (() => {
      try {
        return new TargetGuard({ allow: ['ok.example', 'bad entry', '10.0.0.0/99'] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).issues.map((i) => i.path)).toEqual(['allow[1]', 'allow[2]']);
  });
});
