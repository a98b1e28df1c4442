import { availabilityOf, parseCategoryPublish, serializeStatePublication, stateOfAvailability, PRESENCE_STATES } from './ms-category-publish';

describe('MS-PRES state publication', () => {
  it.each(PRESENCE_STATES.map((s) => [s]))('%s round-trips through its availability number', (state) => {
    const xml = serializeStatePublication({ uri: 'sip:alice@uc.lab', availability: availabilityOf(state), version: 3 });
    const parsed = parseCategoryPublish(xml);
    expect(parsed.ok && parsed.value).toEqual([{ uri: 'sip:alice@uc.lab', availability: availabilityOf(state), version: 3 }]);
    expect(stateOfAvailability(availabilityOf(state))).toBe(state);
  });

  it('reads a publication written the way Communicator writes it', () => {
    const xml =
      '<publish xmlns="http://schemas.microsoft.com/2006/09/sip/rich-presence"><publications uri="sip:bob@uc.lab">' +
      '<publication categoryName="note" instance="0" container="400" version="1" expireType="static"><note xmlns="http://schemas.microsoft.com/2006/09/sip/note"><body type="personal">hi</body></note></publication>' +
      '<publication categoryName="state" instance="0" container="2" version="1" expireType="static"><state xmlns="http://schemas.microsoft.com/2006/09/sip/state" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" manual="true" xsi:type="userState"><availability>9000</availability></state></publication>' +
      '</publications></publish>';
    const parsed = parseCategoryPublish(xml);
    expect(parsed.ok && parsed.value).toEqual([{ uri: 'sip:bob@uc.lab', availability: 9000, version: 1 }]);
  });

  it.each([
    ['not a publish document', '<presence/>', /expected <publish>/],
    ['no publications uri', '<publish><publications/></publish>', /publications uri/],
    ['availability missing', '<publish><publications uri="sip:a@b"><publication categoryName="state" container="2"><state/></publication></publications></publish>', /availability/],
    ['no container', '<publish><publications uri="sip:a@b"><publication categoryName="state"><state/></publication></publications></publish>', /numeric container/],
    ['not XML', '<publish', /.+/],
  ])('rejects %s', (_what, xml, message) => {
    const parsed = parseCategoryPublish(xml);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toMatch(message);
  });
});
