/**
 * The SIP transaction layer (RFC 3261 §17) over an injected send function: it matches responses to
 * client transactions (§17.1.3) and requests to server transactions (§17.2.3), creates server
 * transactions for new requests, answers CANCEL (§9.2), and stamps `received`/`rport` (§18.2.1,
 * RFC 3581). The node owning it frames bytes, calls `receive`, and puts what `send` gets on the wire.
 */
import type { Clock } from '../../kernel/clock';
import { LabError } from '../../kernel/errors';
import type { Logger } from '../../kernel/logger';
import { randomToken, type Random } from '../../kernel/random';
import { InviteClientTransaction } from './invite-client-transaction';
import { InviteServerTransaction } from './invite-server-transaction';
import { NonInviteClientTransaction } from './non-invite-client-transaction';
import { NonInviteServerTransaction } from './non-invite-server-transaction';
import type { ServerTransaction } from './server-transaction';
import {
  cloneSipMessage,
  createResponse,
  formatVia,
  getTag,
  parseCSeq,
  parseVia,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type Via,
} from './sip-message';
import { transactionTimers, type TimerSettings } from './timers';
import type { ClientTransactionDelegate, TransactionContext, TransactionTransport } from './transaction';

export type SipTransport = 'UDP' | 'TCP' | 'TLS';

export interface SipTarget {
  address: string;
  port: number;
  transport: SipTransport;
  /** The TCP connection a request arrived on, so that responses go back over it (§18.2.2). */
  connectionId?: string;
  /** TLS: the name the peer's certificate must carry (RFC 5922 §7); absent: the address. */
  servername?: string;
}

export interface SipTransactionLayerDelegate {
  /** A new request (not a retransmission, ACK or CANCEL): answer it through `transaction`. */
  onRequest(request: SipRequest, transaction: ServerTransaction, source: SipTarget): void;
  /** An ACK that matched no transaction (the ACK for a 2xx, §17.2.3 / §13.3.1.4). */
  onAck(ack: SipRequest, source: SipTarget): void;
  /** A CANCEL matched a pending INVITE; the layer has already answered 200 to the CANCEL. Answer the INVITE 487. */
  onCancel(invite: ServerTransaction, cancel: SipRequest): void;
  /** A response that matched no client transaction (§18.1.2: "the response MUST be passed to the core"). */
  onStrayResponse?(response: SipResponse, source: SipTarget): void;
  /** Timer H fired on an INVITE server transaction (no ACK for a non-2xx final). */
  onServerTransactionTimeout?(transaction: ServerTransaction): void;
}

export interface SipTransactionLayerOptions {
  clock: Clock;
  random: Random;
  sentBy: { host: string; port: number; tlsPort?: number };
  /** Puts a message on the wire. Throwing means a transport error (e.g. no TCP connection). */
  send: (message: SipMessage, target: SipTarget) => void;
  delegate: SipTransactionLayerDelegate;
  log?: Logger;
  /** T1/T2/T4 overrides (defaults 500 ms / 4 s / 5 s). */
  timers?: Partial<TimerSettings>;
}

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
type AnyServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** §8.1.1.7: "The branch ID inserted by an element compliant with this specification MUST always begin with the characters "z9hG4bK"." */
export const MAGIC_COOKIE = 'z9hG4bK';

export class SipTransactionLayer {
  private readonly clients = new Map<string, ClientTransaction>();
  /** Where each live client transaction sends, so a connection that cannot be made can fail them (RFC 3261 §18.4). */
  private readonly targets = new Map<ClientTransaction, SipTarget>();
  private readonly servers = new Map<string, AnyServerTransaction>();
  /** INVITE client transactions by `<Call-ID> <CSeq number>`, for matching an ACK to its INVITE without a scan. */
  private readonly invites = new Map<string, Set<InviteClientTransaction>>();

  constructor(private readonly opts: SipTransactionLayerOptions) {}

  /** A fresh RFC 3261 branch (`z9hG4bK` + random token). */
  newBranch(): string {
    return `${MAGIC_COOKIE}${randomToken(this.opts.random, 16)}`;
  }

  /** Our Via value for a request sent over `transport`, with a fresh branch and `rport` (RFC 3581). */
  createVia(transport: SipTransport, branch = this.newBranch()): string {
    const port = transport === 'TLS' ? (this.opts.sentBy.tlsPort ?? this.opts.sentBy.port) : this.opts.sentBy.port;
    return `SIP/2.0/${transport} ${this.opts.sentBy.host}:${port};branch=${branch};rport`;
  }

  /**
   * Starts a client transaction. The request is copied; our Via (with a new branch) is prepended
   * unless the top Via already has a branch (a proxy's own Via, or a CANCEL copying the INVITE's Via).
   * The transaction's `request` is the copy that went on the wire (use it for `createCancel`).
   */
  /**
   * The transport could not open a connection to `to`: every client transaction that sends there fails with a
   * transport error now (RFC 3261 §18.4: "a transport error ... should be treated as a 503"), not after Timer B/F.
   */
  connectionFailed(to: { readonly address: string; readonly port: number }): void {
    for (const [tx, target] of [...this.targets]) {
      // Only a transaction still waiting for its first answer: one that has its final response is done with the connection.
      const waiting = tx.state === 'Calling' || tx.state === 'Trying';
      if (waiting && target.transport !== 'UDP' && target.address === to.address && target.port === to.port) tx.transportError();
    }
  }

  sendRequest(request: SipRequest, target: SipTarget, delegate: ClientTransactionDelegate): ClientTransaction {
    if (request.method === 'ACK') throw new LabError('UC_NODE', 'an ACK is sent with sendAck, not in a client transaction');
    const sent = this.withOwnVia(request, target.transport);
    const via = parseVia(sent.headers.get('Via') ?? '');
    const branch = via.ok ? String(via.value.params.branch) : this.newBranch();
    const key = clientKey(branch, request.method);
    const existing = this.clients.get(key);
    if (existing) {
      this.opts.log?.warn(`client transaction ${key} replaced by a request reusing its branch`);
      existing.dispose();
    }
    const reliable = target.transport !== 'UDP';
    const inviteKey = request.method === 'INVITE' ? ackKey(sent) : undefined;
    const ctx = this.context(target, reliable, () => {
      if (this.clients.get(key) === tx) this.clients.delete(key);
      this.targets.delete(tx);
      if (inviteKey !== undefined && tx instanceof InviteClientTransaction) {
        const set = this.invites.get(inviteKey);
        set?.delete(tx);
        if (set?.size === 0) this.invites.delete(inviteKey);
      }
    });
    const tx: ClientTransaction = request.method === 'INVITE'
      ? new InviteClientTransaction(branch, sent, ctx, delegate)
      : new NonInviteClientTransaction(branch, sent, ctx, delegate);
    this.clients.set(key, tx);
    this.targets.set(tx, target);
    if (inviteKey !== undefined && tx instanceof InviteClientTransaction) {
      const set = this.invites.get(inviteKey) ?? new Set<InviteClientTransaction>();
      set.add(tx);
      this.invites.set(inviteKey, set);
    }
    tx.start();
    return tx;
  }

  /**
   * Sends an ACK for a 2xx outside any transaction (§17.1.1.1: "The ACK for a 2xx response ... is
   * passed directly to the transport layer for transmission"; §13.2.2.4 it carries a new branch).
   * While the INVITE client transaction is Accepted (RFC 6026), 2xx retransmissions re-send this ACK.
   */
  sendAck(ack: SipRequest, target: SipTarget): SipRequest {
    const sent = this.withOwnVia(ack, target.transport);
    this.transmit(sent, target);
    const key = ackKey(sent);
    for (const tx of key !== undefined ? (this.invites.get(key) ?? []) : []) {
      if (tx.state === 'Accepted') tx.ackFor2xx = { toTag: getTag(sent.headers.get('To')), send: () => void this.transmit(sent, target) };
    }
    return sent;
  }

  /** Feeds a message received from the transport. */
  receive(message: SipMessage, source: SipTarget): void {
    if (message.kind === 'response') return this.receiveResponse(message, source);
    return this.receiveRequest(message, source);
  }

  liveTransactions(): number {
    return this.clients.size + this.servers.size;
  }

  describeLiveTransactions(): string[] {
    return [...this.clients.values(), ...this.servers.values()].map((tx) => tx.describe());
  }

  /** Clears every timer and forgets every transaction (no callbacks). */
  dispose(): void {
    for (const tx of this.clients.values()) tx.dispose();
    for (const tx of this.servers.values()) tx.dispose();
    this.clients.clear();
    this.invites.clear();
    this.servers.clear();
  }

  // -------------------------------------------------------------------------------------------

  private receiveResponse(response: SipResponse, source: SipTarget): void {
    // §17.1.3: "1. If the response has the same value of the branch parameter in the top Via header
    // field as the branch parameter in the top Via header field of the request that created the
    // transaction. 2. If the method parameter in the CSeq header field matches the method of the
    // request that created the transaction. The method is needed since a CANCEL request constitutes
    // a different transaction, but shares the same value of the branch parameter."
    const via = parseVia(response.headers.get('Via') ?? '');
    const cseq = parseCSeq(response.headers.get('CSeq') ?? '');
    const branch = via.ok ? via.value.params.branch : undefined;
    const tx = branch && cseq.ok ? this.clients.get(clientKey(branch, cseq.value.method)) : undefined;
    if (tx) return tx.receiveResponse(response);
    this.opts.log?.debug(`stray response ${response.status} (branch ${branch ?? 'none'})`);
    this.opts.delegate.onStrayResponse?.(response, source);
  }

  private receiveRequest(request: SipRequest, source: SipTarget): void {
    const topVia = request.headers.get('Via');
    const parsed = parseVia(topVia ?? '');
    if (!parsed.ok) {
      // Modelling choice: without a usable Via there is nowhere to send a response; drop and log.
      this.opts.log?.warn(`request ${request.method} dropped: ${parsed.error.message}`);
      return;
    }
    const via = parsed.value;
    const sentBy = `${via.host}:${via.port ?? ''}`;
    this.stampReceived(request, via, source);

    const key = serverKey(request, via, sentBy);
    const existing = this.servers.get(key);
    if (existing) return existing.receiveRequest(request);

    if (request.method === 'ACK') {
      // §17.2.3: the ACK for a 2xx carries a new branch and matches no server transaction; it goes
      // to the TU (§13.3.1.4).
      return this.opts.delegate.onAck(request, source);
    }

    const target = responseTarget(via, source);
    const tx = this.createServerTransaction(key, request, target, source);

    if (request.method === 'CANCEL') {
      // §9.2: "The CANCEL method requests that the TU at the server side cancel a pending transaction.
      // The TU determines the transaction to be cancelled by taking the CANCEL request, and then
      // assuming that the request method is anything but CANCEL or ACK and applying the transaction
      // matching procedures of Section 17.2.3."
      const invite = this.servers.get(serverKey({ ...request, method: 'INVITE' }, via, sentBy));
      if (!invite) {
        // "If the UAS did not find a matching transaction for the CANCEL according to the procedure
        // above, it SHOULD respond to the CANCEL with a 481 (Call Leg/Transaction Does Not Exist)."
        tx.respond(createResponse(request, 481));
        return;
      }
      // "Regardless of the method of the original request, as long as the CANCEL matched an existing
      // transaction, the UAS answers the CANCEL request itself with a 200 (OK) response."
      tx.respond(createResponse(request, 200));
      // "If the UAS has not issued a final response for the original request, its behavior depends
      // on the method of the original request. If the original request was an INVITE, the UAS SHOULD
      // immediately respond to the INVITE with a 487 (Request Terminated)." (the TU does, in onCancel)
      if (invite.state === 'Proceeding') this.opts.delegate.onCancel(invite, request);
      return;
    }
    this.opts.delegate.onRequest(request, tx, source);
  }

  private createServerTransaction(key: string, request: SipRequest, target: SipTarget, source: SipTarget): AnyServerTransaction {
    const reliable = target.transport !== 'UDP';
    const ctx = this.context(target, reliable, () => {
      if (this.servers.get(key) === tx) this.servers.delete(key);
    });
    const id = key.split('|')[0] as string;
    let tx: AnyServerTransaction;
    if (request.method === 'INVITE') {
      const ist: InviteServerTransaction = new InviteServerTransaction(id, request, ctx, {
        onAck: (ack) => this.opts.delegate.onAck(ack, source),
        onTimeout: () => this.opts.delegate.onServerTransactionTimeout?.(ist),
      });
      tx = ist;
      this.servers.set(key, tx);
      ist.start();
    } else {
      tx = new NonInviteServerTransaction(id, request, ctx);
      this.servers.set(key, tx);
    }
    return tx;
  }

  /**
   * §18.2.1: "When the server transport receives a request over any transport, it MUST examine the
   * value of the "sent-by" parameter in the top Via header field value. If the host portion of the
   * "sent-by" parameter contains a domain name, or if it contains an IP address that differs from the
   * packet source address, the server MUST add a "received" parameter to that Via header field value.
   * This parameter MUST contain the source address from which the packet was received."
   * RFC 3581 §4: "When a server compliant to this specification ... receives a request that contains
   * an rport parameter with no value, it MUST set the value of the parameter to the source port of
   * the request."
   */
  private stampReceived(request: SipRequest, via: Via, source: SipTarget): void {
    let changed = false;
    if (via.host !== source.address && via.params.received === undefined) {
      via.params.received = source.address;
      changed = true;
    }
    if (via.params.rport === null) {
      via.params.rport = String(source.port);
      changed = true;
    }
    if (changed) request.headers.replaceFirstValue('Via', formatVia(via));
  }

  private withOwnVia(request: SipRequest, transport: SipTransport): SipRequest {
    const copy = cloneSipMessage(request);
    const top = copy.headers.get('Via');
    const parsed = top !== undefined ? parseVia(top) : undefined;
    if (!parsed?.ok || !parsed.value.params.branch) copy.headers.prepend('Via', this.createVia(transport));
    return copy;
  }

  private context(target: SipTarget, reliable: boolean, onTerminated: () => void): TransactionContext {
    const transport: TransactionTransport = { reliable, send: (m) => this.transmit(m, target) };
    const ctx: TransactionContext = { clock: this.opts.clock, transport, timers: transactionTimers(reliable, this.opts.timers), onTerminated };
    if (this.opts.log) ctx.log = this.opts.log;
    return ctx;
  }

  private transmit(message: SipMessage, target: SipTarget): boolean {
    try {
      this.opts.send(message, target);
      return true;
    } catch (error) {
      this.opts.log?.warn(`transport error sending to ${target.transport} ${target.address}:${target.port}`, {
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  }
}

function clientKey(branch: string, method: string): string {
  return `${branch}|${method.toUpperCase()}`;
}

/**
 * §17.2.3: "1. the branch parameter in the request is equal to the one in the top Via header field of
 * the request that created the transaction, and 2. the sent-by value in the top Via of the request is
 * equal to the one in the request that created the transaction, and 3. the method of the request
 * matches the one that created the transaction, except for ACK, where the method of the request that
 * created the transaction is INVITE."
 * Modelling choice for RFC 2543 peers (branch without the magic cookie): match on Call-ID, From tag,
 * CSeq number and top Via sent-by (the Request-URI and To tag checks of §17.2.3 are left out).
 */
function serverKey(request: SipRequest, via: Via, sentBy: string): string {
  const method = request.method === 'ACK' ? 'INVITE' : request.method.toUpperCase();
  const branch = via.params.branch;
  if (branch && branch.startsWith(MAGIC_COOKIE)) return `${branch}|${sentBy}|${method}`;
  const cseq = parseCSeq(request.headers.get('CSeq') ?? '');
  const seq = cseq.ok ? cseq.value.seq : -1;
  return `2543:${request.headers.get('Call-ID') ?? ''}:${getTag(request.headers.get('From')) ?? ''}:${seq}|${sentBy}|${method}`;
}

/**
 * §18.2.2: "If the "sent-protocol" is a reliable transport protocol such as TCP or SCTP, or TLS over
 * those, the response MUST be sent using the existing connection to the source of the original
 * request that created the transaction, if that connection is still open." ... "Otherwise, if the
 * Via header field value contains a "received" parameter, the response MUST be sent to the address
 * in the "received" parameter, using the port indicated in the "sent-by" value, or using port 5060
 * if none is present." RFC 3581 §4: with rport, "the response MUST be sent to the IP address listed in
 * the "received" parameter, and the port in the "rport" parameter".
 * (maddr is not supported: modelling choice, the lab has no multicast.)
 */
function responseTarget(via: Via, source: SipTarget): SipTarget {
  if (source.transport !== 'UDP' && source.connectionId !== undefined) {
    return { address: source.address, port: source.port, transport: source.transport, connectionId: source.connectionId };
  }
  const rport = via.params.rport;
  const port = rport !== null && rport !== undefined && /^\d+$/.test(rport) ? Number(rport) : (via.port ?? 5060);
  const address = via.params.received ?? via.host;
  return { address, port, transport: source.transport };
}

/** `<Call-ID> <CSeq number>`: what an ACK for a 2xx shares with its INVITE (§17.1.1.3, §13.2.2.4). */
function ackKey(m: SipRequest): string | undefined {
  const cseq = parseCSeq(m.headers.get('CSeq') ?? '');
  const callId = m.headers.get('Call-ID');
  return cseq.ok && callId !== undefined ? `${callId} ${cseq.value.seq}` : undefined;
}
