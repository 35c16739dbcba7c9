import { BlockList, isIP } from 'node:net';

/**
 * Lists of addresses and networks from the environment (`ELKS_ALLOWED_IPS`, `TRUST_PROXY`): each
 * entry an IPv4 or IPv6 address or a CIDR network. Matching normalises the forms one address can
 * take — `176.10.154.199` also matches `::ffff:176.10.154.199` (how a dual-stack socket reports an
 * IPv4 client), and IPv6 addresses match however they are abbreviated.
 */

/** Why an entry is not an address or a network, or null if it is one. */
export function addressEntryProblem(entry: string): string | null {
  const [ip, prefix, extra] = entry.split('/');
  const family = isIP(ip ?? '');
  if (family === 0 || extra !== undefined) return `"${entry}" is not an IPv4/IPv6 address or CIDR network`;
  if (prefix === undefined) return null;
  const bits = Number(prefix);
  if (!/^\d{1,3}$/.test(prefix) || bits > (family === 4 ? 32 : 128)) return `"${entry}" has an invalid prefix length`;
  return null;
}

export type AddressMatcher = (address: string | undefined) => boolean;

/** A matcher over valid entries (see addressEntryProblem); an empty list matches nothing. */
export function addressMatcher(entries: readonly string[]): AddressMatcher {
  const list = new BlockList();
  for (const entry of entries) {
    const [ip, prefix] = entry.split('/') as [string, string | undefined];
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, Number(prefix), type);
  }
  return (address) => {
    if (!address || entries.length === 0) return false;
    const family = isIP(address);
    if (family === 0) return false;
    return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}
