import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { httpPortsFor, LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import { scenariosDir } from './support/matrix';

// Exchange's Outlook Web Access on real sockets answers curl (an outside WebDAV client) at the address the lab
// prints: SEARCH and PROPFIND on a seeded mailbox's Calendar folder get 207 Multi-Status, and a wrong password gets
// the release's own 401 (IIS 6 under Exchange 2003, IIS 7 under Exchange 2007). Each release runs on its own
// loopback block (127.0.7 and 127.0.8), so this file never collides with another lab on the machine.
const execFileAsync = promisify(execFile);
const curl = spawnSync('curl', ['--version'], { encoding: 'utf8' }).status === 0;

const SEARCH_BODY =
  '<?xml version="1.0"?><a:searchrequest xmlns:a="DAV:"><a:sql>SELECT "urn:schemas:calendar:dtstart", "urn:schemas:calendar:dtend", ' +
  '"urn:schemas:calendar:busystatus", "urn:schemas:httpmail:subject" FROM Scope(\'SHALLOW TRAVERSAL OF ""\') ' +
  'WHERE "DAV:contentclass" = \'urn:content-classes:appointment\'</a:sql></a:searchrequest>';

describe.each([
  ['2003 SP2', '127.0.7', 'You are not authorized to view this page'],
  ['2007 SP1', '127.0.8', '401 - Unauthorized: Access is denied due to invalid credentials.'],
] as const)('Exchange %s on real sockets', (release, prefix, unauthorized) => {
  let lab: LabRuntime;
  beforeAll(async () => {
    const seed = loadLabById('seed-lab', scenariosDir);
    lab = await LabRuntime.start({ ...seed, versions: { ...seed.versions, exchange: release } }, { runtime: 'sockets', seed: 7, addressPrefix: prefix });
  });
  afterAll(async () => {
    await lab.stop();
  });

  const curlDav = async (method: string, user: string, body: string, extra: string[] = []): Promise<string> => {
    const address = lab.network.host('exchange').address;
    const { stdout } = await execFileAsync(
      'curl',
      ['-s', '-i', '--max-time', '10', '-X', method, '-u', user, '-H', 'Content-Type: text/xml', ...extra, '--data-binary', body, `http://${address}:${httpPortsFor('sockets').http}/exchange/alice/Calendar/`],
      { timeout: 15_000 },
    );
    return stdout;
  };

  (curl ? it : it.skip)('curl -X SEARCH on a seeded mailbox gets 207 Multi-Status with its appointments', async () => {
    const out = await curlDav('SEARCH', 'alice:Alice-Mail-1', SEARCH_BODY);
    expect(out.split('\r\n')[0]).toBe('HTTP/1.1 207 Multi-Status');
    expect(out).toMatch(/<a:multistatus xmlns:a="DAV:"/);
    // The seeded population: six appointments, each with its busy status.
    expect(out.match(/<[a-z]+:busystatus>(FREE|TENTATIVE|BUSY|OOF)<\/[a-z]+:busystatus>/g)?.length).toBe(6);
  });

  (curl ? it : it.skip)('curl -X PROPFIND (Depth 1) lists the Calendar folder and its items', async () => {
    const body = '<?xml version="1.0"?><a:propfind xmlns:a="DAV:" xmlns:c="urn:schemas:calendar:"><a:prop><a:displayname/><c:busystatus/></a:prop></a:propfind>';
    const out = await curlDav('PROPFIND', 'alice:Alice-Mail-1', body, ['-H', 'Depth: 1']);
    expect(out.split('\r\n')[0]).toBe('HTTP/1.1 207 Multi-Status');
    expect(out).toContain('>Calendar</');
    expect(out.match(/<a:response>/g)?.length).toBe(7);
  });

  (curl ? it : it.skip)("a wrong password gets the release's own 401", async () => {
    const out = await curlDav('SEARCH', 'alice:wrong', SEARCH_BODY);
    expect(out.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    expect(out).toMatch(/WWW-Authenticate: Basic realm="mail\.uc\.lab"/);
    expect(out).toContain(unauthorized);
  });
});
