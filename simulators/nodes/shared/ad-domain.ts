/** The AD domain's NetBIOS name, the NTLM logon domain: the first label of the DNS domain in capitals (uc.lab → UC). */
export function netbiosDomain(dnsDomain: string): string {
  return (dnsDomain.split('.')[0] ?? dnsDomain).toUpperCase();
}
