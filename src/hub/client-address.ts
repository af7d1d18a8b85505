/**
 * Who a connection comes from, for the per-address limits. The socket's peer address, unless that is a
 * trusted reverse proxy: then the nearest address in X-Forwarded-For that is not itself a trusted proxy
 * (a client can prepend anything to that header; only what our own proxies appended is believed).
 *
 * The result is a key, not an address: IPv4-mapped IPv6 becomes IPv4, and an IPv6 address counts as its
 * /64, because one subscriber usually holds a whole /64 and could otherwise rotate through 2^64 addresses.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

export type AddressOf = (req: IncomingMessage) => string;

export function createAddressOf(trustedProxies: readonly string[]): AddressOf {
  const trusted = proxyList(trustedProxies);
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  return (req) => {
    let address = unmap(req.socket.remoteAddress ?? '');
    if (trustedProxies.length > 0 && isTrusted(address)) {
      const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => unmap(s.trim()));
      for (let i = forwarded.length - 1; i >= 0; i--) {
        // An entry that is no address (a proxy that appends ip:port, say) ends the walk: what lies left of it
        // was written by someone we cannot vouch for, so the last trusted hop stands for the client.
        if (isIP(forwarded[i]!) === 0) break;
        address = forwarded[i]!;
        if (!isTrusted(address)) break;
      }
    }
    return addressKey(address);
  };
}

/** "10.0.0.1", "10.0.0.0/8", "::1", "fd00::/8" -> one BlockList; anything else is refused at start. */
function proxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new RangeError(`option trustedProxies: "${entry}" is not an IP address or CIDR range`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const bits = Number(prefix);
    if (!/^\d+$/.test(prefix) || bits > (family === 6 ? 128 : 32)) throw new RangeError(`option trustedProxies: bad prefix in "${entry}"`);
    list.addSubnet(address, bits, type);
  }
  return list;
}

function unmap(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** The key an address is counted under: IPv4 as is, IPv6 as its /64 prefix. */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '').toLowerCase()).join(':') + '::/64';
}
