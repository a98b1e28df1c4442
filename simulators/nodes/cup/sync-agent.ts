import type { Clock } from '../../kernel/clock';
import { child, children, parseXml } from '../../protocols/xml';
import type { XmlElement } from '../../protocols/xml';
import type { HostNetwork } from '../../transport/network';
import type { DnsResolver } from '../shared/dns-resolver';
import { httpExchange } from '../shared/http-client';

/** What CUP keeps of a CUCM end user. */
export interface SyncedUser {
  readonly userId: string;
  readonly email: string | undefined;
  readonly dn: string | undefined;
  /** License Capabilities Assignment: "Enable CUP" (B6). */
  readonly licensed: boolean;
}

const AXL_PORT = 8080;
const AXL_PATH = '/axl/';
const LIST_USER =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:axl="http://www.cisco.com/AXL/API/7.0">' +
  '<soapenv:Body><axl:listUser><searchCriteria><userid>%</userid></searchCriteria><returnedTags><userid/><mailid/><primaryExtension/><enableCups/><enableCupc/></returnedTags></axl:listUser></soapenv:Body></soapenv:Envelope>';

/**
 * CUP's Sync Agent (docs/protocols/cup-rcc.md §6): reads CUCM's end users over AXL (`listUser`, SOAP over HTTP to
 * the publisher of step C2) so that CUP knows each user's e-mail address, primary extension and licence
 * capabilities. It runs when CUP starts and when an administrator asks for a sync; a failed sync keeps what CUP
 * had, and says why.
 */
export async function syncEndUsers(deps: { network: HostNetwork; clock: Clock; resolver: DnsResolver; publisher: string; userAgent: string }): Promise<SyncedUser[]> {
  const address = await deps.resolver.resolveA(deps.publisher);
  const response = await httpExchange(deps.network, deps.clock, { address, port: AXL_PORT }, {
    method: 'POST',
    target: AXL_PATH,
    host: `${deps.publisher}:${AXL_PORT}`,
    headers: [
      ['User-Agent', deps.userAgent],
      ['Content-Type', 'text/xml; charset=utf-8'],
      ['SOAPAction', '"CUCM:DB ver=7.0 listUser"'],
    ],
    body: LIST_USER,
  });
  if (response.status !== 200) throw new Error(`AXL listUser answered ${response.status} ${response.reason}`);
  const doc = parseXml(response.body, { maxLength: 256 * 1024 * 1024 });
  if (!doc.ok) throw new Error(`AXL listUser: ${doc.error.message}`);
  const text = (e: XmlElement | undefined): string => e?.text ?? '';
  const body = child(doc.value, 'Body');
  const ret = child(child(body ?? doc.value, 'listUserResponse') ?? doc.value, 'return');
  return children(ret ?? doc.value, 'user').map((u) => {
    const email = text(child(u, 'mailid'));
    const dn = text(child(child(u, 'primaryExtension') ?? u, 'pattern'));
    return { userId: text(child(u, 'userid')), email: email || undefined, dn: dn || undefined, licensed: text(child(u, 'enableCups')) === 'true' };
  });
}
