import type { CstaMessage } from '../../protocols/csta';
import type { CtiMessage } from '../../protocols/cti';

type CallEvent = Extract<CtiMessage, { type: 'CallEvent' }>;
type ForwardingEvent = Extract<CtiMessage, { type: 'ForwardingEvent' }>;

export interface CallMemory {
  originated: boolean;
  held: boolean;
  /** Where a DeflectCall sent the call (for the DivertedEvent). */
  divertedTo?: string;
  /** Where a SingleStepTransferCall sent the call (for the TransferedEvent). */
  transferredTo?: string;
  calling?: string;
  called?: string;
  /** Another appearance of the shared line answered: this device's connection has already cleared. */
  remoteInUse?: boolean;
}

const tel = (dn: string | undefined): string => (dn ? (dn.startsWith('tel:') ? dn : `tel:${dn}`) : '#notKnown');

/**
 * CTI call-state changes of the monitored line → the ECMA-269 events a TR/87 client expects
 * (docs/protocols/csta.md §7, §8). The local connection is always the monitored line's; which far-end
 * device alerts or answers comes from the calling/called parties CTIManager reports. This mapping is the
 * gateway's, modelled: CUP's real CTI-gateway event table is not public.
 */
export function cstaEventsFor(event: CallEvent | ForwardingEvent, monitorCrossRefID: string, calls: Map<string, CallMemory>): CstaMessage[] {
  if (event.type === 'ForwardingEvent') {
    // ECMA-269 ForwardingEvent: the monitored device's forwarding changed.
    return [
      {
        type: 'ForwardingEvent',
        monitorCrossRefID,
        device: tel(event.lineDn),
        forwardingType: 'forwardImmediate',
        forwardStatus: event.forwardAll,
        ...(event.forwardAll && event.destination ? { forwardTo: tel(event.destination) } : {}),
      },
    ];
  }
  const line = tel(event.lineDn);
  const connection = { callID: event.callId, deviceID: line };
  const joined: CstaMessage[] = [];
  if (event.replacesCallId !== undefined && event.replacesCallId !== event.callId) {
    // A consultation transfer elsewhere joined this line's call into a new one (csta.md §8): the old
    // connection ends as transferred, the new one is established with the new far party.
    const old = calls.get(event.replacesCallId);
    calls.delete(event.replacesCallId);
    const primaryOldCall = { callID: event.replacesCallId, deviceID: line };
    if (event.cause === 'conferenced') {
      // An ad hoc conference moved this line's call to the bridge under a new id: the same connection, renamed.
      joined.push({ type: 'ConferencedEvent', monitorCrossRefID, primaryOldCall, conferencingDevice: '#notKnown', conferenceConnections: [{ newConnection: connection, oldConnection: primaryOldCall }], localConnectionInfo: 'connected', cause: 'normal' });
      calls.set(event.callId, { ...(old ?? { held: false }), originated: true });
      return joined;
    }
    joined.push({ type: 'TransferedEvent', monitorCrossRefID, primaryOldCall, transferringDevice: '#notKnown', transferredToDevice: line, localConnectionInfo: 'connected', cause: 'transfer' });
    calls.set(event.callId, { originated: true, held: old?.held ?? false });
  }
  const memory = calls.get(event.callId) ?? { originated: false, held: false };
  if (event.callingParty) memory.calling = tel(event.callingParty);
  if (event.calledParty) memory.called = tel(event.calledParty);
  calls.set(event.callId, memory);
  const calling = memory.calling ?? '#notKnown';
  const called = memory.called ?? '#notKnown';
  const out: CstaMessage[] = joined;
  const originate = (): void => {
    if (memory.originated) return;
    memory.originated = true;
    out.push({ type: 'OriginatedEvent', monitorCrossRefID, originatedConnection: connection, callingDevice: line, calledDevice: called, localConnectionInfo: 'connected', cause: 'normal' });
  };
  switch (event.state) {
    case 'offHook':
      out.push({ type: 'ServiceInitiatedEvent', monitorCrossRefID, initiatedConnection: connection, initiatingDevice: line, localConnectionInfo: 'initiated', cause: 'newCall' });
      break;
    case 'dialing':
    case 'proceeding':
      if (event.calledParty) originate();
      break;
    case 'ringOut':
      originate();
      out.push({ type: 'DeliveredEvent', monitorCrossRefID, connection, alertingDevice: called, callingDevice: line, calledDevice: called, localConnectionInfo: 'connected', cause: 'normal' });
      break;
    case 'ringIn':
      out.push({ type: 'DeliveredEvent', monitorCrossRefID, connection, alertingDevice: line, callingDevice: calling, calledDevice: line, localConnectionInfo: 'alerting', cause: 'newCall' });
      break;
    case 'connected':
      if (memory.held) {
        memory.held = false;
        out.push({ type: 'RetrievedEvent', monitorCrossRefID, retrievedConnection: connection, retrievingDevice: line, localConnectionInfo: 'connected', cause: 'normal' });
      } else {
        const incoming = calling !== line && called === line;
        out.push({ type: 'EstablishedEvent', monitorCrossRefID, establishedConnection: connection, answeringDevice: incoming ? line : called, callingDevice: incoming ? calling : line, calledDevice: incoming ? line : called, localConnectionInfo: 'connected', cause: 'normal' });
      }
      break;
    case 'held':
      memory.held = true;
      out.push({ type: 'HeldEvent', monitorCrossRefID, heldConnection: connection, holdingDevice: line, localConnectionInfo: 'hold', cause: 'normal' });
      break;
    case 'busy':
      out.push({ type: 'FailedEvent', monitorCrossRefID, failedConnection: connection, failingDevice: called, callingDevice: line, calledDevice: called, localConnectionInfo: 'fail', cause: 'busy' });
      break;
    case 'failed':
      // No such number, or nobody registered on it: CUCM plays reorder (docs/protocols/csta.md §8).
      originate();
      out.push({ type: 'FailedEvent', monitorCrossRefID, failedConnection: connection, failingDevice: called, callingDevice: line, calledDevice: called, localConnectionInfo: 'fail', cause: 'destNotObtainable' });
      break;
    case 'remoteInUse':
      // A shared line's other appearance answered (docs/protocols/csta.md §8): for this device the call
      // is over, once; the later idle says nothing more.
      if (memory.remoteInUse) break;
      memory.remoteInUse = true;
      out.push({ type: 'ConnectionClearedEvent', monitorCrossRefID, droppedConnection: connection, releasingDevice: line, localConnectionInfo: 'null', cause: 'normalClearing' });
      break;
    case 'idle':
      calls.delete(event.callId);
      if (memory.remoteInUse) break;
      if (event.cause === 'conferenced') {
        // The line's held call went to the conference bridge (ad hoc, from the phone): ECMA-269 Conferenced,
        // the held call merged into the line's active one.
        out.push({ type: 'ConferencedEvent', monitorCrossRefID, primaryOldCall: connection, conferencingDevice: line, conferenceConnections: [], localConnectionInfo: 'connected', cause: 'normal' });
        break;
      }
      if (event.cause === 'transferred' || event.cause === 'consultTransferred') {
        // ECMA-269 Transferred ("TransferedEvent" in ECMA-323): this device handed its call on.
        out.push({ type: 'TransferedEvent', monitorCrossRefID, primaryOldCall: connection, transferringDevice: line, transferredToDevice: memory.transferredTo ?? '#notKnown', localConnectionInfo: 'null', cause: event.cause === 'consultTransferred' ? 'transfer' : 'singleStepTransfer' });
        break;
      }
      if (event.cause === 'redirected') {
        // ECMA-269 Diverted: the call left this device for another destination (deflect).
        out.push({ type: 'DivertedEvent', monitorCrossRefID, connection, divertingDevice: line, newDestination: memory.divertedTo ?? '#notKnown', localConnectionInfo: 'null', cause: 'redirected' });
        break;
      }
      out.push({ type: 'ConnectionClearedEvent', monitorCrossRefID, droppedConnection: connection, releasingDevice: line, localConnectionInfo: 'null', cause: 'normalClearing' });
      break;
  }
  return out;
}
