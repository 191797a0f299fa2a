import { deflateSync, gzipSync } from 'node:zlib';
import { createRandom } from './random.js';

/**
 * Small real binary files for generated repositories: PNG images, an ICO favicon and a gzipped
 * tar archive, each with valid headers and checksums (a decoder opens them), built from a seed.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG and gzip compute it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A valid RGB PNG of `width`×`height`: a gradient with seeded noise (`noise` 0…1; 1 makes it
 * barely compressible, for a large file).
 *
 * @example makePng({ width: 16, height: 16, seed: 1 }).subarray(1, 4).toString() // 'PNG'
 */
export function makePng(options: { width: number; height: number; seed: number; noise?: number }): Buffer {
  const { width, height } = options;
  const random = createRandom(options.seed);
  const noise = options.noise ?? 0.1;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  const tint = [random() * 255, random() * 255, random() * 255];
  for (let y = 0; y < height; y += 1) {
    const row = y * (width * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < width; x += 1) {
      for (let c = 0; c < 3; c += 1) {
        const base = ((tint[c] ?? 0) + (x * 255) / width + (y * 128) / height) % 256;
        raw[row + 1 + x * 3 + c] = noise > 0 && random() < noise ? Math.floor(random() * 256) : Math.floor(base);
      }
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: noise >= 1 ? 1 : 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** A valid .ico holding one PNG image (Windows Vista's format, which every browser reads). */
export function makeIco(png: Buffer, size: number): Buffer {
  const header = Buffer.alloc(22);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  header[6] = size >= 256 ? 0 : size;
  header[7] = size >= 256 ? 0 : size;
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(png.length, 14);
  header.writeUInt32LE(22, 18);
  return Buffer.concat([header, png]);
}

function tarHeader(name: string, size: number, mtime: number): Buffer {
  const header = Buffer.alloc(512);
  const field = (value: string, offset: number, length: number) => header.write(value, offset, length, 'ascii');
  const octal = (value: number, length: number) => `${value.toString(8).padStart(length - 1, '0')}\0`;
  field(name, 0, 100);
  field(octal(0o644, 8), 100, 8);
  field(octal(0, 8), 108, 8);
  field(octal(0, 8), 116, 8);
  field(octal(size, 12), 124, 12);
  field(octal(mtime, 12), 136, 12);
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  let sum = 0;
  for (const byte of header) sum += byte;
  field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return header;
}

/**
 * A valid gzipped ustar archive of the given files, in the order given, each with mode 644 and
 * the same mtime (default 2023-11-14), so the bytes are the same on every run.
 *
 * @example makeTarGz({ 'a.txt': 'hi\n' })[0] // 0x1f (gzip's magic)
 */
export function makeTarGz(files: Record<string, string | Buffer>, options: { mtime?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    parts.push(tarHeader(name, data.length, options.mtime ?? 1_700_000_000), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  // mtime 0 in the gzip header keeps the bytes the same on every run.
  return gzipSync(Buffer.concat(parts), { level: 9 });
}
