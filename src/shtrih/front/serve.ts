import { createServer, type Server, type Socket } from 'node:net';
import type { SerialPort } from 'serialport';
import { closeSerialPort, openSerialPort } from '../../io/serial/port.ts';
import type { DeviceFront } from './device-front.ts';

/** The device front on a serial port (a real one, or one end of a pty pair). */
export async function serveSerial(
  front: DeviceFront,
  path: string,
  baudRate: number,
): Promise<{ port: SerialPort; close(): Promise<void> }> {
  const port = await openSerialPort(path, baudRate);
  const detach = front.attach(port, { label: path });
  return {
    port,
    async close() {
      detach();
      await closeSerialPort(port);
    },
  };
}

/**
 * The device front on TCP, as Shtrih-M devices serve it over Ethernet/RNDIS (port 7778 by
 * custom): same frames, plus the 0xFF real devices send after the host's ACK, which TCP clients
 * such as kulyasovr/shtrih-drv wait for.
 */
export async function serveTcp(
  front: DeviceFront,
  port: number,
  host = '127.0.0.1',
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    // Frames are a few bytes each way; with Nagle's algorithm every answer would wait for the
    // host's delayed ACK (~40 ms per command on Linux).
    socket.setNoDelay(true);
    sockets.add(socket);
    const detach = front.attach(socket, {
      trailingFF: true,
      label: `tcp ${socket.remoteAddress}:${socket.remotePort}`,
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      detach();
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
