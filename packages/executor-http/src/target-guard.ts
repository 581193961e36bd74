import { ADDRCONFIG, type LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { type AllowList, allowsAddress, allowsName, parseAllowList } from './allow-list.ts';
import { type IpAddress, parseIp } from './ip-address.ts';
import { isMetadataAddress, isMetadataName } from './metadata-hosts.ts';

/**
 * Resolves a host name to every address it has, as `dns.lookup(name, { all: true })` does. An
 * error (ENOTFOUND, EAI_AGAIN) is passed on as it is.
 */
export type HostLookup = (hostname: string) => Promise<readonly LookupAddress[]>;

/** The system resolver (getaddrinfo, so /etc/hosts too), with the hint Node's sockets use by default. */
export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, hints: ADDRCONFIG });

/** How long `check` reuses a name's resolution, and for how many names at most. */
const RECENT_LOOKUP_MS = 1000;
const RECENT_LOOKUP_ENTRIES = 1000;

/** A connection the guard refused; `code` makes the attempt's outcome permanent (see outcome.ts). */
export class TargetRefusedError extends Error {
  readonly code = 'TARGET_FORBIDDEN';
}

export interface TargetGuardOptions {
  /** Allow-list entries (see AllowList); absent or empty: every host but the metadata ones. */
  readonly allow?: readonly string[] | undefined;
  /** @default systemLookup */
  readonly lookup?: HostLookup | undefined;
}

/**
 * Decides which hosts HTTP targets may reach. The rule, in order:
 *
 * 1. Cloud metadata endpoints are refused, whatever the allow-list says: the name
 *    `metadata.google.internal`, and 169.254.169.254, fd00:ec2::254 (and 169.254.169.254's
 *    IPv4-mapped and NAT64 forms) as an IP host or as any address a name resolves to.
 * 2. With an empty allow-list, everything else is allowed.
 * 3. An IP host is allowed iff it is in an IP or CIDR entry.
 * 4. A name is allowed iff it matches a name or `*.` entry, or else every address it resolves to is
 *    in an IP or CIDR entry (a name with no matching entry is judged by where it leads).
 *
 * A name is resolved even when its entry allows it, for rule 1. `check` judges a target when a
 * task is created; `resolve` judges a connection and returns the addresses it checked, for the
 * socket to connect to (see guardedConnector): no second lookup another answer could slip into.
 */
export class TargetGuard {
  private readonly allowList: AllowList;
  private readonly lookup: HostLookup;
  private readonly recent = new Map<string, { at: number; addresses: Promise<readonly LookupAddress[]> }>();

  /** @throws InvalidArgumentError naming each bad allow-list entry (`allow[2]`) */
  constructor(options: TargetGuardOptions = {}) {
    this.allowList = parseAllowList(options.allow);
    this.lookup = options.lookup ?? systemLookup;
  }

  /**
   * Why a target at `hostname` (a URL's hostname) may not be called, or null when it may, as of
   * now. A name that does not resolve is not refused: it may resolve by the time it fires, and
   * its connection is judged then.
   */
  async check(hostname: string): Promise<string | null> {
    const ip = parseIp(hostname);
    if (ip !== null) return this.refuseAddress(ip, hostname);
    const byName = this.judgeName(hostname);
    if (typeof byName === 'string') return byName;
    let addresses: readonly LookupAddress[];
    try {
      addresses = await this.recentLookup(hostname);
    } catch {
      return null;
    }
    return this.refuseResolved(hostname, addresses, byName);
  }

  /**
   * The lookup for `check`, shared by the checks of one name within a second: a burst of tasks
   * created for one host waits for one resolution, not one each (getaddrinfo runs on libuv's four
   * threads). Connections never use it: each resolves afresh for the address it pins.
   */
  private recentLookup(hostname: string): Promise<readonly LookupAddress[]> {
    const now = Date.now();
    const cached = this.recent.get(hostname);
    if (cached !== undefined && now - cached.at < RECENT_LOOKUP_MS) return cached.addresses;
    if (this.recent.size >= RECENT_LOOKUP_ENTRIES) this.recent.clear();
    const addresses = this.lookup(hostname);
    this.recent.set(hostname, { at: now, addresses });
    return addresses;
  }

  /**
   * The addresses to connect to for `hostname`, every one of them allowed.
   * @throws TargetRefusedError, or the lookup's own error (ENOTFOUND…)
   */
  async resolve(hostname: string): Promise<readonly LookupAddress[]> {
    const byName = this.judgeName(hostname);
    if (typeof byName === 'string') throw new TargetRefusedError(byName);
    const addresses = await this.lookup(hostname);
    const refusal = this.refuseResolved(hostname, addresses, byName);
    if (refusal !== null) throw new TargetRefusedError(refusal);
    return addresses;
  }

  /** Why an IP host may not be called (rules 1 to 3), or null. `shown` is how the target wrote it. */
  refuseAddress(ip: IpAddress, shown: string = ip.address): string | null {
    if (isMetadataAddress(ip)) return `${shown} is a cloud metadata address, never called`;
    if (this.allowList.open || allowsAddress(this.allowList, ip)) return null;
    return `${shown} is not in the allow-list`;
  }

  /** A refusal by name alone, or whether the name is allowed without looking at its addresses. */
  private judgeName(hostname: string): string | boolean {
    if (isMetadataName(hostname)) return `${hostname} is a cloud metadata host, never called`;
    return this.allowList.open || allowsName(this.allowList, hostname);
  }

  private refuseResolved(hostname: string, addresses: readonly LookupAddress[], allowedByName: boolean): string | null {
    if (addresses.length === 0) return `${hostname} resolves to no address`;
    const ips: IpAddress[] = [];
    for (const { address } of addresses) {
      const ip = parseIp(address);
      if (ip === null) return `${hostname} resolves to '${address}', which is not an IP address`;
      if (isMetadataAddress(ip)) return `${hostname} resolves to ${address}, a cloud metadata address, never called`;
      ips.push(ip);
    }
    if (allowedByName) return null;
    const outside = ips.find((ip) => !allowsAddress(this.allowList, ip));
    if (outside === undefined) return null;
    return `${hostname} matches no host in the allow-list and resolves to ${outside.address}, outside its addresses`;
  }
}
