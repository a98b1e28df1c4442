/**
 * Cisco IP Phone XML objects (Cisco Unified IP Phone Services Application Development Notes): the documents an
 * IP phone service returns over HTTP and the phone renders. The three the Extension Mobility login uses:
 * CiscoIPPhoneText (a title and text), CiscoIPPhoneMenu (items with a name and a URL) and CiscoIPPhoneInput
 * (fields the phone asks for and sends as query parameters to a URL). docs/protocols/phone-services.md §2.
 */
import { CodecError, fail, ok, type Result } from '../../kernel/errors';
import { child, childText, children, el, parseXml, serializeXml } from '../xml';

export type PhoneServiceObject =
  | { readonly type: 'CiscoIPPhoneText'; readonly title: string; readonly text: string }
  | { readonly type: 'CiscoIPPhoneMenu'; readonly title: string; readonly items: readonly { readonly name: string; readonly url: string }[] }
  | {
      readonly type: 'CiscoIPPhoneInput';
      readonly title: string;
      /** Where the phone sends the fields, as query parameters appended to this URL. */
      readonly url: string;
      readonly inputs: readonly { readonly displayName: string; readonly queryStringParam: string }[];
    };

export const PHONE_SERVICE_CONTENT_TYPE = 'text/xml';

export function serializePhoneService(o: PhoneServiceObject): string {
  const title = el('Title', {}, o.title);
  switch (o.type) {
    case 'CiscoIPPhoneText':
      return serializeXml(el('CiscoIPPhoneText', {}, [title, el('Text', {}, o.text)]));
    case 'CiscoIPPhoneMenu':
      return serializeXml(el('CiscoIPPhoneMenu', {}, [title, ...o.items.map((i) => el('MenuItem', {}, [el('Name', {}, i.name), el('URL', {}, i.url)]))]));
    case 'CiscoIPPhoneInput':
      return serializeXml(
        el('CiscoIPPhoneInput', {}, [
          title,
          el('URL', {}, o.url),
          ...o.inputs.map((i) => el('InputItem', {}, [el('DisplayName', {}, i.displayName), el('QueryStringParam', {}, i.queryStringParam), el('InputFlags', {}, 'A')])),
        ]),
      );
  }
}

export function parsePhoneService(text: string): Result<PhoneServiceObject> {
  const parsed = parseXml(text, { maxLength: 64 * 1024 });
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  const title = childText(root, 'Title') ?? '';
  switch (root.name) {
    case 'CiscoIPPhoneText':
      return ok({ type: 'CiscoIPPhoneText', title, text: childText(root, 'Text') ?? '' });
    case 'CiscoIPPhoneMenu':
      return ok({ type: 'CiscoIPPhoneMenu', title, items: children(root, 'MenuItem').map((m) => ({ name: childText(m, 'Name') ?? '', url: childText(m, 'URL') ?? '' })) });
    case 'CiscoIPPhoneInput': {
      const url = child(root, 'URL')?.text;
      if (!url) return fail(new CodecError('phone-services', 'CiscoIPPhoneInput without a URL'));
      const inputs = children(root, 'InputItem').map((i) => ({ displayName: childText(i, 'DisplayName') ?? '', queryStringParam: childText(i, 'QueryStringParam') ?? '' }));
      return ok({ type: 'CiscoIPPhoneInput', title, url, inputs });
    }
    default:
      return fail(new CodecError('phone-services', `not a Cisco IP Phone object: <${root.name}>`));
  }
}
