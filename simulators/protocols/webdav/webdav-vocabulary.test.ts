import fc from 'fast-check';
import {
  BUSY_STATUSES,
  INSTANCE_TYPES,
  PrefixAllocator,
  instanceTypeName,
  isBusyStatus,
  isIsoInstant,
  joinPropertyName,
  splitPropertyName,
} from './webdav-vocabulary';
import * as api from './index';

describe('WebDAV vocabularies', () => {
  it('lists the busy statuses weakest first and the CDO instance types by wire value', () => {
    expect(BUSY_STATUSES).toEqual(['FREE', 'TENTATIVE', 'BUSY', 'OOF']);
    expect(isBusyStatus('OOF')).toBe(true);
    expect(isBusyStatus('Busy')).toBe(false);
    expect(INSTANCE_TYPES.indexOf('single')).toBe(0);
    expect(instanceTypeName(1)).toBe('master');
    expect(instanceTypeName(2)).toBe('instance');
    expect(instanceTypeName(3)).toBe('exception');
    expect(instanceTypeName(4)).toBeUndefined();
    expect(instanceTypeName(1.5)).toBeUndefined();
  });

  it('splits property names the way Exchange names them', () => {
    expect(splitPropertyName('urn:schemas:calendar:dtstart')).toEqual({ namespace: 'urn:schemas:calendar:', name: 'dtstart' });
    expect(splitPropertyName('DAV:contentclass')).toEqual({ namespace: 'DAV:', name: 'contentclass' });
    expect(splitPropertyName('http://schemas.microsoft.com/mapi/proptag/x0c1f001f')).toEqual({ namespace: 'http://schemas.microsoft.com/mapi/proptag/', name: 'x0c1f001f' });
    expect(splitPropertyName('urn:schemas-microsoft-com:office:office#Keywords')).toEqual({ namespace: 'urn:schemas-microsoft-com:office:office#', name: 'Keywords' });
    expect(splitPropertyName('plain')).toEqual({ namespace: '', name: 'plain' });
    fc.assert(fc.property(fc.string(), (s) => expect(joinPropertyName(splitPropertyName(s))).toBe(s)));
  });

  it('checks ISO instants, real dates only', () => {
    expect(isIsoInstant('2009-05-01T09:00:00Z')).toBe(true);
    expect(isIsoInstant('2009-05-01T09:00:00.000Z')).toBe(true);
    expect(isIsoInstant('2009-05-01T09:00:00+02:00')).toBe(false);
    expect(isIsoInstant('2009-02-29T09:00:00Z')).toBe(false);
    expect(isIsoInstant('2008-02-29T09:00:00Z')).toBe(true);
    expect(isIsoInstant('2009-05-01 09:00:00Z')).toBe(false);
  });

  it('allocates Exchange-style prefixes: a, b, c, d, e for the well-known namespaces, then f on', () => {
    const p = new PrefixAllocator();
    expect(['DAV:', 'urn:x:', 'urn:schemas:calendar:', 'urn:y:', 'urn:x:', ''].map((n) => p.prefixOf(n))).toEqual(['a', 'f', 'd', 'g', 'f', undefined]);
    expect(p.declarations()).toEqual({ 'xmlns:a': 'DAV:', 'xmlns:f': 'urn:x:', 'xmlns:d': 'urn:schemas:calendar:', 'xmlns:g': 'urn:y:' });
  });

  it('re-exports the public API from index.ts', () => {
    for (const name of [
      'serializeCalendarSearch', 'parseCalendarSearch', 'serializeMultiStatus', 'parseMultiStatus', 'serializePropfind', 'parsePropfind',
      'freeBusyDigits', 'serializeFreeBusy', 'parseFreeBusy', 'parseFreeBusyQuery', 'encodeMailboxSegment', 'parseOwaAuthForm', 'serializeOwaAuthForm',
    ]) {
      expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
    }
    expect(api.BUSY_STATUSES).toBe(BUSY_STATUSES);
    expect(api.CALENDAR_UNSAFE_EMAIL_CHARACTERS).toHaveLength(8);
  });
});
