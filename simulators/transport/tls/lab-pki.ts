import type { TcpConnection } from '../network';
import { createLabCa, issueServerCertificate, selfSignedServerCertificate } from './lab-ca';
import type { IssuedCertificate, LabCa } from './lab-ca';
import { labKeyFor } from './lab-keys';
import { secureClientConnection, secureServerConnection } from './tls-seam';
import type { RandomSource } from './tls-seam';

/** Who issued a server's certificate: the lab's certificate server, or the server itself. */
export type CertificateIssuer = 'lab-ca' | 'self-signed';

/** Name of the CA a client that does not trust the lab CA checks against. */
const STRANGER_CA = 'Untrusted CA';

/**
 * A lab's public-key infrastructure (docs/decisions/0016): one certificate authority (the "certificate server"
 * of the calendaring prerequisites), server certificates made on first use, and the TLS key log every handshake
 * writes to, one line per handshake (beside the pcap, so Wireshark decrypts it). Keys are the fixed, published lab keys (lab-keys.ts) and
 * certificates are a function of the names, so they are the same on every run; `random` seeds each TLS
 * connection's random bytes (give the lab's seeded generator for byte-identical captures; default `Math.random`,
 * read at each connection, which an in-memory lab has already swapped for its seeded one, docs/decisions/0003).
 */
export class LabPki {
  private ca: LabCa | undefined;
  /** A CA nobody trusts: what a client without the lab CA in its store checks against. */
  private stranger: LabCa | undefined;
  private readonly identities = new Map<string, IssuedCertificate>();
  /** Key log lines already written: both ends of a lab-internal handshake report the same one. */
  private readonly logged = new Set<string>();
  private readonly onKeylog = (line: string): void => {
    if (this.logged.has(line)) return;
    this.logged.add(line);
    this.keylog(line);
  };

  constructor(
    private readonly caName: string,
    private readonly keylog: (line: string) => void = () => undefined,
    private readonly random: RandomSource = () => Math.random(),
  ) {}

  /** The lab CA's certificate (what "upload the CA certificate to the trust store" uploads). */
  get caPem(): string {
    this.ca ??= createLabCa(this.caName);
    return this.ca.certPem;
  }

  private identity(fqdn: string, issuer: CertificateIssuer): IssuedCertificate {
    const key = `${issuer} ${fqdn.toLowerCase()}`;
    let id = this.identities.get(key);
    if (!id) {
      id = issuer === 'lab-ca' ? issueServerCertificate((this.ca ??= createLabCa(this.caName)), { commonName: fqdn }) : selfSignedServerCertificate({ commonName: fqdn });
      this.identities.set(key, id);
    }
    return id;
  }

  /** The server side of TLS for a host name: wraps each accepted connection. */
  server(fqdn: string, issuer: CertificateIssuer): (connection: TcpConnection) => TcpConnection {
    return (connection) => {
      const id = this.identity(fqdn, issuer);
      return secureServerConnection(connection, { key: id.keyPem, cert: id.certPem, onKeylog: this.onKeylog, random: this.random });
    };
  }

  /** The client side: trusts the lab CA when `trustsLabCa()` says so (read at each connection), else nothing the lab issues. */
  client(trustsLabCa: () => boolean): (connection: TcpConnection, servername: string) => Promise<TcpConnection> {
    return (connection, servername) => {
      const ca = trustsLabCa() ? this.caPem : (this.stranger ??= createLabCa(STRANGER_CA, { keyPem: labKeyFor(STRANGER_CA) })).certPem;
      return secureClientConnection(connection, { servername, ca: [ca], onKeylog: this.onKeylog, random: this.random });
    };
  }
}
