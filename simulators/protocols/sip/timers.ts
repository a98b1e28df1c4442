/**
 * RFC 3261 timer values (§17, Table 4 of Appendix A), plus RFC 6026 Timers L and M.
 *
 * T1  500ms default  "RTT Estimate"
 * T2  4s             "The maximum retransmit interval for non-INVITE requests and INVITE responses"
 * T4  5s             "Maximum duration a message will remain in the network"
 */
export interface TimerSettings {
  t1: number;
  t2: number;
  t4: number;
}

export const DEFAULT_TIMER_SETTINGS: Readonly<TimerSettings> = { t1: 500, t2: 4000, t4: 5000 };

export interface TransactionTimers {
  /** INVITE request retransmit interval, for UDP only: initially T1 (undefined when reliable). */
  A: number | undefined;
  /** INVITE transaction timeout timer: 64*T1. */
  B: number;
  /** Wait time for response retransmits: >32s for UDP, 0s for TCP/SCTP. */
  D: number;
  /** non-INVITE request retransmit interval, UDP only: initially T1 (undefined when reliable). */
  E: number | undefined;
  /** non-INVITE transaction timeout timer: 64*T1. */
  F: number;
  /** INVITE response retransmit interval: initially T1 (undefined when reliable). */
  G: number | undefined;
  /** Wait time for ACK receipt: 64*T1. */
  H: number;
  /** Wait time for ACK retransmits: T4 for UDP, 0s for TCP/SCTP. */
  I: number;
  /** Wait time for non-INVITE request retransmits: 64*T1 for UDP, 0s for TCP/SCTP. */
  J: number;
  /** Wait time for response retransmits: T4 for UDP, 0s for TCP/SCTP. */
  K: number;
  /** RFC 6026 §8.7 Timer L: wait time for accepted INVITE request retransmits, 64*T1. */
  L: number;
  /** RFC 6026 §8.4 Timer M: wait time for retransmission of 2xx to INVITE or additional 2xx from other branches, 64*T1. */
  M: number;
  /** The settings the values were derived from (T2 caps the doubling of E and G). */
  settings: TimerSettings;
}

/** Timer values for one transaction, given whether its transport is reliable (TCP) or not (UDP). */
export function transactionTimers(reliable: boolean, settings: Partial<TimerSettings> = {}): TransactionTimers {
  const s: TimerSettings = { ...DEFAULT_TIMER_SETTINGS, ...settings };
  const long = 64 * s.t1;
  return {
    A: reliable ? undefined : s.t1,
    B: long,
    // §17.1.1.2: "This timer MUST be set to fire in 32 seconds for unreliable transports, and zero
    // seconds for reliable transports."
    D: reliable ? 0 : Math.max(32_000, long / 2),
    E: reliable ? undefined : s.t1,
    F: long,
    G: reliable ? undefined : s.t1,
    H: long,
    I: reliable ? 0 : s.t4,
    J: reliable ? 0 : long,
    K: reliable ? 0 : s.t4,
    L: long,
    M: long,
    settings: s,
  };
}
