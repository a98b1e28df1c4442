import { parsePhoneService, serializePhoneService, type PhoneServiceObject } from './phone-services';

describe('Cisco IP Phone XML objects', () => {
  const samples: PhoneServiceObject[] = [
    { type: 'CiscoIPPhoneText', title: 'Extension Mobility', text: 'Login is unavailable(5) & <more>' },
    { type: 'CiscoIPPhoneMenu', title: 'Services', items: [{ name: 'Extension Mobility', url: 'http://cucm.uc.lab:8080/emapp/EMAppServlet?device=SEP00000000A975&x=1' }] },
    { type: 'CiscoIPPhoneInput', title: 'Login', url: 'http://cucm.uc.lab:8080/emapp/EMAppServlet?device=SEP00000000A975', inputs: [{ displayName: 'User ID', queryStringParam: 'userid' }, { displayName: 'PIN', queryStringParam: 'pin' }] },
  ];
  it.each(samples)('round-trips a %s (text escaped)', (o) => {
    const xml = serializePhoneService(o);
    expect(parsePhoneService(xml)).toEqual({ ok: true, value: o });
  });
  it('refuses another document', () => {
    expect(parsePhoneService('<html/>').ok).toBe(false);
  });
});
