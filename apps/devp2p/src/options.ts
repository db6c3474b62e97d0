import { InvalidArgumentError } from 'commander'

/** A port flag: an integer 0…65535 (0: pick a free one, where that means something). */
export function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port > 65535) {
    throw new InvalidArgumentError(`not a port (0…65535): ${value}`)
  }
  return port
}
