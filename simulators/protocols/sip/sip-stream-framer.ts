/**
 * Splits a SIP byte stream (TCP) into messages. RFC 3261 §18.3: "In the case of message-oriented
 * transports (such as UDP) ... In the case of stream-oriented transports such as TCP, the
 * Content-Length header field indicates the size of the body. All SIP implementations MUST be able to
 * use it to locate the end of a message over a stream-based transport."
 */
import { CodecError, fail, ok, type Result } from '../../kernel/errors';
import { parseSipMessage, type SipMessage } from './sip-message';

const decoder = new TextDecoder('utf-8');
const REQUEST_LINE = /^[A-Za-z0-9\-.!%*_+`'~]+ \S+ SIP\/2\.0\r?$/i;
const STATUS_LINE = /^SIP\/2\.0 \d{3}(?: .*)?\r?$/i;
/** Modelling choice: a header section larger than this without its empty line makes the stream unusable. */
const MAX_HEADER_BYTES = 64 * 1024;

export class SipStreamFramer {
  private buffer: Uint8Array = new Uint8Array(0);
  private consumed = 0;
  private resyncing = false;
  private broken = false;

  /** True once the stream cannot be framed any more (bad Content-Length, oversized header); close it. */
  get unusable(): boolean {
    return this.broken;
  }

  /** Bytes held for the next push (a partial message). */
  get pending(): number {
    return this.buffer.length;
  }

  push(bytes: Uint8Array): Result<SipMessage>[] {
    return this.pushFrames(bytes).map((frame) => (frame.ok ? parseSipMessage(frame.value) : frame));
  }

  /**
   * The same framing, handing back each message's exact bytes unparsed (for a consumer that parses
   * SIP itself, such as sip.js behind the lab's transport).
   */
  pushFrames(bytes: Uint8Array): Result<Uint8Array>[] {
    const out: Result<Uint8Array>[] = [];
    if (this.broken) return out;
    this.buffer = concat(this.buffer, bytes);
    for (;;) {
      // §7.5: "Implementations processing SIP messages over stream-oriented transports MUST ignore
      // any CRLF appearing before the start-line" (also the RFC 5626 §3.5.1 CRLF keep-alive ping).
      let skip = 0;
      while (skip < this.buffer.length && (this.buffer[skip] === 0x0d || this.buffer[skip] === 0x0a)) skip++;
      this.consume(skip);
      if (this.buffer.length === 0) break;

      const lf = this.buffer.indexOf(0x0a);
      if (lf < 0) {
        if (this.buffer.length > MAX_HEADER_BYTES) {
          out.push(this.unusableError('start line too long'));
          break;
        }
        break;
      }
      const firstLine = decoder.decode(this.buffer.subarray(0, lf));
      if (!REQUEST_LINE.test(firstLine) && !STATUS_LINE.test(firstLine)) {
        // Modelling choice: garbage is reported once, then skipped up to the next line that looks
        // like a start line (resynchronisation).
        if (!this.resyncing) {
          out.push(fail(new CodecError('SIP', `framing: garbage in the stream "${firstLine.slice(0, 40)}"`, { offset: this.consumed })));
          this.resyncing = true;
        }
        this.consume(lf + 1);
        continue;
      }
      this.resyncing = false;

      const end = findHeaderEnd(this.buffer);
      if (!end) {
        if (this.buffer.length > MAX_HEADER_BYTES) out.push(this.unusableError('header section too long'));
        break;
      }
      const head = decoder.decode(this.buffer.subarray(0, end.headerEnd));
      const length = contentLength(head);
      if (length === 'bad') {
        out.push(this.unusableError('bad Content-Length, cannot find the end of the message'));
        break;
      }
      // Modelling choice: a message on a stream without Content-Length is taken to have no body.
      const total = end.bodyStart + length;
      if (this.buffer.length < total) break;
      out.push(ok(this.buffer.slice(0, total)));
      this.consume(total);
    }
    return out;
  }

  private consume(n: number): void {
    if (n <= 0) return;
    this.buffer = this.buffer.slice(n);
    this.consumed += n;
  }

  private unusableError(message: string): { ok: false; error: CodecError } {
    this.broken = true;
    const error = new CodecError('SIP', `framing: ${message}; stream unusable`, { offset: this.consumed });
    this.buffer = new Uint8Array(0);
    return fail(error);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function findHeaderEnd(bytes: Uint8Array): { headerEnd: number; bodyStart: number } | undefined {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue;
    if (bytes[i + 1] === 0x0a) return { headerEnd: i, bodyStart: i + 2 };
    if (bytes[i + 1] === 0x0d && bytes[i + 2] === 0x0a) return { headerEnd: i, bodyStart: i + 3 };
  }
  return undefined;
}

function contentLength(head: string): number | 'bad' {
  // §7.3.3 compact form `l`; header names are case-insensitive.
  const m = /\n(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/i.exec(head);
  if (!m) return 0;
  const v = (m[1] as string).trim();
  return /^\d{1,9}$/.test(v) ? Number(v) : 'bad';
}
