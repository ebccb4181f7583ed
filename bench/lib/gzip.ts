import { gzipSync } from 'node:zlib';

/** Bytes after gzip at level 9, as a CDN would serve them. */
export function gzipBytes(data: string | Uint8Array): number {
  return gzipSync(typeof data === 'string' ? Buffer.from(data) : data, { level: 9 }).length;
}
