import { existsSync } from 'node:fs';
import { request } from 'node:http';

/**
 * Whether a Docker engine answers here: no `DOCKER_HOST` and no /var/run/docker.sock is a quick no; otherwise
 * `GET /_ping` with a one-second deadline. testcontainers itself needs longer to say the same, and its import
 * costs half a second, so the container tests ask this first and import testcontainers only when it says yes.
 */
export function dockerPing(): Promise<boolean> {
  const host = process.env.DOCKER_HOST;
  const socketPath = host?.startsWith('unix://') ? host.slice('unix://'.length) : host === undefined ? '/var/run/docker.sock' : undefined;
  if (socketPath !== undefined && !existsSync(socketPath)) return Promise.resolve(false);
  const tcp = host?.startsWith('tcp://') ? new URL(host.replace(/^tcp:/, 'http:')) : undefined;
  return new Promise((resolve) => {
    const req = request(
      { ...(tcp ? { host: tcp.hostname, port: Number(tcp.port || 2375) } : { socketPath }), path: '/_ping', method: 'GET', timeout: 1000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
