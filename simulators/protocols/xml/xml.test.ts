import { child, childText, children, el, parseXml, serializeXml, type XmlElement } from './xml';

function parsed(text: string): XmlElement {
  const result = parseXml(text);
  if (!result.ok) throw new Error(`expected parse to succeed: ${result.error.message}`);
  return result.value;
}

function parseError(text: string): { message: string; line: number | undefined } {
  const result = parseXml(text);
  if (result.ok) throw new Error('expected parse to fail');
  expect(result.error.code).toBe('UC_CODEC');
  expect(result.error.protocol).toBe('xml');
  return { message: result.error.message, line: result.error.where.line };
}

describe('parseXml', () => {
  it('resolves namespaces from xmlns declarations in scope', () => {
    const root = parsed(
      '<?xml version="1.0"?><RequestSystemStatus xmlns="urn:csta"><extensions><privateData><private>' +
        '<lcs:line xmlns:lcs="urn:lcs">tel:+14085551001</lcs:line></private></privateData></extensions></RequestSystemStatus>',
    );
    expect(root.name).toBe('RequestSystemStatus');
    expect(root.namespace).toBe('urn:csta');
    const line = child(child(child(child(root, 'extensions'), 'privateData'), 'private'), 'line');
    expect(line).toMatchObject({ name: 'line', prefix: 'lcs', namespace: 'urn:lcs', text: 'tel:+14085551001' });
    expect(child(root, 'extensions')?.namespace).toBe('urn:csta');
    expect(childText(root, 'extensions', 'privateData', 'private', 'line')).toBe('tel:+14085551001');
  });

  it('decodes the five predefined entities, character references and CDATA, and trims text', () => {
    const root = parsed('<a t="x &amp; &quot;y&quot; &#65;&#x42;"> &lt;b&gt; &apos;c&apos; &#169; <![CDATA[<&amp;>]]> </a>');
    expect(root.attributes['t']).toBe('x & "y" AB');
    expect(root.text).toBe("<b> 'c' \u00a9 <&amp;>");
  });

  it('lists repeated children in document order', () => {
    const root = parsed('<l><i>1</i><j/><i>2</i></l>');
    expect(children(root, 'i').map((i) => i.text)).toEqual(['1', '2']);
    expect(child(root, 'j')).toMatchObject({ name: 'j', text: '', children: [] });
    expect(childText(root, 'missing', 'deeper')).toBeUndefined();
  });

  it('rejects a billion-laughs document without expanding it', () => {
    const lol =
      '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n' +
      Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('\n') +
      '\n]>\n<lolz>&lol9;</lolz>';
    const error = parseError(lol);
    expect(error.message).toMatch(/DOCTYPE/);
    expect(error.line).toBe(2);
  });

  it('rejects an external entity (XXE) document', () => {
    const error = parseError('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>');
    expect(error.message).toMatch(/DOCTYPE/);
  });

  it('rejects a bare ENTITY declaration and any undeclared entity reference', () => {
    expect(parseError('<r><!ENTITY x "y"></r>').message).toMatch(/ENTITY/);
    const error = parseError('<r>\n<s>&nbsp;</s></r>');
    expect(error.message).toMatch(/&nbsp;/);
    expect(error.line).toBe(2);
    expect(parseError('<r a="&foo;"/>').message).toMatch(/&foo;/);
    expect(parseError('<r>&#0;</r>').message).toMatch(/&#0;/);
    expect(parseError('<r>&amp</r>').message).toMatch(/xml: /);
  });

  it.each([
    ['mismatched tags', '<a>\n<b></a>', 2],
    ['unclosed root', '<a><b></b>', undefined],
    ['two roots', '<a/><b/>', undefined],
    ['empty document', '', undefined],
    ['text only', 'hello', undefined],
    ['bad attribute', '<a x=1/>', 1],
  ] as const)('reports malformed XML (%s) as a CodecError', (_name, text, line) => {
    const error = parseError(text);
    expect(error.message).toMatch(/xml: /);
    if (line !== undefined) expect(error.line).toBe(line);
  });

  it('rejects an undeclared prefix and oversized documents', () => {
    expect(parseError('<p:a/>').message).toMatch(/undeclared namespace prefix/);
    expect(parseXml('<a>' + 'x'.repeat(100) + '</a>', { maxLength: 50 }).ok).toBe(false);
    expect(parseError('<a>'.repeat(5000) + '</a>'.repeat(5000)).message).toMatch(/nested/);
    expect(parseError('<a><__proto__/></a>').message).toMatch(/__proto__/);
  });
});

describe('serializeXml', () => {
  it('escapes text and attributes and round-trips them', () => {
    const tree = el('a', { q: 'say "hi" & <bye>\n' }, [el('b', {}, '1 < 2 && 3 > 2 ]]>')]);
    const text = serializeXml(tree);
    expect(text).toBe('<a q="say &quot;hi&quot; &amp; &lt;bye&gt;&#10;"><b>1 &lt; 2 &amp;&amp; 3 &gt; 2 ]]&gt;</b></a>');
    const back = parsed(text);
    expect(back.attributes['q']).toBe('say "hi" & <bye>\n');
    expect(childText(back, 'b')).toBe('1 < 2 && 3 > 2 ]]>');
  });

  it('adds the namespace declarations an element needs, once', () => {
    const line: XmlElement = { ...el('lcs:line', {}, 'tel:1001'), namespace: 'urn:lcs' };
    const root: XmlElement = { ...el('Root', {}, [el('x', {}, [line]), { ...el('y'), namespace: 'urn:root' }]), namespace: 'urn:root' };
    expect(serializeXml(root, { declaration: true })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Root xmlns="urn:root"><x><lcs:line xmlns:lcs="urn:lcs">tel:1001</lcs:line></x><y/></Root>',
    );
  });

  it('round-trips a parsed document', () => {
    const source = '<a:r xmlns:a="urn:a" k="v"><a:s>t</a:s><u xmlns="urn:u"><w/></u></a:r>';
    const first = parsed(source);
    expect(serializeXml(first)).toBe(source);
    expect(parsed(serializeXml(first))).toEqual(first);
  });
});
