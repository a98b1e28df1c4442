import type { Logger } from '../../kernel/logger';
import type { Random } from '../../kernel/random';
import { randomToken } from '../../kernel/random';
import { pidfOfState, PIDF_CONTENT_TYPE, serializePidf, SIP_ETAG, SIP_IF_MATCH } from '../../protocols/presence';
import { SipHeaders } from '../../protocols/sip';
import type { SipRequest } from '../../protocols/sip';
import type { Clock } from '../../kernel/clock';
import type { DnsResolver } from '../shared/dns-resolver';
import type { SipEndpoint } from '../shared/sip-endpoint';
import type { CallLeg } from './call-control';
import type { SipTrunk } from './cucm-config';
import { appendBounded } from '../../kernel/bounded-list';


/** A line is "on the phone" while any appearance of it is in a call: every state but idle, ringing in and in use elsewhere. */
const IN_USE = new Set(['offHook', 'dialing', 'proceeding', 'ringOut', 'connected', 'held', 'busy', 'failed']);
const EXPIRES_S = 3600;

interface LinePublication {
  state: 'available' | 'on-the-phone';
  etag?: string;
  inFlight: boolean;
  /** A change that came while a PUBLISH was outstanding: sent when it is answered. */
  pending?: 'available' | 'on-the-phone';
}

/**
 * CUCM's phone presence toward CUP (docs/protocols/cup-presence.md §3): when a line goes into or out of use, a
 * SIP PUBLISH (RFC 3903) of a PIDF document (RFC 3863, RPID on-the-phone/busy per RFC 4480) over the SIP trunk the
 * "CUP PUBLISH Trunk" service parameter names, with SIP-If-Match on every later publication of the same line.
 * No trunk named, or one that does not lead to CUP, and CUP never learns the phone's state.
 */
export class PhonePresencePublisher {
  private readonly lines = new Map<string, LinePublication>();
  readonly failures: { t: number; dn: string; why: string }[] = [];

  constructor(
    private readonly deps: {
      readonly sip: () => SipEndpoint;
      readonly resolver: DnsResolver;
      readonly clock: Clock;
      readonly random: Random;
      readonly log: Logger;
      /** CUCM's own FQDN (the entity of what it publishes). */
      readonly fqdn: string;
      trunk(): SipTrunk | undefined;
      /** Every non-idle leg on a DN, on any device. */
      legsOfDn(dn: string): readonly CallLeg[];
    },
  ) {}

  onLegState(leg: CallLeg): void {
    const inUse = this.deps.legsOfDn(leg.dn).some((l) => IN_USE.has(l.state));
    const state = inUse ? 'on-the-phone' : 'available';
    const line = this.lines.get(leg.dn);
    if (!line) {
      if (state === 'available') return;
      const fresh: LinePublication = { state, inFlight: false };
      this.lines.set(leg.dn, fresh);
      void this.publish(leg.dn, fresh);
      return;
    }
    if (line.inFlight) {
      line.pending = state;
      return;
    }
    if (line.state === state) return;
    line.state = state;
    void this.publish(leg.dn, line);
  }

  private fail(dn: string, why: string): void {
    appendBounded(this.failures, { t: this.deps.clock.now(), dn, why });
    this.deps.log.warn('phone presence not published', { dn, why });
  }

  private async publish(dn: string, line: LinePublication): Promise<void> {
    const trunk = this.deps.trunk();
    if (!trunk) return this.fail(dn, 'no SIP trunk is named in the CUP PUBLISH Trunk service parameter');
    let address: string;
    try {
      address = await this.deps.resolver.resolveA(trunk.destination);
    } catch {
      return this.fail(dn, `trunk ${trunk.name}: ${trunk.destination} does not resolve`);
    }
    const sip = this.deps.sip();
    const entity = `sip:${dn}@${this.deps.fqdn}`;
    const headers = new SipHeaders([
      ['Max-Forwards', '70'],
      ['From', `<${entity}>;tag=${randomToken(this.deps.random, 10)}`],
      ['To', `<sip:${dn}@${trunk.destination}>`],
      ['Call-ID', `${randomToken(this.deps.random, 16)}@${sip.address}`],
      ['CSeq', '1 PUBLISH'],
      ['Event', 'presence'],
      ['Expires', String(EXPIRES_S)],
      ...(line.etag !== undefined ? ([[SIP_IF_MATCH, line.etag]] as [string, string][]) : []),
      ['Content-Type', PIDF_CONTENT_TYPE],
    ]);
    const body = serializePidf(pidfOfState(entity, line.state, { publisher: 'phone', timestamp: this.deps.clock.date().toISOString() }));
    const request: SipRequest = { kind: 'request', method: 'PUBLISH', uri: `sip:${dn}@${trunk.destination}`, headers, body };
    line.inFlight = true;
    const answered = (): void => {
      line.inFlight = false;
      const next = line.pending;
      line.pending = undefined;
      if (next !== undefined && next !== line.state) {
        line.state = next;
        void this.publish(dn, line);
      }
    };
    sip.layer.sendRequest(request, { address, port: trunk.port, transport: trunk.transport }, {
      onFinal: (r) => {
        if (r.status >= 200 && r.status < 300) line.etag = r.headers.get(SIP_ETAG) ?? line.etag;
        else {
          this.fail(dn, `trunk ${trunk.name}: PUBLISH answered ${r.status} ${r.reason}`);
          // RFC 3903 §6: an unknown entity tag (412) means the publication is gone; the next one starts afresh.
          if (r.status === 412) delete line.etag;
        }
        answered();
      },
      onTimeout: () => {
        this.fail(dn, `trunk ${trunk.name}: no answer to PUBLISH`);
        answered();
      },
      onTransportError: () => {
        this.fail(dn, `trunk ${trunk.name}: cannot reach ${trunk.destination}:${trunk.port}`);
        answered();
      },
    });
  }
}
