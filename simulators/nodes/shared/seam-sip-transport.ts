import { EmitterImpl, TransportState } from 'sip.js';
import type { Emitter, Transport } from 'sip.js';
import type { Logger } from '../../kernel/logger';
import { SipStreamFramer } from '../../protocols/sip';
import type { Endpoint, HostNetwork, TcpConnection } from '../../transport/network';
import { formatEndpoint } from '../../transport/network';

export interface SeamSipTransportOptions {
  network: HostNetwork;
  /** The SIP server this user agent keeps its one TCP connection to (its OCS pool, or CUCM). */
  server: Endpoint;
  log: Logger;
  /** Called once the connection is up, with the local endpoint (for Via/Contact). */
  onLocal?: (local: Endpoint) => void;
  /**
   * The client's message security ([MS-SIPAE] signing, docs/protocols/sign-in.md §4): sees every message sent (and
   * may sign it: the bytes to write) and every message received, as text and as the bytes that came (and may drop
   * it: undefined).
   */
  security?: { outgoing(message: string): Uint8Array; incoming(message: string, bytes: Uint8Array): string | undefined };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A sip.js `Transport` over the lab's network seam: one TCP connection to the user agent's server,
 * with RFC 3261 §18.3 stream framing. The same class runs on the in-memory network and on real
 * sockets. Requests from the server (INFO events, INVITEs to a phone) arrive on this connection,
 * the way Communicator and Cisco SIP phones reuse their registration connection.
 */
export class SeamSipTransport implements Transport {
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  readonly protocol = 'TCP';
  private _state: TransportState = TransportState.Disconnected;
  private readonly _stateChange = new EmitterImpl<TransportState>();
  private connection: TcpConnection | undefined;
  private readonly options: SeamSipTransportOptions;
  private sentSomething = false;

  constructor(_logger: unknown, options: unknown) {
    this.options = options as SeamSipTransportOptions;
  }

  get state(): TransportState {
    return this._state;
  }

  get stateChange(): Emitter<TransportState> {
    return this._stateChange;
  }

  async connect(): Promise<void> {
    if (this.connection && !this.connection.closed) return;
    this.transition(TransportState.Connecting);
    try {
      const connection = await this.options.network.connectTcp(this.options.server);
      this.connection = connection;
      this.options.onLocal?.(connection.local);
      const framer = new SipStreamFramer();
      connection.onData((bytes) => {
        // The exact bytes of each framed message go to sip.js, which parses them itself.
        for (const result of framer.pushFrames(bytes)) {
          if (!result.ok) {
            this.options.log.warn('malformed SIP from server dropped', { error: result.error.message });
            continue;
          }
          const text = decoder.decode(result.value);
          const passed = this.options.security ? this.options.security.incoming(text, result.value) : text;
          if (passed === undefined) {
            this.options.log.warn('SIP message without a valid signature dropped', { start: text.slice(0, text.indexOf('\r\n')) });
            continue;
          }
          this.onMessage?.(passed);
        }
        if (framer.unusable) connection.end();
      });
      connection.onClose(() => {
        if (this.connection !== connection) return;
        this.connection = undefined;
        this.transition(TransportState.Disconnected);
        this.onDisconnect?.();
      });
      this.transition(TransportState.Connected);
      this.onConnect?.();
    } catch (error) {
      this.transition(TransportState.Disconnected);
      this.options.log.warn('cannot connect to SIP server', { server: formatEndpoint(this.options.server) });
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    const c = this.connection;
    this.connection = undefined;
    c?.end();
    this.transition(TransportState.Disconnected);
  }

  async dispose(): Promise<void> {
    await this.disconnect();
  }

  isConnected(): boolean {
    return this._state === TransportState.Connected;
  }

  async send(message: string): Promise<void> {
    if (!this.connection || this.connection.closed) throw new Error('SIP transport is not connected');
    this.connection.write(this.options.security ? this.options.security.outgoing(message) : encoder.encode(message));
    this.sentSomething = true;
  }

  /** Whether anything was sent since the last call (the keep-alive timer asks before it pings). */
  takeSentSomething(): boolean {
    const sent = this.sentSomething;
    this.sentSomething = false;
    return sent;
  }

  /** A keep-alive on the connection: CRLF CRLF (RFC 5626 §3.5.1; what Communicator and pidgin-sipe send). */
  ping(): void {
    if (!this.connection || this.connection.closed) return;
    this.connection.write(encoder.encode('\r\n\r\n'));
  }

  private transition(state: TransportState): void {
    if (this._state === state) return;
    this._state = state;
    this._stateChange.emit(state);
  }
}
