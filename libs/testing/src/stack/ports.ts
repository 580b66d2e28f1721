import net from 'node:net';
import { StackError } from './errors.js';

/** Asks the kernel for a free TCP port on the loopback interface. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the kernel assigned'));
      });
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export async function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Fails with a clear message when `port` is already taken by another program. */
export async function assertPortFree(port: number, what: string, host = '127.0.0.1'): Promise<void> {
  if (await isListening(port, host)) {
    throw new StackError(
      'PORT_IN_USE',
      `port ${port} (${what}) is already in use on ${host}`,
      `stop what listens there (\`ss -ltnp 'sport = :${port}'\` shows it), or choose another port`,
    );
  }
}

/** Resolves `0` to a free port and checks a fixed one is free. */
export async function choosePort(port: number, what: string): Promise<number> {
  if (port === 0) return await freePort();
  await assertPortFree(port, what);
  return port;
}
