/**
 * Exchange store names (docs/protocols/exchange-webdav.md §5 and cup-presence.md §7): a mailbox is addressed in OWA URLs by the
 * left-hand side of its primary SMTP address (Microsoft KB 324306), written with Exchange's `_xHHHH_` escapes for
 * the characters a store name cannot hold. Ximian Connector's `e2k_uri_append_encoded` names `/ ? \ ~`; the lab
 * also escapes `+` (which IIS 7 refuses in URLs and Exchange 2003 reads as a space) and the characters Windows
 * reserves in file names (`* | " < > :`), since the store is also a file-system namespace (a modelling choice).
 */
const STORE_ESCAPES: Readonly<Record<string, string>> = {
  '/': '_xF8FF_',
  '?': '_x003F_',
  '\\': '_xF8FE_',
  '~': '_x007E_',
  '+': '_x002B_',
  '*': '_x002A_',
  '|': '_x007C_',
  '"': '_x0022_',
  '<': '_x003C_',
  '>': '_x003E_',
  ':': '_x003A_',
};

/** The left-hand side of an address (`pat~lee@uc.lab` → `pat~lee`); the whole text when it has no `@`. */
export function localPartOf(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0 ? email : email.slice(0, at);
}

/** A mailbox's store name: the address's left-hand side with Exchange's escapes (`pat~lee` → `pat_x007E_lee`). */
export function exchangeStoreName(email: string): string {
  return [...localPartOf(email)].map((c) => STORE_ESCAPES[c] ?? c).join('');
}
