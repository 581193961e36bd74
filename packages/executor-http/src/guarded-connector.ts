import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { parseIp } from './ip-address.ts';
import { type TargetGuard, TargetRefusedError } from './target-guard.ts';

/** The family `net.connect` asked for: 4, 6, or 0 for either. */
function familyOf(options: LookupOptions): number {
  const family = options.family;
  return family === 4 || family === 'IPv4' ? 4 : family === 6 || family === 'IPv6' ? 6 : 0;
}

/**
 * A `lookup` for `net.connect` and `tls.connect` that answers with the addresses the guard
 * resolved and checked (in its own lookup), so the socket connects to nothing but them.
 */
function pinnedLookup(guard: TargetGuard): LookupFunction {
  return (hostname, options, callback) => {
    guard.resolve(hostname).then(
      (resolved) => {
        const family = familyOf(options);
        const addresses: LookupAddress[] = resolved.filter((a) => family === 0 || a.family === family);
        const first = addresses[0];
        if (first === undefined) {
          const error: NodeJS.ErrnoException = new Error(`${hostname} has no IPv${family} address`);
          error.code = 'ENOTFOUND';
          callback(error, '');
        } else if (options.all === true) {
          callback(null, addresses);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

/**
 * undici's connector with the guard in front of every connection the executor's pool opens: an IP
 * host is judged before connecting (sockets skip `lookup` for IPs), a name through the pinned
 * lookup. Connections already open were judged when they opened, so each request needs no check.
 * A refusal fails the request with a TargetRefusedError.
 */
export function guardedConnector(guard: TargetGuard): buildConnector.connector {
  const connect = buildConnector({ lookup: pinnedLookup(guard) });
  return (options, callback) => {
    const ip = parseIp(options.hostname);
    const refusal = ip === null ? null : guard.refuseAddress(ip);
    if (refusal === null) {
      connect(options, callback);
      return;
    }
    // Asynchronously, as a socket error would be: undici is still inside its connect call.
    queueMicrotask(() => callback(new TargetRefusedError(refusal), null));
  };
}
