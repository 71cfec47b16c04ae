import type { IpRange } from './pattern-types';

export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;
const IPV4_MAPPED_PREFIX = 0xffffn;

function parseIpv4(text: string): bigint | undefined {
  const parts = IPV4.exec(text);
  if (!parts) return undefined;
  let value = 0n;
  for (const part of parts.slice(1)) {
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseHexGroups(text: string): bigint[] | undefined {
  if (text === '') return [];
  const groups: bigint[] = [];
  const parts = text.split(':');
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (HEX_GROUP.test(part)) {
      groups.push(BigInt(`0x${part}`));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseHexGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseHexGroups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<bigint>(missing).fill(0n), ...tail];
  return groups.reduce((acc, group) => (acc << 16n) | group, 0n);
}

/**
 * Parses an IPv4 or IPv6 literal. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) come back as IPv4
 * because EventBridge's engine (Java InetAddress) treats them that way, so they match IPv4 CIDRs.
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  if (!text.includes(':')) return undefined;
  const v6 = parseIpv6(text);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === IPV4_MAPPED_PREFIX) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

/**
 * Parses `address/bits`. Like EventBridge, a full-length mask (/32, /128) is refused: a single
 * address is an exact string match. A base with host bits set is refused too: EventBridge would
 * silently match from that base upwards, which is never what the author meant.
 */
export function parseCidr(text: string): IpRange | string {
  const parts = text.split('/');
  if (parts.length !== 2) return `cidr "${text}" must have exactly one "/", as in "10.0.0.0/24"`;
  const [addressText = '', bitsText = ''] = parts;
  const address = parseIpAddress(addressText);
  if (address === undefined) return `cidr "${text}" does not start with an IPv4 or IPv6 address`;
  if (!/^\d{1,3}$/.test(bitsText)) return `cidr "${text}" must end with a whole number of mask bits`;
  const width = address.family === 4 ? 32 : 128;
  const bits = Number(bitsText);
  if (bits >= width) {
    return `cidr "${text}" must have fewer than ${width} mask bits; match a single address exactly instead`;
  }
  const hostMask = (1n << BigInt(width - bits)) - 1n;
  if ((address.value & hostMask) !== 0n) {
    return `cidr "${text}" has host bits set in its base address`;
  }
  return { family: address.family, first: address.value, last: address.value | hostMask };
}

export function isInRange(range: IpRange, text: string): boolean {
  const address = parseIpAddress(text);
  return (
    address !== undefined &&
    address.family === range.family &&
    address.value >= range.first &&
    address.value <= range.last
  );
}
