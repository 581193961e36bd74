import { isIP } from 'node:net';

/** An IP address as `net.BlockList` checks it. */
export interface IpAddress {
  /** Without brackets or zone (`%eth0`); an IPv4-mapped IPv6 address as its IPv4 address. */
  readonly address: string;
  readonly type: 'ipv4' | 'ipv6';
}

/** `::ffff:a.b.c.d` as the URL parser writes it: the IPv4 part in two hex groups. */
const MAPPED = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/;

/**
 * The IPv4 address an IPv4-mapped IPv6 address stands for, or null. A socket to `::ffff:a.b.c.d`
 * reaches `a.b.c.d`, so that is the address to judge. The URL parser writes any spelling
 * (`0:0:0:0:0:ffff:169.254.169.254`, `::FFFF:a9fe:a9fe`) in one canonical form, which is matched.
 */
function mappedIPv4(ipv6: string): string | null {
  const match = MAPPED.exec(new URL(`http://[${ipv6}]/`).hostname);
  if (match === null) return null;
  const high = Number.parseInt(match[1] as string, 16);
  const low = Number.parseInt(match[2] as string, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/**
 * `text` as an IP address, or null when it is not one: a URL hostname (`[::1]` in brackets), an
 * address from DNS (perhaps with a zone), or an allow-list entry. IPv4 must be dotted decimal; a
 * URL's other spellings (`2852039166`, `0xa9.0xfe.0xa9.0xfe`) are normalised by the URL parser first.
 */
export function parseIp(text: string): IpAddress | null {
  let address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  const family = isIP(address);
  if (family === 4) return { address, type: 'ipv4' };
  if (family !== 6) return null;
  const mapped = mappedIPv4(address);
  return mapped === null ? { address: address.toLowerCase(), type: 'ipv6' } : { address: mapped, type: 'ipv4' };
}
