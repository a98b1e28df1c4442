/**
 * One error catalogue for the whole lab: every error has a stable `code` (listed in docs/errors.md)
 * and, where it helps, a chained `cause`. Malformed bytes from a peer are not errors of this kind:
 * codecs return `{ ok: false, error }` and the node answers as its protocol says.
 */
export type LabErrorCode =
  | 'UC_CODEC'
  | 'UC_SCENARIO'
  | 'UC_LAB'
  | 'UC_WAIT_TIMEOUT'
  | 'UC_EXPECTATION'
  | 'UC_INVARIANT'
  | 'UC_NETWORK'
  | 'UC_CONFIG'
  | 'UC_NODE'
  | 'UC_NOT_MODELLED';

export class LabError extends Error {
  readonly code: LabErrorCode;
  constructor(code: LabErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A codec could not decode bytes: which protocol, and where (byte offset or line). */
export class CodecError extends LabError {
  constructor(
    readonly protocol: string,
    message: string,
    readonly where: { offset?: number; line?: number } = {},
  ) {
    super('UC_CODEC', `${protocol}: ${message}${where.line !== undefined ? ` (line ${where.line})` : ''}${where.offset !== undefined ? ` (byte ${where.offset})` : ''}`);
  }
}

/** The network refused an operation: nothing listens, the link is partitioned, the port is taken. */
export class NetworkError extends LabError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UC_NETWORK', message, options);
  }
}

/** A configuration API call named something that does not exist or broke a product rule. */
export class ConfigError extends LabError {
  constructor(message: string) {
    super('UC_CONFIG', message);
  }
}

export type Result<T, E = CodecError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });
