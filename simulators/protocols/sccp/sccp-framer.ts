/**
 * Cuts a TCP byte stream into SCCP frames and decodes them.
 *
 * Framing per Wireshark packet-skinny.c `get_skinny_pdu_len`: a PDU is data_length + 8 bytes, where
 * data_length is the first u32 LE. A data_length below 4 (no room for the message id; the 2009-era
 * dissector rejected these too) or above SCCP_MAX_DATA_LENGTH means the stream has lost sync.
 */
import { LengthPrefixedFramer } from '../length-prefixed-framer';
import { decodeSccp, SCCP_MAX_DATA_LENGTH } from './sccp-codec';
import type { SccpMessage } from './sccp-messages';

export class SccpFramer extends LengthPrefixedFramer<SccpMessage> {
  constructor() {
    super({
      protocol: 'sccp',
      measure: (buffer) => {
        if (buffer.length < 4) return undefined;
        const dataLength = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength).getUint32(0, true);
        if (dataLength < 4 || dataLength > SCCP_MAX_DATA_LENGTH) return { lostSync: `data_length ${dataLength} outside 4..${SCCP_MAX_DATA_LENGTH}` };
        return dataLength + 8;
      },
      decode: decodeSccp,
    });
  }
}
