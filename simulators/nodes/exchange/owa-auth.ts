import type { ExchangeRelease } from './exchange-releases';

/** A Windows account that may sign in to OWA: a mailbox owner, or a service account that reads every mailbox. */
export interface OwaAccount {
  /** The account name as typed: `cupsvc`, `UC\cupsvc` or `cupsvc@uc.lab` all name account `cupsvc`. */
  readonly user: string;
  readonly password: string;
  /** The mailbox the account owns (undefined: a service account). */
  readonly mailboxUser?: string;
  /** "Receive As" on every mailbox store (the account CUP's Presence Gateway uses). */
  readonly readsAllMailboxes: boolean;
}

/** The part of an account name that names the account: `UC\cupsvc` and `cupsvc@uc.lab` are both `cupsvc`. */
export function accountName(typed: string): string {
  const afterDomain = typed.includes('\\') ? typed.slice(typed.lastIndexOf('\\') + 1) : typed;
  const at = afterDomain.indexOf('@');
  return (at >= 0 ? afterDomain.slice(0, at) : afterDomain).toLowerCase();
}

/**
 * What each release answers where it differs (docs/protocols/cup-presence.md §7): the forms-based sign-in
 * URLs, and IIS's own 401 page (IIS 6 under Exchange 2003, IIS 7 under Exchange 2007 on Windows Server 2008).
 */
export interface ReleaseBehaviour {
  readonly loginPost: string;
  readonly logonPage: string;
  /** An older release's sign-in URL that is still there but signs nobody in. */
  readonly staleLoginPost?: string;
  readonly unauthorizedBody: string;
  readonly wwwAuthenticate: readonly string[];
  /** IIS 7 request filtering refuses a `+` in a URL (double escaping, 404.11). */
  readonly refusesPlusInUrl: boolean;
  /** Exchange 2003's OWA decodes `+` in a store URL as a space, as form data is decoded (modelled). */
  readonly plusIsSpace: boolean;
  /** Forms-based authentication only over HTTPS: plain HTTP gets 403.4 "SSL required". */
  readonly formsNeedTls: boolean;
}

export function releaseBehaviour(release: ExchangeRelease, realm: string): ReleaseBehaviour {
  if (release === '2003 SP2') {
    return {
      loginPost: '/exchweb/bin/auth/owaauth.dll',
      logonPage: '/exchweb/bin/auth/owalogon.asp',
      unauthorizedBody: '<html><head><title>You are not authorized to view this page</title></head><body><h1>You are not authorized to view this page</h1><p>HTTP Error 401.1 - Unauthorized: Access is denied due to invalid credentials.<br>Internet Information Services (IIS)</p></body></html>',
      wwwAuthenticate: ['Negotiate', 'NTLM', `Basic realm="${realm}"`],
      refusesPlusInUrl: false,
      plusIsSpace: true,
      formsNeedTls: true,
    };
  }
  return {
    loginPost: '/owa/auth/owaauth.dll',
    logonPage: '/owa/auth/logon.aspx',
    staleLoginPost: '/exchweb/bin/auth/owaauth.dll',
    unauthorizedBody: '<html><head><title>401 - Unauthorized: Access is denied due to invalid credentials.</title></head><body><h2>401 - Unauthorized: Access is denied due to invalid credentials.</h2><h3>You do not have permission to view this directory or page using the credentials that you supplied.</h3></body></html>',
    wwwAuthenticate: ['Negotiate', 'NTLM', `Basic realm="${realm}"`],
    refusesPlusInUrl: true,
    plusIsSpace: false,
    formsNeedTls: true,
  };
}

/** Decodes `Authorization: Basic …` (RFC 7617) into user and password. */
export function basicCredentials(header: string | null): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(m[1] ?? ''), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The cookies of a `Cookie` header, by name. */
export function cookiesOf(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}
