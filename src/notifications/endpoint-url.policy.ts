import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { notificationsConfig } from '../config/namespaces.js';
import { invalidEndpointUrl } from './notifications.errors.js';

type Family = 'ipv4' | 'ipv6';

/** Addresses a notification must never reach unless allowed: loopback, link-local (cloud metadata lives there), unspecified, private. */
const REFUSED: Array<[string, number, Family]> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
];

const familyOf = (address: string): Family => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it carries. */
const unmapped = (address: string) => address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');

/**
 * Where endpoint URLs may point: https:// (http:// too outside production), and never, through any
 * address their host resolves to, a refused network unless NOTIFICATION_URL_ALLOWED_NETWORKS lists
 * it. Checked when an endpoint is saved and again before each delivery (DNS may change).
 */
@Injectable()
export class EndpointUrlPolicy {
  private readonly refused = new BlockList();
  private readonly allowed = new BlockList();

  constructor(@Inject(notificationsConfig.KEY) private readonly notifications: ConfigType<typeof notificationsConfig>) {
    for (const [network, prefix, family] of REFUSED) this.refused.addSubnet(network, prefix, family);
    for (const cidr of notifications.allowedNetworks) {
      const [network, prefix] = cidr.split('/') as [string, string];
      this.allowed.addSubnet(network, Number(prefix), familyOf(network));
    }
  }

  /** Throws NOTIFICATION_ENDPOINT_URL_INVALID (422) with the reason. */
  async check(raw: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalidEndpointUrl('is not an absolute URL');
    }
    const schemes = this.notifications.requireHttps ? ['https:'] : ['https:', 'http:'];
    if (!schemes.includes(url.protocol)) throw invalidEndpointUrl(`must use ${schemes.map((scheme) => scheme.replace(':', '://')).join(' or ')}`);
    if (url.username || url.password) throw invalidEndpointUrl('must not carry credentials');
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const addresses = isIP(host) ? [host] : await lookup(host, { all: true, verbatim: true }).then((found) => found.map((entry) => entry.address), () => []);
    if (!addresses.length) throw invalidEndpointUrl(`host ${host} does not resolve`);
    for (const address of addresses.map(unmapped)) {
      const family = familyOf(address);
      if (this.refused.check(address, family) && !this.allowed.check(address, family)) {
        throw invalidEndpointUrl(`resolves to ${address}, a loopback, link-local, metadata or private address (allow its network with NOTIFICATION_URL_ALLOWED_NETWORKS)`);
      }
    }
    return url;
  }
}
