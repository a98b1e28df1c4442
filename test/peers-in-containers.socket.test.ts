import { LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import { dockerPing } from './support/docker';
import { scenariosDir } from './support/matrix';

// The outside peers of the socket tests, run as containers through testcontainers where a Docker engine answers:
// sipsak and SIPp from Debian's packages (the versions .ci/run installs), on the host's network so that they reach
// the lab's loopback addresses (127.0.16.x). Where no engine answers, the suite is skipped with a message; the
// same peers run from the host's packages in serve.socket.test.ts, baresip.socket.test.ts and the others.
const IMAGE = process.env.UC_LAB_PEER_IMAGE ?? 'debian:bookworm-slim';
// Asked once per run by Jest's global setup (test/support/build-cli.ts).
const docker = process.env.DOCKER_AVAILABLE === '1';
if (!docker) console.warn('container peer tests skipped: no Docker engine answers (DOCKER_HOST or /var/run/docker.sock); the same peers run from the host packages in the other socket tests');

(docker ? describe : describe.skip)('outside peers as containers', () => {
  let lab: LabRuntime | undefined;
  beforeAll(async () => {
    lab = await LabRuntime.start(loadLabById('seed-lab', scenariosDir), { runtime: 'sockets', seed: 7, addressPrefix: '127.0.16' });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  /** Runs `script` to its end in a container of IMAGE on the host's network, and resolves with what it printed. */
  async function inContainer(script: string): Promise<string> {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer(IMAGE)
      .withNetworkMode('host')
      .withCommand(['sh', '-c', script])
      .withWaitStrategy(Wait.forOneShotStartup())
      .withStartupTimeout(240_000)
      .start();
    const logs = await container.logs();
    const output = await new Promise<string>((resolve) => {
      let text = '';
      logs.on('data', (d: Buffer | string) => (text += d.toString()));
      logs.on('end', () => resolve(text));
    });
    await container.stop();
    return output;
  }

  it('sipsak from a container gets 200 OK from CUP and from the OCS pool', async () => {
    if (!lab) throw new Error('the lab did not start');
    const targets = ['cup', 'ocs-pool1'].map((h) => `sip:${lab?.network.host(h).address}`);
    const script = `apt-get update -qq >/dev/null && apt-get install -y -qq sipsak >/dev/null && for t in ${targets.join(' ')}; do sipsak -v -s $t | grep -m1 'SIP/2.0 200' || exit 1; done`;
    const output = await inContainer(script);
    expect(output.match(/SIP\/2\.0 200/g)?.length).toBe(2);
  }, 300_000);
});

describe('the Docker probe', () => {
  it('says no, within its deadline, where no engine listens', async () => {
    const saved = process.env.DOCKER_HOST;
    try {
      process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
      expect(await dockerPing()).toBe(false);
      process.env.DOCKER_HOST = 'tcp://127.0.16.250:2375';
      expect(await dockerPing()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
