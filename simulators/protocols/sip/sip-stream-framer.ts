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
/**
 * Modelling choice: the largest body a SIP message may announce on a stream (the lab's products answer
 * `513 Message Too Large`, RFC 3261 §21.5.11, and close the stream: they cannot find the next message).
 */
export const MAX_SIP_BODY_BYTES = 1024 * 1024;

/** An oversized message: its header section (to address a 513) and what it announced. */
export interface OversizedMessage {
  readonly head: string;
  readonly contentLength: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Linear in the bytes pushed: the buffer grows by doubling and is read from a moving start, and a search for the
 * end of a header section resumes where the previous push left it, so a sender dribbling one long message a byte
 * at a time costs no more than sending it at once.
 */
export class SipStreamFramer {
  private buf: Uint8Array = EMPTY;
  /**
   * True while `buf` is the caller's own chunk, read in place during a push into an empty framer: it is never
   * written, and whatever part of it must outlast the push is copied into a buffer of the framer's own.
   */
  private borrowed = false;
  private start = 0;
  private end = 0;
  private consumed = 0;
  private resyncing = false;
  private broken = false;
  /** Where the search for the current message's empty line goes on (relative to `start`). */
  private scanFrom = 0;
  /** The current message's total length once its header section has been read. */
  private expected: number | undefined;
  /** The last oversized message seen (the stream is unusable after it). */
  oversized: OversizedMessage | undefined;

  /** True once the stream cannot be framed any more (bad Content-Length, oversized header or body); close it. */
  get unusable(): boolean {
    return this.broken;
  }

  /** Bytes held for the next push (a partial message). */
  get pending(): number {
    return this.end - this.start;
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
    this.append(bytes);
    for (;;) {
      if (this.expected !== undefined) {
        if (this.pending < this.expected) break;
        out.push(ok(this.buf.slice(this.start, this.start + this.expected)));
        this.consume(this.expected);
        continue;
      }
      // §7.5: "Implementations processing SIP messages over stream-oriented transports MUST ignore
      // any CRLF appearing before the start-line" (also the RFC 5626 §3.5.1 CRLF keep-alive ping).
      if (this.scanFrom === 0) {
        let skip = 0;
        while (this.start + skip < this.end && (this.buf[this.start + skip] === 0x0d || this.buf[this.start + skip] === 0x0a)) skip++;
        this.consume(skip);
      }
      if (this.pending === 0) break;

      const view = this.buf.subarray(this.start, this.end);
      const lf = view.indexOf(0x0a);
      if (lf < 0) {
        if (this.pending > MAX_HEADER_BYTES) out.push(this.unusableError('start line too long'));
        break;
      }
      const firstLine = decoder.decode(view.subarray(0, lf));
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

      const found = findHeaderEnd(view, Math.max(0, this.scanFrom - 2));
      if (!found) {
        this.scanFrom = view.length;
        if (this.pending > MAX_HEADER_BYTES) out.push(this.unusableError('header section too long'));
        break;
      }
      const head = decoder.decode(view.subarray(0, found.headerEnd));
      const length = contentLength(head);
      if (length === 'bad') {
        out.push(this.unusableError('bad Content-Length, cannot find the end of the message'));
        break;
      }
      if (length > MAX_SIP_BODY_BYTES) {
        this.oversized = { head, contentLength: length };
        out.push(this.unusableError(`a body of ${length} bytes announced, more than ${MAX_SIP_BODY_BYTES}`));
        break;
      }
      // Modelling choice: a message on a stream without Content-Length is taken to have no body.
      this.expected = found.bodyStart + length;
    }
    // An idle connection holds no buffer: thousands of signed-in clients each keep a connection or two open.
    if (this.start === this.end) this.release();
    else if (this.borrowed) {
      // A partial message stays behind: keep a copy, not the caller's chunk, which the caller may reuse.
      this.buf = this.buf.slice(this.start, this.end);
      this.borrowed = false;
      this.end -= this.start;
      this.start = 0;
    }
    return out;
  }

  private release(): void {
    this.buf = EMPTY;
    this.borrowed = false;
    this.start = 0;
    this.end = 0;
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.end === this.start) {
      // Nothing held: frame the chunk where it lies; most chunks are whole messages and leave nothing behind.
      this.buf = bytes;
      this.borrowed = true;
      this.start = 0;
      this.end = bytes.length;
      return;
    }
    // Bytes are held, so `buf` is the framer's own (a push never ends on a borrowed chunk).
    if (this.end + bytes.length > this.buf.length) {
      const live = this.end - this.start;
      if (live + bytes.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const grown = new Uint8Array(Math.max(4096, (live + bytes.length) * 2));
        grown.set(this.buf.subarray(this.start, this.end), 0);
        this.buf = grown;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(bytes, this.end);
    this.end += bytes.length;
  }

  private consume(n: number): void {
    if (n <= 0) return;
    this.start += n;
    this.consumed += n;
    this.scanFrom = 0;
    this.expected = undefined;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  private unusableError(message: string): { ok: false; error: CodecError } {
    this.broken = true;
    const error = new CodecError('SIP', `framing: ${message}; stream unusable`, { offset: this.consumed });
    this.release();
    return fail(error);
  }
}

function findHeaderEnd(bytes: Uint8Array, from: number): { headerEnd: number; bodyStart: number } | undefined {
  for (let i = bytes.indexOf(0x0a, from); i >= 0; i = bytes.indexOf(0x0a, i + 1)) {
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
  return /^\d{1,10}$/.test(v) ? Number(v) : 'bad';
}
