/**
 * HTTP/1.1 messages as the lab's phones and CUCM's phone services exchange them (RFC 9110 semantics, RFC 9112
 * syntax): a start line, header fields, an empty line, and a body whose length Content-Length gives. Chunked
 * transfer coding is not used by any lab node and is refused when received (docs/protocols/phone-services.md §1).
 */
import { CodecError, fail, ok, type Result } from '../../kernel/errors';

export type HttpHeaders = readonly (readonly [string, string])[];

export interface HttpRequest {
  readonly kind: 'request';
  readonly method: string;
  /** The request target in origin form (`/emapp/EMAppServlet?device=SEP…`). */
  readonly target: string;
  readonly headers: HttpHeaders;
  readonly body: string;
}

export interface HttpResponse {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
  readonly headers: HttpHeaders;
  readonly body: string;
}

export type HttpMessage = HttpRequest | HttpResponse;

const CRLF = '\r\n';
/** RFC 9110 §5.6.2 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The value of a header field (names compare case-insensitively, RFC 9110 §5.1). */
export function headerOf(m: { readonly headers: HttpHeaders }, name: string): string | undefined {
  const lower = name.toLowerCase();
  return m.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

/** Serializes a message; Content-Length is always written from the body (RFC 9112 §6.2). */
export function serializeHttp(m: HttpMessage): Uint8Array {
  const body = encoder.encode(m.body);
  const start = m.kind === 'request' ? `${m.method} ${m.target} HTTP/1.1` : `HTTP/1.1 ${m.status} ${m.reason}`;
  const headers = m.headers.filter(([n]) => n.toLowerCase() !== 'content-length').map(([n, v]) => `${n}: ${v}`);
  const head = encoder.encode([start, ...headers, `Content-Length: ${body.length}`, '', ''].join(CRLF));
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/** Parses the head (start line and fields) of a message; the body is cut by the framer. */
type HttpHead = Omit<HttpRequest, 'body'> | Omit<HttpResponse, 'body'>;

function parseHead(text: string): Result<HttpHead> {
  const lines = text.split(CRLF);
  const start = lines[0] ?? '';
  const headers: [string, string][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const colon = line.indexOf(':');
    // RFC 9112 §5.1: no whitespace between the field name and the colon; obsolete line folding refused.
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) return fail(new CodecError('HTTP', `bad header field "${line}"`, { line: i + 1 }));
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const response = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(start);
  if (response) return ok({ kind: 'response', status: Number(response[1]), reason: response[2] ?? '', headers });
  const request = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/1\.[01]$/.exec(start);
  if (request) return ok({ kind: 'request', method: request[1] ?? '', target: request[2] ?? '', headers });
  return fail(new CodecError('HTTP', `bad start line "${start}"`, { line: 1 }));
}

/** The largest body the lab's HTTP servers and clients take (a WebDAV calendar answer is a few KiB); more gets 413. */
export const MAX_HTTP_BODY_BYTES = 1024 * 1024;
const MAX_HEAD_BYTES = 65_536;

/**
 * Cuts an HTTP/1.1 byte stream into messages, in time linear in the bytes: the search for a head's end resumes
 * where it stopped, and a message's head is parsed once. After a malformed message the stream is unusable (the
 * owner answers 400 and closes, RFC 9112 §2.2); after a body longer than MAX_HTTP_BODY_BYTES is announced,
 * `tooLarge` is set and the owner answers 413 (RFC 2616 §10.4.14 "Request Entity Too Large") and closes.
 */
export class HttpStreamFramer {
  private buffer = new Uint8Array(0);
  private broken = false;
  /** Bytes at the start of the buffer already searched for the end of the head. */
  private searched = 0;
  /** The message whose head has been read, waiting for the rest of its body. */
  private head: { message: HttpHead; bodyStart: number; total: number } | undefined;
  tooLarge = false;

  push(bytes: Uint8Array): Result<HttpMessage>[] {
    if (this.broken) return [fail(new CodecError('HTTP', 'stream unusable after an earlier error'))];
    const joined = new Uint8Array(this.buffer.length + bytes.length);
    joined.set(this.buffer, 0);
    joined.set(bytes, this.buffer.length);
    this.buffer = joined;
    const out: Result<HttpMessage>[] = [];
    for (;;) {
      if (!this.head) {
        const end = indexOfHeadEnd(this.buffer, Math.max(0, this.searched - 3));
        if (end < 0) {
          this.searched = this.buffer.length;
          if (this.buffer.length > MAX_HEAD_BYTES) return this.lose(out, 'header section longer than 64 KiB');
          break;
        }
        this.searched = 0;
        const head = parseHead(decoder.decode(this.buffer.subarray(0, end)));
        if (!head.ok) return this.lose(out, head.error.message);
        if (/chunked/i.test(headerOf(head.value, 'Transfer-Encoding') ?? '')) return this.lose(out, 'chunked transfer coding is not supported');
        const lengthText = headerOf(head.value, 'Content-Length') ?? '0';
        if (!/^\d+$/.test(lengthText)) return this.lose(out, `bad Content-Length "${lengthText}"`);
        const length = Number(lengthText);
        if (length > MAX_HTTP_BODY_BYTES) {
          this.tooLarge = true;
          return this.lose(out, `a body of ${lengthText} bytes announced, more than ${MAX_HTTP_BODY_BYTES}`);
        }
        this.head = { message: head.value, bodyStart: end + 4, total: end + 4 + length };
      }
      const { message, bodyStart, total } = this.head;
      if (this.buffer.length < total) break;
      const body = decoder.decode(this.buffer.subarray(bodyStart, total));
      out.push(ok({ ...message, body } as HttpMessage));
      this.buffer = this.buffer.slice(total);
      this.head = undefined;
    }
    return out;
  }

  private lose(out: Result<HttpMessage>[], why: string): Result<HttpMessage>[] {
    this.broken = true;
    this.buffer = new Uint8Array(0);
    out.push(fail(new CodecError('HTTP', why)));
    return out;
  }
}

function indexOfHeadEnd(b: Uint8Array, from = 0): number {
  for (let i = from; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}

/** The query parameters of a request target (`?a=1&b=2`), decoded. */
export function queryOf(target: string): URLSearchParams {
  const q = target.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
}

/** The path of a request target, without the query. */
export function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

/** `GET /path` or `200 OK`, for the ladder. */
export function summarizeHttp(m: HttpMessage): string {
  return m.kind === 'request' ? `${m.method} ${m.target}` : `${m.status} ${m.reason}`;
}
