/**
 * Two small pieces of the OWA surface a WebDAV client meets before its first SEARCH: the mailbox segment of a
 * store URL (`/exchange/<mailbox>/Calendar/`, Microsoft KB 324306) and the forms-based authentication log-on body
 * (Ximian Connector `docs/forms-based-auth`). docs/protocols/exchange-webdav.md §13, §14.
 */
import { ok, type Result } from '../../kernel/errors';
import { webdavError } from './webdav-vocabulary';

// ---------------------------------------------------------------------------------------------------------------
// Mailbox URL segment

/**
 * Characters the CUP 7.x calendaring note says break Exchange calendar integration when they appear in a user's
 * e-mail address (scenarios/claims.yaml `calendar.email-characters`).
 */
export const CALENDAR_UNSAFE_EMAIL_CHARACTERS = ['~', '#', '%', '+', '&', '|', '*', '/'] as const;

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const encoder = new TextEncoder();

function percentEncode(text: string, keep: RegExp): string {
  let out = '';
  for (const ch of text) {
    if (keep.test(ch)) out += ch;
    else for (const byte of encoder.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * The URL path segment of a mailbox name (the left-hand side of an SMTP address): every character but the RFC
 * 3986 §2.3 unreserved ones percent-encoded as UTF-8 (§2.1, §2.5), so `/`, `#`, `%`, `+`, `&` and the rest
 * cannot end or bend the segment. A lone surrogate is encoded as U+FFFD.
 */
export function encodeMailboxSegment(mailbox: string): string {
  return percentEncode(mailbox, UNRESERVED);
}

/** Decodes a mailbox segment: `%XX` as UTF-8 bytes; a bad escape or invalid UTF-8 is a CodecError. Never throws. */
export function decodeMailboxSegment(segment: string): Result<string> {
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; ) {
    if (segment[i] === '%') {
      const hex = segment.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return webdavError(`bad percent-escape '${segment.slice(i, i + 3)}' at character ${i + 1} of the mailbox segment`);
      bytes.push(Number.parseInt(hex, 16));
      i += 3;
      continue;
    }
    const code = segment.codePointAt(i)!;
    const ch = String.fromCodePoint(code);
    for (const byte of encoder.encode(ch)) bytes.push(byte);
    i += ch.length;
  }
  try {
    return ok(new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes)));
  } catch {
    return webdavError(`mailbox segment '${segment}' does not decode to UTF-8`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Forms-based authentication

/** Where the log-on form posts: Exchange 2003 and Exchange 2007. */
export const OWA_AUTH_PATHS = { exchange2003: '/exchweb/bin/auth/owaauth.dll', exchange2007: '/owa/auth/owaauth.dll' } as const;
/** Exchange 2003's log-on page, where a GET under /exchange is redirected. */
export const OWA_LOGON_PATH_2003 = '/exchweb/bin/auth/owalogon.asp';
/** `trusted` values: a public or shared computer, a private one (the longer cookie lifetime). */
export const OWA_TRUSTED = { publicComputer: 0, privateComputer: 4 } as const;
/** `flags` bits: 1 asks for the basic (non-IE) client, 4 matches a private computer. */
export const OWA_AUTH_FLAGS = { basicClient: 1, privateComputer: 4 } as const;
/** The `SubmitCreds` value of the form's button. */
export const OWA_SUBMIT_CREDS = 'Log On';
/** Content type of the log-on POST. */
export const OWA_AUTH_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** The fields of the log-on POST the model keeps. */
export interface OwaAuthForm {
  /** The URL to return to after log-on (`https://mail.uc.lab/exchange/`). */
  readonly destination: string;
  readonly username: string;
  readonly password: string;
  readonly flags: number;
  readonly trusted: number;
}

/**
 * The urlencoded log-on body, fields in the Connector's order:
 * `destination=…&flags=…&username=…&password=…&SubmitCreds=Log+On&trusted=…`.
 */
export function serializeOwaAuthForm(form: OwaAuthForm): string {
  return new URLSearchParams([
    ['destination', form.destination],
    ['flags', String(form.flags)],
    ['username', form.username],
    ['password', form.password],
    ['SubmitCreds', OWA_SUBMIT_CREDS],
    ['trusted', String(form.trusted)],
  ]).toString();
}

/**
 * Parses a log-on body. destination, username and password are required (each once); flags and trusted are
 * decimal numbers, 0 when absent; SubmitCreds and other fields (Exchange 2007's isUtf8, forcedownlevel) are
 * ignored. Never throws.
 */
export function parseOwaAuthForm(body: string): Result<OwaAuthForm> {
  const params = new URLSearchParams(body);
  const field = (name: string, required: boolean): Result<string | undefined> => {
    const values = params.getAll(name);
    if (values.length > 1) return webdavError(`log-on form with ${values.length} '${name}' fields`);
    if (values.length === 0 && required) return webdavError(`log-on form without '${name}'`);
    return ok(values[0]);
  };
  const number = (name: string): Result<number> => {
    const value = field(name, false);
    if (!value.ok) return value;
    if (value.value === undefined) return ok(0);
    if (!/^[0-9]{1,9}$/.test(value.value)) return webdavError(`log-on form field '${name}' '${value.value}' is not a number`);
    return ok(Number(value.value));
  };
  const destination = field('destination', true);
  if (!destination.ok) return destination;
  const username = field('username', true);
  if (!username.ok) return username;
  const password = field('password', true);
  if (!password.ok) return password;
  const flags = number('flags');
  if (!flags.ok) return flags;
  const trusted = number('trusted');
  if (!trusted.ok) return trusted;
  return ok({ destination: destination.value ?? '', username: username.value ?? '', password: password.value ?? '', flags: flags.value, trusted: trusted.value });
}
