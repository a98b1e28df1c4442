import { escapeText } from '../xml';

/**
 * Cisco's proprietary SIP extensions between CUCM and its SIP phone loads (docs/protocols/sip-phone-features.md;
 * modelled after public Cisco interop code, no Cisco specification): the "remotecc" XML bodies carried by
 * out-of-dialog REFERs, and the service URIs a phone dials for its feature keys.
 */
export const REMOTECC_REQUEST_TYPE = 'application/x-cisco-remotecc-request+xml';

/** CUCM SIP Profile "Call Forward URI": `<uri>-<target>` sets Call Forward All, the bare URI clears it. */
export const CFWDALL_SERVICE_URI = 'x-cisco-serviceuri-cfwdall';
/** CUCM SIP Profile "Meet Me Service URI": `<uri>-<number>` opens (or joins) that Meet-Me conference. */
export const MEETME_SERVICE_URI = 'x-cisco-serviceuri-meetme';

/** A dialog as remotecc names it: `localtag` is the phone's tag and `remotetag` CUCM's, whichever side writes. */
export interface RemoteccDialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

const request = (...lines: string[]): string =>
  ['<?xml version="1.0" encoding="UTF-8"?>', '<x-cisco-remotecc-request>', ...lines, '</x-cisco-remotecc-request>', ''].join('\n');

const dialogElement = (name: string, d: RemoteccDialog): string =>
  `<${name}><callid>${escapeText(d.callId)}</callid><localtag>${escapeText(d.localTag)}</localtag><remotetag>${escapeText(d.remoteTag)}</remotetag></${name}>`;

/** A soft-key event (`Answer`, `Hold`, `Conference` …) on a dialog; a conference also names the consultation dialog. */
export function softKeyEventBody(softKey: string, dialog: RemoteccDialog, extra: { line?: number; consult?: RemoteccDialog } = {}): string {
  return request(
    '<softkeyeventmsg>',
    `<softkeyevent>${escapeText(softKey)}</softkeyevent>`,
    dialogElement('dialogid', dialog),
    ...(extra.line !== undefined ? [`<linenumber>${extra.line}</linenumber>`, '<participantnum>0</participantnum>'] : []),
    ...(extra.consult ? [dialogElement('consultdialogid', extra.consult)] : []),
    '</softkeyeventmsg>',
  );
}

/** CUCM → phone: the device's Do Not Disturb state and option. */
export function dndUpdateBody(active: boolean, option: 'ringerOff' | 'callReject'): string {
  return request('<dndupdate>', `<state>${active ? 'enable' : 'disable'}</state>`, `<option>${option === 'callReject' ? 'callreject' : 'ringeroff'}</option>`, '</dndupdate>');
}

/** CUCM → phone: a line's Call Forward All target ('' when cleared). */
export function cfwdAllUpdateBody(line: number, address: string): string {
  return request('<cfwdallupdate>', `<linenumber>${line}</linenumber>`, `<fwdaddress>${escapeText(address)}</fwdaddress>`, '</cfwdallupdate>');
}
