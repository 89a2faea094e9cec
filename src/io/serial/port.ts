import { SerialPort } from 'serialport';

/**
 * Opening and closing a serial port (IO, unlike the rest of src/io/serial). Ports are 8N1 with
 * no handshake, as the protocol requires (S1 "Default Communication Parameters").
 */

export class SerialPortError extends Error {
  override readonly name = 'SerialPortError';
  readonly code = 'SERIAL_PORT';
  constructor(
    readonly path: string,
    /** The system's reason, e.g. "No such file or directory". */
    readonly reason: string,
  ) {
    super(`cannot open ${path}: ${reason}`);
  }
}

/** serialport says "Error: No such file or directory, cannot open /dev/x"; keep the middle. */
function reasonOf(e: Error, path: string): string {
  return e.message.replace(/^Error: /, '').replace(`, cannot open ${path}`, '');
}

export async function openSerialPort(path: string, baudRate: number): Promise<SerialPort> {
  const port = new SerialPort({
    path,
    baudRate,
    dataBits: 8,
    stopBits: 1,
    parity: 'none',
    rtscts: false,
    xon: false,
    xoff: false,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) =>
    port.open((e) => (e ? reject(new SerialPortError(path, reasonOf(e, path))) : resolve())),
  );
  return port;
}

export async function closeSerialPort(port: SerialPort): Promise<void> {
  if (!port.isOpen) return;
  await new Promise<void>((resolve) => port.close(() => resolve()));
}
