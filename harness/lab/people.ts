import type { EndpointName, Lab, LabPhone } from '../../simulators';

/** Who a lab phone's person is: the phone, its line-1 DN, the end user associated with it and that user's OCS URIs. */
export interface Person {
  endpoint: EndpointName;
  device: string;
  dn?: string;
  userId?: string;
  sipUri?: string;
  lineUri?: string;
  displayName?: string;
  nationalNumber?: string;
}

export function personOfPhone(lab: Lab, phone: LabPhone): Person {
  const person: Person = { endpoint: phone.endpoint, device: phone.name };
  const dn = phone.lines[0]?.dn;
  if (dn !== undefined) person.dn = dn;
  // NANP: +1 and ten digits (the lab's numbering plan); other plans have no national form here.
  if (dn !== undefined && /^\+1\d{10}$/.test(dn)) person.nationalNumber = dn.slice(2);
  const owner = lab.cucm.endUsers.find((u) => u.associatedDevices.includes(phone.name));
  if (owner) person.userId = owner.userId;
  const ocsUser = owner ? lab.ocs.users.find((u) => u.id === owner.userId) : undefined;
  if (ocsUser) {
    person.sipUri = ocsUser.sipUri;
    person.lineUri = ocsUser.rcc.lineUri;
    person.displayName = ocsUser.displayName;
  }
  return person;
}

