/**
 * Cuts the CTI TCP byte stream (lab's own framing, see cti-codec.ts) into frames and decodes them.
 * A frame whose payload is bad (unknown type, schema failure) is reported and skipped: its length
 * is known, so the stream stays in sync. Bad magic or an oversized length means the stream lost sync.
 */
import { LengthPrefixedFramer } from '../length-prefixed-framer';
import { CTI_HEADER_SIZE, CTI_MAX_PAYLOAD, decodeCti, hasCtiMagic, type CtiFrame } from './cti-codec';

export class CtiFramer extends LengthPrefixedFramer<CtiFrame> {
  constructor() {
    super({
      protocol: 'cti',
      measure: (buffer) => {
        if (!hasCtiMagic(buffer)) return { lostSync: 'bad magic (expected "LCTI")' };
        if (buffer.length < CTI_HEADER_SIZE) return undefined;
        const length = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength).getUint32(12, false);
        if (length > CTI_MAX_PAYLOAD) return { lostSync: `payload length ${length} exceeds ${CTI_MAX_PAYLOAD}` };
        return CTI_HEADER_SIZE + length;
      },
      decode: decodeCti,
    });
  }
}
