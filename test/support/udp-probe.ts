import * as dgram from 'node:dgram';

/** Sends one datagram from 127.0.0.1 and resolves with the first answer (real sockets, real time). */
export function sendUdp(address: string, port: number, payload: string, withinMs = 3000): Promise<string> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no answer from ${address}:${port} within ${withinMs} ms`));
    }, withinMs);
    socket.once('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg.toString('utf8'));
    });
    socket.bind(0, '127.0.0.1', () => socket.send(payload, port, address));
  });
}
