import type { SipDialog } from '../../protocols/sip';
import type { CallMemory } from './csta-event-mapper';

export type RccSessionState = 'active' | 'terminated';

export interface RccMonitor {
  readonly crossRefId: string;
  readonly ctiMonitorId: string;
  readonly deviceName: string;
  readonly lineDn: string;
}

/** One Communicator's uaCSTA session with CUP (an INVITE dialog, TR/87), and the CTI monitor it holds. */
export interface RccSession {
  readonly dialog: SipDialog;
  readonly userId: string;
  /** The line URI the client announced (lcs:line). */
  line: string | undefined;
  readonly monitor: RccMonitor | undefined;
  state: RccSessionState;
  /** Where in-dialog requests toward the client go first (the OCS front end that Record-Routed). */
  readonly nextHop: string;
  /** Per-call memory the CSTA event mapper needs (which events were already sent). */
  readonly calls: Map<string, CallMemory>;
}

type MutableSession = Omit<RccSession, 'monitor'> & { monitor: RccMonitor | undefined };

/**
 * CUP's RCC sessions by dialog, by end user and by the CTI monitor they hold, so a sign-in (one session per user)
 * and a CTI event (to the session of its monitor) cost the same with five users or thirty thousand.
 */
export class RccSessionTable {
  private readonly byDialog = new Map<string, MutableSession>();
  private readonly byUser = new Map<string, Set<MutableSession>>();
  private readonly byMonitor = new Map<string, MutableSession>();

  add(session: Omit<RccSession, 'monitor'>): RccSession {
    const s: MutableSession = { ...session, monitor: undefined };
    this.byDialog.set(s.dialog.id, s);
    const set = this.byUser.get(s.userId) ?? new Set<MutableSession>();
    set.add(s);
    this.byUser.set(s.userId, set);
    return s;
  }

  remove(session: RccSession): void {
    const s = this.byDialog.get(session.dialog.id);
    if (!s) return;
    this.setMonitor(s, undefined);
    this.byDialog.delete(s.dialog.id);
    const set = this.byUser.get(s.userId);
    set?.delete(s);
    if (set?.size === 0) this.byUser.delete(s.userId);
  }

  setMonitor(session: RccSession, monitor: RccMonitor | undefined): void {
    const s = this.byDialog.get(session.dialog.id);
    if (!s) return;
    if (s.monitor) this.byMonitor.delete(s.monitor.ctiMonitorId);
    s.monitor = monitor;
    if (monitor) this.byMonitor.set(monitor.ctiMonitorId, s);
  }

  get(dialogId: string): RccSession | undefined {
    return this.byDialog.get(dialogId);
  }

  ofUser(userId: string): RccSession[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  ofMonitor(ctiMonitorId: string): RccSession | undefined {
    return this.byMonitor.get(ctiMonitorId);
  }

  values(): IterableIterator<RccSession> {
    return this.byDialog.values();
  }
}
