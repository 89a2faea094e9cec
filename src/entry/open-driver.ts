import type { Clock } from '../fiscal/clock.ts';
import type { Config } from './config.ts';
import { type OpenDriverOptions, type OpenedDriver, openEmulator } from './emulated-device.ts';

/**
 * The device the adapter talks to, chosen by KKT_DRIVER_TYPE:
 * - `emulator`: the in-process EmulatedKkt;
 * - `shtrih`: the Shtrih-M driver on KKT_PORT at KKT_BAUDRATE (`tcp://host:port` for a ККТ on
 *   the network); with KKT_SERIAL_PAIR the port is one end of a socat pty pair whose other end
 *   is served by an in-process emulated ККТ, returned as `emulator` so the control API works.
 */
export async function openDriver(config: Config, clock: Clock, options: OpenDriverOptions = {}): Promise<OpenedDriver> {
  if (config.driverType === 'emulator') {
    const kkt = openEmulator(config, clock, options);
    return { driver: kkt, emulator: kkt, close: () => kkt.close() };
  }
  // The hardware drivers (serial port library, protocol stacks) load only when asked for.
  const { openHardwareDriver } = await import('./hardware-driver.ts');
  return openHardwareDriver(config, clock, options);
}
