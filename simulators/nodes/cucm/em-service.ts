import type { Clock } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import { HttpStreamFramer, pathOf, queryOf, serializeHttp, type HttpRequest, type HttpResponse } from '../../protocols/http';
import { PHONE_SERVICE_CONTENT_TYPE, serializePhoneService, type PhoneServiceObject } from '../../protocols/phone-services';
import type { HostNetwork, TcpServer } from '../../transport/network';
import { CONNECTIONS_PER_PEER, listenLimited } from '../../transport/stream-limits';
import type { CucmConfigStore } from './cucm-config';
import { escapeText as escapeXmlText } from '../../protocols/xml';

/** CUCM's phone services port (Cisco Tomcat: the Services menu and the Extension Mobility application). */
export const PHONE_SERVICES_PORT = 8080;
export const SERVICES_MENU_PATH = '/ccmcip/getservicesmenu.jsp';
export const EM_APP_PATH = '/emapp/EMAppServlet';
/** The AXL web service CUP's Sync Agent reads end users from (docs/protocols/cup-rcc.md §6). */
export const AXL_PATH = '/axl/';

/**
 * The Services menu and the Extension Mobility application a phone reaches over HTTP (seed 004 B11;
 * docs/protocols/cucm-features.md §11): login with user ID and PIN lays the user's device profile over the
 * phone and restarts it; logout restores the phone's own lines. Each B11 sub-step that is missing shows
 * the product's symptom: the menu lacks the service, the application is unreachable, or the login answers
 * with the EM error code the phone displays.
 */
export class ExtensionMobilityService {
  private listener: TcpServer | undefined;

  constructor(
    private readonly config: CucmConfigStore,
    /** The host part of the service URLs CUCM hands the phones (its address). */
    private readonly fqdn: string,
    private readonly log: Logger,
    /** Restart a phone so it registers with its new lines. */
    private readonly restart: (deviceName: string) => void,
  ) {}

  async listen(network: HostNetwork, clock: Clock): Promise<void> {
    // Tomcat's connectionTimeout as CUCM ships it, 20 s (docs/protocols/stream-limits.md).
    const limits = { idleMs: 20_000, perPeer: CONNECTIONS_PER_PEER };
    this.listener = await listenLimited(network, clock, this.log, PHONE_SERVICES_PORT, limits, (connection) => {
      const framer = new HttpStreamFramer();
      connection.onData((data) => {
        for (const r of framer.push(data)) {
          if (!r.ok || r.value.kind !== 'request') {
            // RFC 2616 §10.4.14: a body over the limit gets 413; anything else malformed 400.
            connection.write(serializeHttp(framer.tooLarge ? text(413, 'Request Entity Too Large', 'Request Entity Too Large') : text(400, 'Bad Request', 'Bad Request')));
            connection.end();
            return;
          }
          const { response, after } = this.handle(r.value);
          connection.write(serializeHttp(response));
          after?.();
        }
      });
    });
  }

  close(): void {
    this.listener?.close();
  }

  private handle(request: HttpRequest): { response: HttpResponse; after?: () => void } {
    if (pathOf(request.target) === AXL_PATH) return { response: this.axl(request) };
    if (request.method !== 'GET') return { response: text(405, 'Method Not Allowed', 'GET only') };
    const cnf = /^\/(SEP[0-9A-F]{12})\.cnf\.xml$/i.exec(pathOf(request.target));
    if (cnf) return { response: this.configurationFile(cnf[1] ?? '') };
    const query = queryOf(request.target);
    switch (pathOf(request.target)) {
      case SERVICES_MENU_PATH:
        return { response: this.servicesMenu(query.get('name') ?? '') };
      case EM_APP_PATH:
        return this.emApp(query);
      default:
        return { response: text(404, 'Not Found', 'Not Found') };
    }
  }

  /**
   * AXL `listUser` (SOAP 1.1 over HTTP POST, the lab's subset; docs/protocols/cup-rcc.md §6): every end user with
   * the fields CUP synchronises — user id, Mail ID, primary extension and the CUP / CUPC licence capabilities.
   */
  private axl(request: HttpRequest): HttpResponse {
    if (request.method !== 'POST') return text(405, 'Method Not Allowed', 'POST only');
    if (!/listUser/.test(request.body)) return soapFault('Client', 'only listUser is offered');
    const users = this.config
      .allEndUsers()
      .map(
        (u) =>
          `<user><userid>${escapeXmlText(u.userId)}</userid><mailid>${escapeXmlText(u.email)}</mailid>` +
          `<primaryExtension><pattern>${escapeXmlText(u.primaryExtension)}</pattern></primaryExtension>` +
          `<enableCups>${u.licenseCapabilities.includes('CUP')}</enableCups><enableCupc>${u.licenseCapabilities.includes('CUPC')}</enableCupc></user>`,
      )
      .join('');
    const body = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><axl:listUserResponse xmlns:axl="http://www.cisco.com/AXL/API/7.0"><return>${users}</return></axl:listUserResponse></soapenv:Body></soapenv:Envelope>`;
    return { kind: 'response', status: 200, reason: 'OK', headers: [['Content-Type', 'text/xml; charset=utf-8']], body };
  }

  /**
   * A SIP phone's configuration file, read again after a restart: its line buttons as they now are (the device's
   * own, or the logged-in profile's). The lab serves it over HTTP; CUCM 7's phones read it by TFTP (modelling
   * choice, docs/protocols/sip-phone-features.md §6). Only the lines are modelled.
   */
  private configurationFile(deviceName: string): HttpResponse {
    const phone = this.config.phone(deviceName);
    if (!phone || phone.protocol !== 'sip') return text(404, 'Not Found', 'Not Found');
    const lines = phone.lines
      .map((l, i) => `<line button="${i + 1}"><featureID>9</featureID><name>${escapeXmlText(l.dn)}</name><contact>${escapeXmlText(l.dn)}</contact><proxy>USECALLMANAGER</proxy></line>`)
      .join('');
    const body = `<?xml version="1.0" encoding="UTF-8"?><device><deviceProtocol>SIP</deviceProtocol><sipProfile><sipLines>${lines}</sipLines></sipProfile></device>`;
    return { kind: 'response', status: 200, reason: 'OK', headers: [['Content-Type', 'text/xml']], body };
  }

  /** The phone's Services button: the IP phone services the phone (or the logged-in profile) subscribes to. */
  private servicesMenu(deviceName: string): HttpResponse {
    const phone = this.config.phone(deviceName);
    if (!phone) return text(404, 'Not Found', `no device ${deviceName}`);
    const service = this.config.extensionMobility.service();
    const login = phone.emLogin;
    const subscribed = login ? (this.config.extensionMobility.profile(login.profile)?.subscribed ?? false) : phone.extensionMobility.subscribed;
    const items = service.serviceName !== undefined && subscribed ? [{ name: service.serviceName, url: `http://${this.fqdn}:${PHONE_SERVICES_PORT}${EM_APP_PATH}?device=${deviceName}` }] : [];
    if (items.length === 0) {
      // No subscribed service: the phone shows CUCM's pointer to the user options pages (community TAC note).
      return xml({ type: 'CiscoIPPhoneText', title: 'Services', text: 'To set up speed dials and other services from your phone, go to the user options pages' });
    }
    return xml({ type: 'CiscoIPPhoneMenu', title: 'Services', items });
  }

  private emApp(query: URLSearchParams): { response: HttpResponse; after?: () => void } {
    const service = this.config.extensionMobility.service();
    // B11 "Make sure the service is activated": without it nothing answers at the EM application.
    if (!service.activated) return { response: text(503, 'Service Unavailable', 'Cisco Extension Mobility is not running') };
    const deviceName = query.get('device') ?? '';
    const phone = this.config.phone(deviceName);
    if (!phone) return { response: emText('Login is unavailable(11)') };
    const url = `http://${this.fqdn}:${PHONE_SERVICES_PORT}${EM_APP_PATH}?device=${deviceName}`;
    if (phone.emLogin) {
      if (query.get('logout') !== 'true') return { response: xml({ type: 'CiscoIPPhoneMenu', title: 'Extension Mobility', items: [{ name: 'Logout', url: `${url}&logout=true` }] }) };
      const who = phone.emLogin.userId;
      this.config.extensionMobility.logout(deviceName);
      this.log.info('Extension Mobility logout', { device: deviceName, user: who });
      return { response: emText('Logout successful'), after: () => this.restart(deviceName) };
    }
    const userId = query.get('userid');
    const pin = query.get('pin');
    if (userId === null || pin === null) {
      return {
        response: xml({ type: 'CiscoIPPhoneInput', title: 'Extension Mobility', url, inputs: [{ displayName: 'User ID', queryStringParam: 'userid' }, { displayName: 'PIN', queryStringParam: 'pin' }] }),
      };
    }
    const user = this.config.endUser(userId);
    if (!user || user.pin === '' || user.pin !== pin) {
      this.log.info('Extension Mobility login refused: authentication', { device: deviceName, user: userId });
      return { response: emText('Authentication Error(201)') };
    }
    // EM service code 5 "Dev. logon disabled": "Enable Extension Mobility" unchecked on the phone.
    if (!phone.extensionMobility.enabled) {
      this.log.info('Extension Mobility login refused: not enabled on the device', { device: deviceName, user: userId });
      return { response: emText('Login is unavailable(5)') };
    }
    // The profile comes from the user's Controlled Profiles; none (for this model or at all) is code 12,
    // "Dev. Profile not found" (modelled: the first controlled profile is used).
    const profile = user.controlledProfiles.map((n) => this.config.extensionMobility.profile(n)).find((p) => p !== undefined);
    if (!profile) {
      this.log.info('Extension Mobility login refused: no device profile', { device: deviceName, user: userId });
      return { response: emText('Login is unavailable(12)') };
    }
    this.config.extensionMobility.login(deviceName, userId, profile.name);
    this.log.info('Extension Mobility login', { device: deviceName, user: userId, profile: profile.name, lines: profile.lines.map((l) => l.dn) });
    return { response: emText('Login successful'), after: () => this.restart(deviceName) };
  }
}

function xml(o: PhoneServiceObject): HttpResponse {
  return { kind: 'response', status: 200, reason: 'OK', headers: [['Content-Type', PHONE_SERVICE_CONTENT_TYPE]], body: serializePhoneService(o) };
}

function emText(message: string): HttpResponse {
  return xml({ type: 'CiscoIPPhoneText', title: 'Extension Mobility', text: message });
}

function text(status: number, reason: string, body: string): HttpResponse {
  return { kind: 'response', status, reason, headers: [['Content-Type', 'text/plain']], body };
}

function soapFault(code: string, message: string): HttpResponse {
  const body = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:${code}</faultcode><faultstring>${escapeXmlText(message)}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
  return { kind: 'response', status: 500, reason: 'Internal Server Error', headers: [['Content-Type', 'text/xml; charset=utf-8']], body };
}
