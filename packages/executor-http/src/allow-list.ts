import { BlockList, isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { InvalidArgumentError, type ValidationIssue } from '@br-sdk/schedule';
import { type IpAddress, parseIp } from './ip-address.ts';
import { canonicalName, isMetadataAddress, isMetadataName } from './metadata-hosts.ts';

/**
 * The hosts HTTP targets may call, from entries such as `api.example.com`, `*.internal.example.com`,
 * `10.1.2.3`, `10.0.0.0/8` or `fd00::/8`. How a target is judged against it is TargetGuard's rule.
 */
export interface AllowList {
  /** No entries: every host is allowed but the cloud metadata ones. */
  readonly open: boolean;
  /** Names allowed as written: lower case, punycode, no trailing dot. */
  readonly names: ReadonlySet<string>;
  /** `.internal.example.com` for `*.internal.example.com`: names ending so, with one or more labels before. */
  readonly suffixes: readonly string[];
  /** The IP address and CIDR entries; null when there are none. */
  readonly addresses: BlockList | null;
}

type Entry =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'suffix'; readonly suffix: string }
  | { readonly kind: 'subnet'; readonly ip: IpAddress; readonly prefix: number };

const EXPECTED =
  'expected a host name, a *.domain pattern, an IP address or a CIDR (10.0.0.0/8, fd00::/8), without scheme, port or path';
/** Letters, digits, `-` and `_` (service records), 1-63 per label, 253 in all. */
const LABELS = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

function parseSubnet(entry: string): Entry | string {
  const slash = entry.indexOf('/');
  const text = entry.slice(0, slash);
  const prefixText = entry.slice(slash + 1);
  const ip = parseIp(text);
  if (ip === null) return `${EXPECTED}: '${text}' is not an IP address`;
  // parseIp turns ::ffff:a.b.c.d into a.b.c.d, which a /104 would not fit.
  if (ip.type === 'ipv4' && isIP(text) !== 4) return `write an IPv4-mapped subnet as IPv4 (${ip.address}/…)`;
  const max = ip.type === 'ipv4' ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    return `expected a prefix length from 0 to ${max} after the /, got '${prefixText}'`;
  }
  const prefix = Number(prefixText);
  if (prefix === max && isMetadataAddress(ip)) return `${text} is a cloud metadata address: always refused`;
  return { kind: 'subnet', ip, prefix };
}

function parseName(entry: string): Entry | string {
  const wildcard = entry.startsWith('*.');
  const rest = wildcard ? entry.slice(2) : entry;
  if (rest.includes('*')) return `a * may only be the first label, as in *.example.com`;
  // The URL parser's own host rules: Unicode to punycode, and the spellings it reads as IPv4.
  const ascii = domainToASCII(canonicalName(rest));
  if (isIP(ascii) !== 0) return `write an IP address in dotted-decimal form (${ascii}), not as a name`;
  if (!LABELS.test(ascii)) return EXPECTED;
  if (!wildcard && isMetadataName(ascii)) return `${ascii} is a cloud metadata host: always refused`;
  return wildcard ? { kind: 'suffix', suffix: `.${ascii}` } : { kind: 'name', name: ascii };
}

function parseEntry(entry: unknown): Entry | string {
  if (typeof entry !== 'string' || entry === '' || entry.includes('://')) {
    return `${EXPECTED}, got ${JSON.stringify(entry)}`;
  }
  if (entry.includes('/')) return parseSubnet(entry);
  const ip = parseIp(entry);
  if (ip === null) return parseName(entry);
  if (isMetadataAddress(ip)) return `${entry} is a cloud metadata address: always refused`;
  return { kind: 'subnet', ip, prefix: ip.type === 'ipv4' ? 32 : 128 };
}

/** Each bad entry of an allow-list, its path `allow[2]` (under `path`). */
export function allowListIssues(entries: unknown, path = 'allow'): ValidationIssue[] {
  if (entries === undefined) return [];
  if (!Array.isArray(entries)) return [{ path, message: 'expected an array of strings' }];
  return entries.flatMap((entry, i) => {
    const parsed = parseEntry(entry);
    return typeof parsed === 'string' ? [{ path: `${path}[${i}]`, message: parsed }] : [];
  });
}

/**
 * The allow-list from its entries; `undefined` or `[]` gives an open one.
 * @throws InvalidArgumentError naming each bad entry (`allow[2]`)
 */
export function parseAllowList(entries: readonly string[] | undefined, path = 'allow'): AllowList {
  const issues = allowListIssues(entries, path);
  if (issues.length > 0) throw new InvalidArgumentError('invalid allow-list', issues);
  const names = new Set<string>();
  const suffixes: string[] = [];
  let addresses: BlockList | null = null;
  for (const entry of entries ?? []) {
    const parsed = parseEntry(entry) as Entry;
    if (parsed.kind === 'name') names.add(parsed.name);
    else if (parsed.kind === 'suffix') suffixes.push(parsed.suffix);
    else {
      addresses ??= new BlockList();
      addresses.addSubnet(parsed.ip.address, parsed.prefix, parsed.ip.type);
    }
  }
  return { open: (entries ?? []).length === 0, names, suffixes, addresses };
}

/** Whether a host name (a URL's hostname: lower case, punycode) matches a name or `*.` entry. */
export function allowsName(list: AllowList, hostname: string): boolean {
  const name = canonicalName(hostname);
  return list.names.has(name) || list.suffixes.some((s) => name.length > s.length && name.endsWith(s));
}

export function allowsAddress(list: AllowList, ip: IpAddress): boolean {
  return list.addresses?.check(ip.address, ip.type) ?? false;
}
