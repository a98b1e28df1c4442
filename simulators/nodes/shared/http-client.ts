import { NetworkError } from '../../kernel/errors';
import type { Clock } from '../../kernel/clock';
import { HttpStreamFramer, serializeHttp } from '../../protocols/http';
import type { HttpHeaders, HttpResponse } from '../../protocols/http';
import type { Endpoint, HostNetwork, TcpConnection } from '../../transport/network';

export interface HttpClientRequest {
  readonly method: string;
  /** Origin-form target: `/exchange/alice/Calendar/`. */
  readonly target: string;
  /** Host header value (the name the client asked for). */
  readonly host: string;
  readonly headers: HttpHeaders;
  readonly body: string;
}

/** Turns a fresh TCP connection into the one the request goes over (a TLS client session), or refuses. */
export type Securer = (connection: TcpConnection) => Promise<TcpConnection>;

/**
 * One HTTP/1.1 exchange over the transport seam with the lab's own codec (docs/decisions/0015): connect,
 * optionally secure, send the request with `Connection: close`, read one response, close. A node that reads
 * another node over HTTP goes through here and the network: never a function call into the other node.
 * Rejects with a NetworkError when the connection fails, the peer closes first, or no answer comes in `timeoutMs`.
 */
export async function httpExchange(
  network: HostNetwork,
  clock: Clock,
  to: Endpoint,
  request: HttpClientRequest,
  options: { secure?: Securer; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  const raw = await network.connectTcp(to);
  let connection: TcpConnection;
  try {
    connection = options.secure ? await options.secure(raw) : raw;
  } catch (e) {
    if (!raw.closed) raw.end();
    throw e;
  }
  return new Promise<HttpResponse>((resolve, reject) => {
    const framer = new HttpStreamFramer();
    let done = false;
    const timer = clock.setTimer(options.timeoutMs ?? 10_000, () => finish(new NetworkError(`no HTTP answer from ${to.address}:${to.port}`)));
    const finish = (result: HttpResponse | Error): void => {
      if (done) return;
      done = true;
      clock.clearTimer(timer);
      if (!connection.closed) connection.end();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    connection.onData((data) => {
      for (const r of framer.push(data)) {
        if (!r.ok) return finish(new NetworkError(`malformed HTTP answer from ${to.address}:${to.port}: ${r.error.message}`));
        if (r.value.kind === 'response') return finish(r.value);
      }
    });
    connection.onClose(() => finish(new NetworkError(`${to.address}:${to.port} closed the connection without an answer`)));
    connection.write(
      serializeHttp({
        kind: 'request',
        method: request.method,
        target: request.target,
        headers: [['Host', request.host], ...request.headers, ['Connection', 'close']],
        body: request.body,
      }),
    );
  });
}

/**
 * A persistent HTTP/1.1 connection to one server (RFC 9112 §9.3): requests go one at a time over the same
 * connection (and the same TLS session), which is opened on first use and again after the server closes it.
 */
export class PersistentHttpClient {
  private connection: TcpConnection | undefined;
  private framer = new HttpStreamFramer();
  private waiting: { resolve(r: HttpResponse): void; reject(e: Error): void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly network: HostNetwork,
    private readonly clock: Clock,
    private readonly to: Endpoint,
    private readonly options: { secure?: Securer; timeoutMs?: number } = {},
  ) {}

  /** Sends a request once the previous one is answered; rejects as `httpExchange` does. */
  request(request: HttpClientRequest): Promise<HttpResponse> {
    const next = this.queue.then(() => this.send(request));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    const c = this.connection;
    this.connection = undefined;
    if (c && !c.closed) c.end();
  }

  private async open(): Promise<TcpConnection> {
    if (this.connection && !this.connection.closed) return this.connection;
    const raw = await this.network.connectTcp(this.to);
    let connection: TcpConnection;
    try {
      connection = this.options.secure ? await this.options.secure(raw) : raw;
    } catch (e) {
      if (!raw.closed) raw.end();
      throw e;
    }
    this.framer = new HttpStreamFramer();
    connection.onData((data) => {
      for (const r of this.framer.push(data)) {
        const w = this.waiting;
        this.waiting = undefined;
        if (!w) continue;
        if (!r.ok) w.reject(new NetworkError(`malformed HTTP answer from ${this.to.address}:${this.to.port}: ${r.error.message}`));
        else if (r.value.kind === 'response') w.resolve(r.value);
      }
    });
    connection.onClose(() => {
      if (this.connection === connection) this.connection = undefined;
      const w = this.waiting;
      this.waiting = undefined;
      w?.reject(new NetworkError(`${this.to.address}:${this.to.port} closed the connection without an answer`));
    });
    this.connection = connection;
    return connection;
  }

  private async send(request: HttpClientRequest): Promise<HttpResponse> {
    const connection = await this.open();
    return new Promise<HttpResponse>((resolve, reject) => {
      const timer = this.clock.setTimer(this.options.timeoutMs ?? 10_000, () => {
        this.waiting = undefined;
        this.close();
        reject(new NetworkError(`no HTTP answer from ${this.to.address}:${this.to.port}`));
      });
      this.waiting = {
        resolve: (r) => {
          this.clock.clearTimer(timer);
          resolve(r);
        },
        reject: (e) => {
          this.clock.clearTimer(timer);
          reject(e);
        },
      };
      connection.write(serializeHttp({ kind: 'request', method: request.method, target: request.target, headers: [['Host', request.host], ...request.headers], body: request.body }));
    });
  }
}
