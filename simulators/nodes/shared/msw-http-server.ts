import type { RequestHandler } from 'msw';
import { HttpStreamFramer, serializeHttp } from '../../protocols/http';
import type { HttpRequest, HttpResponse } from '../../protocols/http';
import type { Logger } from '../../kernel/logger';
import type { HostNetwork, TcpConnection, TcpServer } from '../../transport/network';
import { listenLimited } from '../../transport/stream-limits';
import type { StreamLimits } from '../../transport/stream-limits';
import type { Clock } from '../../kernel/clock';
import { whileRealWork } from '../../kernel/clock';
import { msw } from './msw-lazy';

export interface MswHttpServerOptions {
  readonly port: number;
  /** The scheme and authority a request's URL is built with when its `Host` is missing (`https://mail.uc.lab`). */
  readonly origin: string;
  readonly handlers: readonly RequestHandler[];
  readonly log: Logger;
  readonly clock: Clock;
  /** The web server's connection timeout and the per-address limit (docs/protocols/stream-limits.md). */
  readonly limits: StreamLimits;
  /**
   * Checks a request before the handlers see it, on its raw bytes (what a web server refuses before any
   * application runs: a malformed request target, say). A response here is sent as it is.
   */
  readonly screen?: (request: HttpRequest) => HttpResponse | undefined;
  /** Wraps each accepted connection (a TLS server session); absent: plain HTTP. */
  readonly secure?: (connection: TcpConnection) => TcpConnection;
}

/**
 * Serves msw request handlers as real HTTP/1.1 bytes over the transport seam (docs/decisions/0017): the lab's
 * own codec cuts requests from the stream, each becomes a Fetch `Request`, msw's `getResponse` picks the
 * handler, and the Fetch `Response` goes back through the codec. Responses leave in request order.
 * The same handlers therefore answer on the in-memory network (the pcap holds the exchange) and on sockets
 * (curl can query them).
 */
export async function serveMswHandlers(network: HostNetwork, options: MswHttpServerOptions): Promise<TcpServer> {
  const open = new Set<TcpConnection>();
  const server = await listenLimited(network, options.clock, options.log, options.port, options.limits, (raw) => {
    const connection = options.secure ? options.secure(raw) : raw;
    open.add(connection);
    connection.onClose(() => open.delete(connection));
    const framer = new HttpStreamFramer();
    let queue: Promise<void> = Promise.resolve();
    connection.onData((data) => {
      for (const r of framer.push(data)) {
        if (!r.ok || r.value.kind !== 'request') {
          const refusal = refusalOf(framer);
          queue = queue.then(() => {
            if (!connection.closed) connection.write(serializeHttp(refusal));
            connection.end();
          });
          return;
        }
        const request = r.value;
        queue = queue
          .then(() => whileRealWork(() => answer(request, options)))
          .then((response) => {
            if (!connection.closed) connection.write(serializeHttp(response));
          })
          .catch((e: unknown) => {
            options.log.warn('HTTP handler failed', { error: e instanceof Error ? e.message : String(e) });
            if (!connection.closed) connection.write(serializeHttp(textResponse(500, 'Internal Server Error', 'Internal Server Error')));
          });
      }
    });
  });
  // Closing the server also ends the connections it accepted (the web site stops).
  return {
    local: server.local,
    close: () => {
      server.close();
      for (const c of [...open]) if (!c.closed) c.end();
      open.clear();
    },
  };
}

async function answer(request: HttpRequest, options: MswHttpServerOptions): Promise<HttpResponse> {
  const screened = options.screen?.(request);
  if (screened) return screened;
  const host = request.headers.find(([n]) => n.toLowerCase() === 'host')?.[1];
  const origin = host ? `${new URL(options.origin).protocol}//${host}` : options.origin;
  let url: URL;
  try {
    url = new URL(request.target, origin);
  } catch {
    return textResponse(400, 'Bad Request', 'Bad Request');
  }
  const headers = new Headers();
  for (const [n, v] of request.headers) {
    try {
      headers.append(n, v);
    } catch {
      return textResponse(400, 'Bad Request', `bad header ${n}`);
    }
  }
  const bodyless = request.method === 'GET' || request.method === 'HEAD';
  const fetchRequest = new Request(url, { method: request.method, headers, ...(bodyless ? {} : { body: request.body }) });
  const response = await msw().getResponse([...options.handlers], fetchRequest);
  if (!response) return textResponse(404, 'Not Found', 'The page cannot be found');
  const out: [string, string][] = [];
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    // Fetch joins repeated fields with ", "; challenges go back on a line each, as IIS writes them (RFC 9110 §11.6.1).
    if (name === 'www-authenticate') for (const challenge of value.split(/,\s*(?=[A-Za-z][A-Za-z0-9-]*(?:\s|$))/)) out.push(['WWW-Authenticate', challenge]);
    else out.push([canonicalName(name), value]);
  });
  for (const cookie of response.headers.getSetCookie()) out.push(['Set-Cookie', cookie]);
  return { kind: 'response', status: response.status, reason: response.statusText || reasonOf(response.status), headers: out, body: await response.text() };
}

/** Fetch lower-cases header names; on the wire they are written the way IIS writes them. */
function canonicalName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => `${dash}${c.toUpperCase()}`);
}

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK', 207: 'Multi-Status', 302: 'Found', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 440: 'Login Timeout', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

function reasonOf(status: number): string {
  return REASONS[status] ?? 'Unknown';
}

/** What a web server answers a request it cannot take: 413 for a body over the limit, else 400 (RFC 2616 §10.4). */
export function refusalOf(framer: HttpStreamFramer): HttpResponse {
  return framer.tooLarge ? textResponse(413, 'Request Entity Too Large', 'Request Entity Too Large') : textResponse(400, 'Bad Request', 'Bad Request');
}

export function textResponse(status: number, reason: string, body: string, headers: [string, string][] = []): HttpResponse {
  return { kind: 'response', status, reason, headers: [['Content-Type', 'text/html'], ...headers], body };
}
