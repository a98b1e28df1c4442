import {
  SipStreamFramer,
  SipTransactionLayer,
  createResponse,
  encodeSipMessage,
  parseSipMessage,
  SipHeaders,
  expandHeaderName,
} from '../../protocols/sip';
import type { SipMessage, SipRequest, SipTarget, SipTransactionLayerDelegate } from '../../protocols/sip';
import type { TcpConnection, UdpSocket } from '../../transport/network';
import { formatEndpoint } from '../../transport/network';
import { listenLimited } from '../../transport/stream-limits';
import type { StreamLimits } from '../../transport/stream-limits';
import type { NodeEnv } from '../node';

/** SIP over TLS (RFC 3261 §26.2; RFC 5922): where it listens, and how a connection is secured each way. */
export interface SipTlsOptions {
  port: number;
  /** The server side of a TLS session on an accepted connection (the node's certificate). */
  server(connection: TcpConnection): TcpConnection;
  /** The client side: verifies the peer's certificate for `servername`, or rejects. */
  client(connection: TcpConnection, servername: string): Promise<TcpConnection>;
}

export interface SipEndpointOptions {
  port: number;
  /** Also SIP over TLS (port 5061 by custom); absent: UDP and TCP only. */
  tls?: SipTlsOptions;
  /** A stream connection closed (the peer's FIN or ours): what was bound to it is gone (a registrar's bindings). */
  onConnectionClosed?: (connectionId: string) => void;
  delegate: SipTransactionLayerDelegate;
  /** The product's idle timeout and the per-address limit on its TCP and TLS ports (docs/protocols/stream-limits.md). */
  limits: StreamLimits;
  /**
   * The product's software identity, for a node that originates every message it sends (a UA or B2BUA,
   * not a proxy): put in `User-Agent` of its requests and `Server` of its responses (RFC 3261 §20.41,
   * §20.35) when the message has none.
   */
  software?: string;
  /**
   * The last look at every message before it is encoded (a product's message signing, [MS-SIPAE] §3.3.5.3): may add
   * headers. Called for every message the node sends, relayed or its own, with where it goes.
   */
  beforeSend?: (message: SipMessage, target: SipTarget) => void;
}

/**
 * The SIP transport of a server node (OCS front end, CUP, CUCM line side): UDP and TCP on one port,
 * RFC 3261 §18 stream framing on TCP, connection reuse (responses and requests to a registered
 * client go over the connection it opened), and the transaction layer on top. A message that does
 * not parse gets `400 Bad Request` when enough of it is readable to address a response (§8.2.2
 * leaves the rest to the implementation), and is logged either way.
 */
export class SipEndpoint {
  readonly layer: SipTransactionLayer;
  private udp: UdpSocket | undefined;
  private readonly connections = new Map<string, TcpConnection>();
  private readonly pending = new Map<string, Promise<TcpConnection>>();
  /** Whether each connection carries SIP in the clear or over TLS. */
  private readonly transportOf = new Map<string, 'TCP' | 'TLS'>();
  /** The open connections to each `transport address:port`, oldest first (a send reuses the oldest open one). */
  private readonly byRemote = new Map<string, TcpConnection[]>();
  private closers: (() => void)[] = [];
  private onConnectionClosed: ((connectionId: string) => void) | undefined;

  private constructor(
    private readonly env: NodeEnv,
    readonly port: number,
    delegate: SipTransactionLayerDelegate,
    private readonly software: string | undefined,
    private readonly tls: SipTlsOptions | undefined,
    private readonly beforeSend: ((message: SipMessage, target: SipTarget) => void) | undefined,
  ) {
    this.layer = new SipTransactionLayer({
      clock: env.clock,
      random: env.random,
      sentBy: { host: env.network.address, port, ...(tls ? { tlsPort: tls.port } : {}) },
      send: (message, target) => this.send(message, target),
      delegate: guarded(delegate, env),
      log: env.log,
    });
  }

  static async start(env: NodeEnv, options: SipEndpointOptions): Promise<SipEndpoint> {
    const endpoint = new SipEndpoint(env, options.port, options.delegate, options.software, options.tls, options.beforeSend);
    endpoint.onConnectionClosed = options.onConnectionClosed;
    const udp = await env.network.bindUdp(options.port);
    endpoint.udp = udp;
    udp.onDatagram((data, from) => endpoint.receiveBytes(data, { address: from.address, port: from.port, transport: 'UDP' }));
    const server = await listenLimited(env.network, env.clock, env.log, options.port, options.limits, (connection) => endpoint.adopt(connection));
    endpoint.closers.push(() => udp.close(), () => server.close());
    const tls = options.tls;
    if (tls) {
      const secure = await listenLimited(env.network, env.clock, env.log, tls.port, options.limits, (connection) => endpoint.adopt(tls.server(connection), 'TLS'));
      endpoint.closers.push(() => secure.close());
    }
    return endpoint;
  }

  get address(): string {
    return this.env.network.address;
  }

  /**
   * Transactions that are still waiting for something (a response, an ACK). Those in Completed,
   * Confirmed or Accepted only wait out their RFC 3261/6026 timers and end by themselves: not leaks.
   */
  pendingTransactions(): string[] {
    return this.layer.describeLiveTransactions().filter((t) => !/ (Completed|Accepted|Confirmed|Terminated) /.test(t));
  }

  /** True when the TCP connection a message came in on is still open. */
  isOpen(connectionId: string): boolean {
    const c = this.connections.get(connectionId);
    return c !== undefined && !c.closed;
  }

  /** Puts a message on the wire: over the named connection, an open one to the target, or a new one. */
  send(message: SipMessage, target: SipTarget): void {
    if (this.software !== undefined) {
      const header = message.kind === 'request' ? 'User-Agent' : 'Server';
      if (!message.headers.has(header)) message.headers.set(header, this.software);
    }
    this.beforeSend?.(message, target);
    const bytes = encodeSipMessage(message);
    if (target.transport === 'UDP') {
      this.udp?.send({ address: target.address, port: target.port }, bytes);
      return;
    }
    const byId = target.connectionId ? this.connections.get(target.connectionId) : undefined;
    const key = `${target.transport} ${target.address}:${target.port}`;
    const open = byId && !byId.closed ? byId : this.byRemote.get(key)?.find((c) => !c.closed);
    if (open) {
      open.write(bytes);
      // A connection that ended under the write (cut by a partition) lost the message: RFC 3261 §18.4, a transport
      // error, which the transaction waiting on it learns once it is registered (after this call returns).
      if (open.closed) this.env.clock.setTimer(0, () => this.layer.connectionFailed(open.remote));
      return;
    }
    let connecting = this.pending.get(key);
    if (!connecting) {
      const tls = this.tls;
      if (target.transport === 'TLS' && !tls) {
        this.env.log.warn('SIP over TLS asked of a node without TLS', { target: key });
        this.layer.connectionFailed({ address: target.address, port: target.port });
        return;
      }
      connecting = this.env.network.connectTcp({ address: target.address, port: target.port }).then(async (raw) => {
        const c = target.transport === 'TLS' && tls ? await tls.client(raw, target.servername ?? target.address) : raw;
        this.pending.delete(key);
        this.adopt(c, target.transport === 'TLS' ? 'TLS' : 'TCP');
        return c;
      });
      connecting.catch((e: unknown) => {
        this.pending.delete(key);
        this.env.log.warn('SIP TCP connect failed', { target: key, error: e instanceof Error ? e.message : String(e) });
        this.layer.connectionFailed({ address: target.address, port: target.port });
      });
      this.pending.set(key, connecting);
    }
    connecting.then((c) => c.write(bytes)).catch(() => undefined);
  }

  /** Every TCP and TLS connection ends at once (the product's process restarted); the listeners stay. */
  resetConnections(): void {
    for (const c of [...this.connections.values()]) c.end();
  }

  async stop(): Promise<void> {
    this.layer.dispose();
    for (const c of this.connections.values()) c.end();
    this.connections.clear();
    this.byRemote.clear();
    for (const close of this.closers) close();
    this.closers = [];
  }

  private adopt(connection: TcpConnection, transport: 'TCP' | 'TLS' = 'TCP'): void {
    this.connections.set(connection.id, connection);
    this.transportOf.set(connection.id, transport);
    const remoteKey = `${transport} ${connection.remote.address}:${connection.remote.port}`;
    const sameRemote = this.byRemote.get(remoteKey);
    if (sameRemote) sameRemote.push(connection);
    else this.byRemote.set(remoteKey, [connection]);
    const framer = new SipStreamFramer();
    const source: SipTarget = { address: connection.remote.address, port: connection.remote.port, transport, connectionId: connection.id };
    connection.onData((bytes) => {
      for (const result of framer.push(bytes)) {
        if (result.ok) this.layer.receive(result.value, source);
        else if (framer.oversized) {
          // RFC 3261 §21.5.11: a request too large to take gets 513, then the stream closes (its end cannot be found).
          this.reject(result.error.message, new TextEncoder().encode(`${framer.oversized.head}\r\n\r\n`), source, 513, 'Message Too Large');
          framer.oversized = undefined;
        } else this.reject(result.error.message, undefined, source);
      }
      if (framer.unusable) connection.end();
    });
    connection.onClose(() => {
      this.connections.delete(connection.id);
      this.transportOf.delete(connection.id);
      const list = this.byRemote.get(remoteKey);
      const at = list?.indexOf(connection) ?? -1;
      if (list && at >= 0) list.splice(at, 1);
      if (list?.length === 0) this.byRemote.delete(remoteKey);
      this.onConnectionClosed?.(connection.id);
    });
  }

  private receiveBytes(data: Uint8Array, source: SipTarget): void {
    const parsed = parseSipMessage(data);
    if (parsed.ok) this.layer.receive(parsed.value, source);
    else this.reject(parsed.error.message, data, source);
  }

  /**
   * Answers an unparseable request 400 (or the status given) when its addressing headers can be read: its top Via
   * and CSeq (RFC 4475 §3.3.1 insuf: a request without To, From or Call-ID still gets its 400). A request of
   * another SIP version gets 505 (RFC 3261 §8.2.2, §21.5.7; RFC 4475 §3.1.2.16 badvers). A response, an ACK, or
   * bytes without a readable Request-Line are dropped (§18.1.2; nothing can be sent back).
   */
  private reject(error: string, data: Uint8Array | undefined, source: SipTarget, status = 400, reasonPhrase = 'Bad Request'): void {
    this.env.log.warn('malformed SIP message', { from: formatEndpoint(source), error });
    if (!data) return;
    const salvaged = salvageRequest(new TextDecoder().decode(data));
    if (!salvaged) return;
    const { request, version } = salvaged;
    const [code, phrase] = version !== '2.0' ? [505, 'Version Not Supported'] : [status, reasonPhrase];
    const response = createResponse(request, code, phrase);
    for (const name of ['From', 'To', 'Call-ID']) if (!request.headers.has(name)) response.headers.remove(name);
    const reason = error.replace(/[\r\n"\\]/g, ' ').slice(0, 300);
    response.headers.set('Warning', `399 ${this.env.network.address} "${reason}"`);
    this.send(response, source);
  }
}

/**
 * The addressing headers of a request whose parse failed, enough to build a 400 (§8.2.6). The Request-Line is read
 * leniently (extra or trailing whitespace, whitespace inside the Request-URI, another SIP version: RFC 4475
 * §3.1.2.7-9, 16), and header rows are unfolded (§7.3.1).
 */
function salvageRequest(text: string): { request: SipRequest; version: string } | undefined {
  const lines = text.replace(/^(\r?\n)+/, '').split(/\r?\n/);
  const start = /^([A-Za-z0-9\-.!%*_+`'~]+)[ \t]+(.*?)[ \t]+SIP\/(\d+\.\d+)[ \t]*$/i.exec(lines[0] ?? '');
  if (!start || start[1]?.toUpperCase() === 'ACK') return undefined;
  const rows: string[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') break;
    if (/^[ \t]/.test(line) && rows.length > 0) rows[rows.length - 1] += ` ${line.trim()}`;
    else rows.push(line);
  }
  const headers = new SipHeaders();
  for (const row of rows) {
    const m = /^(Via|v|From|f|To|t|Call-ID|i|CSeq)[ \t]*:[ \t]*(.*)$/i.exec(row);
    if (m) headers.append(expandHeaderName(m[1] as string), (m[2] as string).trim());
  }
  for (const required of ['Via', 'CSeq']) if (!headers.has(required)) return undefined;
  return { request: { kind: 'request', method: start[1] as string, uri: (start[2] as string).trim(), headers, body: '' }, version: start[3] as string };
}

/**
 * The node's handlers may be asynchronous (a DNS lookup, a CTI round trip). A handler that fails
 * must not take the process down: the request gets `500 Server Internal Error` (RFC 3261 §21.5.1)
 * when it is still unanswered, and the failure is logged.
 */
function guarded(delegate: SipTransactionLayerDelegate, env: NodeEnv): SipTransactionLayerDelegate {
  const report = (what: string, error: unknown): void =>
    env.log.error(`${what} failed`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  const run = (what: string, fn: () => unknown, onError?: () => void): void => {
    try {
      const result = fn();
      if (result instanceof Promise) {
        result.catch((error: unknown) => {
          report(what, error);
          onError?.();
        });
      }
    } catch (error) {
      report(what, error);
      onError?.();
    }
  };
  return {
    ...delegate,
    onRequest: (request, tx, source) =>
      run(`handling ${request.method}`, () => delegate.onRequest(request, tx, source), () => {
        tx.respond(createResponse(request, 500, 'Server Internal Error'));
      }),
    onAck: (ack, source) => run('handling ACK', () => delegate.onAck(ack, source)),
    onCancel: (invite, cancel) => run('handling CANCEL', () => delegate.onCancel(invite, cancel)),
  };
}
