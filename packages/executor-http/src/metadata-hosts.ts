import { BlockList } from 'node:net';
import type { IpAddress } from './ip-address.ts';

/**
 * Cloud instance-metadata endpoints: they hand out the machine's credentials to anyone who can make
 * it send a request, so no target may reach them, whatever the allow-list says.
 */

/** GCP's name for it (it resolves to 169.254.169.254 there, but may not elsewhere). */
const METADATA_NAMES: ReadonlySet<string> = new Set(['metadata.google.internal']);

const METADATA_ADDRESSES = new BlockList();
// AWS, Azure, GCP, Oracle, DigitalOcean… (IPv4-mapped IPv6 forms reach here as IPv4, see parseIp).
METADATA_ADDRESSES.addAddress('169.254.169.254', 'ipv4');
// AWS's IPv6 endpoint (Nitro instances).
METADATA_ADDRESSES.addAddress('fd00:ec2::254', 'ipv6');
// 169.254.169.254 behind NAT64's well-known prefix (RFC 6052): a NAT64 gateway forwards it there.
METADATA_ADDRESSES.addAddress('64:ff9b::a9fe:a9fe', 'ipv6');

/** A host name in lower case without its trailing dot (`Example.COM.` → `example.com`). */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Whether a host name (any case, trailing dot or not) is a metadata endpoint's name. */
export function isMetadataName(name: string): boolean {
  return METADATA_NAMES.has(canonicalName(name));
}

export function isMetadataAddress(ip: IpAddress): boolean {
  return METADATA_ADDRESSES.check(ip.address, ip.type);
}
