import { HttpStreamFramer, serializeHttp } from '../../protocols/http';
import type { HttpResponse } from '../../protocols/http';
import { parsePhoneService, type PhoneServiceObject } from '../../protocols/phone-services';
import type { TcpConnection } from '../../transport/network';
import type { NodeEnv } from '../node';

/** CUCM's phone services port (Cisco Tomcat). */
export const PHONE_SERVICES_PORT = 8080;

/**
 * The phone's side of IP phone services over HTTP (docs/protocols/phone-services.md, docs/decisions/0015), the
 * same on the SCCP and the SIP loads: the Services button, the Extension Mobility login and logout, and what the
 * Services screen shows. Each action returns at once; the screen shows the outcome.
 */
export class PhoneServicesClient {
  /** What the Services screen shows, '' before any service answered. */
  screen = '';

  constructor(
    private readonly env: NodeEnv,
    private readonly cucmAddress: string,
    private readonly deviceName: string,
    private readonly model: string,
  ) {}

  servicesKey(): void {
    this.screen = '';
    void this.services().then((menu) => this.show(menu));
  }

  emLogin(userId: string, pin: string): void {
    this.screen = '';
    void this.emFlow(async (app) => {
      if (app.type !== 'CiscoIPPhoneInput') return app;
      const sep = app.url.includes('?') ? '&' : '?';
      const query = app.inputs.map((i) => `${i.queryStringParam}=${encodeURIComponent(i.queryStringParam === 'pin' ? pin : userId)}`).join('&');
      return this.fetchService(`${app.url}${sep}${query}`);
    });
  }

  emLogout(): void {
    this.screen = '';
    void this.emFlow(async (app) => {
      const logout = app.type === 'CiscoIPPhoneMenu' ? app.items.find((i) => /logout/i.test(i.name)) : undefined;
      return logout ? this.fetchService(logout.url) : app;
    });
  }

  /** HTTP GET of a URL on its own connection; undefined when nothing answers it. */
  async get(url: string): Promise<HttpResponse | undefined> {
    const m = /^http:\/\/([^/:]+)(?::(\d+))?(\/.*)$/.exec(url);
    if (!m) return undefined;
    const [, host = '', port = '80', target = '/'] = m;
    let connection: TcpConnection;
    try {
      connection = await this.env.network.connectTcp({ address: host, port: Number(port) });
    } catch {
      return undefined;
    }
    return new Promise<HttpResponse | undefined>((resolve) => {
      const framer = new HttpStreamFramer();
      let answered = false;
      connection.onClose(() => {
        if (!answered) resolve(undefined);
      });
      connection.onData((data) => {
        const [r] = framer.push(data);
        if (!r || answered) return;
        answered = true;
        resolve(r.ok && r.value.kind === 'response' ? r.value : undefined);
        connection.end();
      });
      connection.write(serializeHttp({ kind: 'request', method: 'GET', target, headers: [['Host', `${host}:${port}`], ['User-Agent', `Cisco-CP${this.model}`]], body: '' }));
    });
  }

  /** Services → the Extension Mobility item → `next` with what the EM application answered. */
  private async emFlow(next: (app: PhoneServiceObject) => Promise<PhoneServiceObject | string>): Promise<void> {
    const menu = await this.services();
    if (typeof menu === 'string' || menu.type !== 'CiscoIPPhoneMenu') return this.show(menu);
    const em = menu.items.find((i) => i.url.includes('/emapp/'));
    if (!em) return this.show(menu);
    const app = await this.fetchService(em.url);
    this.show(typeof app === 'string' ? app : await next(app));
  }

  private services(): Promise<PhoneServiceObject | string> {
    return this.fetchService(`http://${this.cucmAddress}:${PHONE_SERVICES_PORT}/ccmcip/getservicesmenu.jsp?name=${this.deviceName}`);
  }

  /** What the screen shows for a service's answer: its title and text, or a menu's items. */
  private show(o: PhoneServiceObject | string): void {
    if (typeof o === 'string') this.screen = o;
    else if (o.type === 'CiscoIPPhoneText') this.screen = `${o.title}: ${o.text}`;
    else if (o.type === 'CiscoIPPhoneMenu') this.screen = `${o.title}: ${o.items.map((i) => i.name).join(', ')}`;
    else this.screen = `${o.title}: ${o.inputs.map((i) => i.displayName).join(', ')}`;
    this.env.log.info('services screen', { device: this.deviceName, screen: this.screen });
  }

  /** A service's answer; the phone shows "Host Not Found" when nothing answers, or the answer is not 200 (modelled). */
  private async fetchService(url: string): Promise<PhoneServiceObject | string> {
    if (!/^http:\/\/([^/:]+)(?::(\d+))?(\/.*)$/.test(url)) return 'Invalid URL';
    const response = await this.get(url);
    if (!response || response.status !== 200) return 'Host Not Found';
    const parsed = parsePhoneService(response.body);
    return parsed.ok ? parsed.value : 'XML Parse Error';
  }
}
