/**
 * Cuts the CTI TCP byte stream (lab's own framing, see cti-codec.ts) into frames and decodes them.
 * A frame whose payload is bad (unknown type, schema failure) is reported and skipped: its length
 * is known, so the stream stays in sync. Bad magic or an oversized length means the stream lost sync:
 * one error is reported and the stream is unusable from then on (the owner closes the connection).
 */
import { CodecError, fail, type Result } from '../../kernel/errors';
import { CTI_HEADER_SIZE, CTI_MAX_PAYLOAD, decodeCti, hasCtiMagic, type CtiFrame } from './cti-codec';

export class CtiFramer {
  private buffer = new Uint8Array(0);
  private consumed = 0;
  private broken = false;

  /** True once a framing error was seen: every later push answers with one error. */
  get unusable(): boolean {
    return this.broken;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get pending(): number {
    return this.buffer.length;
  }

  push(bytes: Uint8Array): Result<CtiFrame>[] {
    if (this.broken) {
      return [fail(new CodecError('cti', 'stream unusable after an earlier framing error', { offset: this.consumed }))];
    }
    this.append(bytes);
    const out: Result<CtiFrame>[] = [];
    for (;;) {
      if (!hasCtiMagic(this.buffer)) return this.breakStream(out, 'framing error: bad magic (expected "LCTI"); stream unusable');
      if (this.buffer.length < CTI_HEADER_SIZE) break;
      const length = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength).getUint32(12, false);
      if (length > CTI_MAX_PAYLOAD) {
        return this.breakStream(out, `framing error: payload length ${length} exceeds ${CTI_MAX_PAYLOAD}; stream unusable`);
      }
      const frameLength = CTI_HEADER_SIZE + length;
      if (this.buffer.length < frameLength) break;
      out.push(decodeCti(this.buffer.slice(0, frameLength)));
      this.buffer = this.buffer.subarray(frameLength);
      this.consumed += frameLength;
    }
    return out;
  }

  private breakStream(out: Result<CtiFrame>[], message: string): Result<CtiFrame>[] {
    out.push(fail(new CodecError('cti', message, { offset: this.consumed })));
    this.broken = true;
    this.buffer = new Uint8Array(0);
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
