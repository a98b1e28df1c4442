/**
 * Cuts a TCP byte stream of length-prefixed binary frames (SCCP, the lab's CTI framing) into frames
 * and decodes them. The protocol says how long the frame at the head of the buffer is, or that the
 * stream has lost sync; after a lost sync the framer reports one error and from then on treats the
 * stream as unusable (its owner closes the connection, as a phone, CUCM or CUP would).
 */
import { CodecError, fail, type Result } from '../kernel/errors';

export interface FrameRule<T> {
  /** Protocol name for errors. */
  readonly protocol: string;
  /**
   * The length in bytes of the frame at the start of `buffer`; `undefined` when more bytes are needed
   * to tell; `{ lostSync }` when the bytes cannot start a frame.
   */
  measure(buffer: Uint8Array): number | undefined | { lostSync: string };
  decode(frame: Uint8Array): Result<T>;
}

export class LengthPrefixedFramer<T> {
  private buffer = new Uint8Array(0);
  private consumed = 0;
  private broken = false;

  constructor(private readonly rule: FrameRule<T>) {}

  /** True once a framing error was seen: every later push answers with one error. */
  get unusable(): boolean {
    return this.broken;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get pending(): number {
    return this.buffer.length;
  }

  push(bytes: Uint8Array): Result<T>[] {
    if (this.broken) {
      return [fail(new CodecError(this.rule.protocol, 'stream unusable after an earlier framing error', { offset: this.consumed }))];
    }
    this.append(bytes);
    const out: Result<T>[] = [];
    while (this.buffer.length > 0) {
      const length = this.rule.measure(this.buffer);
      if (length === undefined) break;
      if (typeof length === 'object') {
        out.push(fail(new CodecError(this.rule.protocol, `framing error: ${length.lostSync}; stream unusable`, { offset: this.consumed })));
        this.broken = true;
        this.buffer = new Uint8Array(0);
        break;
      }
      if (this.buffer.length < length) break;
      out.push(this.rule.decode(this.buffer.slice(0, length)));
      this.buffer = this.buffer.subarray(length);
      this.consumed += length;
    }
    return out;
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.buffer.length === 0) {
      this.buffer = bytes.slice();
      return;
    }
    const next = new Uint8Array(this.buffer.length + bytes.length);
    next.set(this.buffer);
    next.set(bytes, this.buffer.length);
    this.buffer = next;
  }
}
