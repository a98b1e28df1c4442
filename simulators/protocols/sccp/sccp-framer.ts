/**
 * Cuts a TCP byte stream into SCCP frames and decodes them.
 *
 * Framing per Wireshark packet-skinny.c `get_skinny_pdu_len`: a PDU is data_length + 8 bytes, where
 * data_length is the first u32 LE. A data_length below 4 (no room for the message id; the 2009-era
 * dissector rejected these too) or above SCCP_MAX_DATA_LENGTH means the stream has lost sync: the framer
 * reports one framing error and from then on treats the stream as unusable (the owner should close the
 * TCP connection, as a phone or CUCM would).
 */
import { CodecError, fail, type Result } from '../../kernel/errors';
import { decodeSccp, SCCP_MAX_DATA_LENGTH } from './sccp-codec';
import type { SccpMessage } from './sccp-messages';

export class SccpFramer {
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

  push(bytes: Uint8Array): Result<SccpMessage>[] {
    if (this.broken) {
      return [fail(new CodecError('sccp', 'stream unusable after an earlier framing error', { offset: this.consumed }))];
    }
    this.append(bytes);
    const out: Result<SccpMessage>[] = [];
    while (this.buffer.length >= 4) {
      const view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
      const dataLength = view.getUint32(0, true);
      if (dataLength < 4 || dataLength > SCCP_MAX_DATA_LENGTH) {
        out.push(
          fail(
            new CodecError('sccp', `framing error: data_length ${dataLength} outside 4..${SCCP_MAX_DATA_LENGTH}; stream unusable`, {
              offset: this.consumed,
            }),
          ),
        );
        this.broken = true;
        this.buffer = new Uint8Array(0);
        return out;
      }
      const frameLength = dataLength + 8;
      if (this.buffer.length < frameLength) break;
      out.push(decodeSccp(this.buffer.slice(0, frameLength)));
      this.buffer = this.buffer.subarray(frameLength);
      this.consumed += frameLength;
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
