/** ID3v2 tags in front of an MP3: written (as early gpt-4o-mini-tts output had one) and read. */

const syncsafe = (n: number): Buffer =>
  Buffer.from([(n >>> 21) & 0x7f, (n >>> 14) & 0x7f, (n >>> 7) & 0x7f, n & 0x7f]);

export const readSyncsafe = (buf: Buffer, offset: number): number =>
  ((buf[offset] ?? 0) << 21) | ((buf[offset + 1] ?? 0) << 14) | ((buf[offset + 2] ?? 0) << 7) | (buf[offset + 3] ?? 0);

const id3Frame = (id: string, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from(id, 'ascii'), syncsafe(body.length), Buffer.alloc(2), body]);

/** An ID3v2.4 tag with text frames (e.g. `{TSSE: 'Lavf60.16.100'}`, as early gpt-4o-mini-tts output had). */
export const buildId3 = (frames: Record<string, string>): Buffer => {
  const body = Buffer.concat(Object.entries(frames).map(([id, value]) => id3Frame(id, Buffer.concat([Buffer.from([3]), Buffer.from(value, 'utf8')]))));
  return Buffer.concat([Buffer.from('ID3', 'ascii'), Buffer.from([4, 0, 0]), syncsafe(body.length), body]);
};

const decodeText = (encoding: number, bytes: Buffer): string => {
  if (encoding === 0) return bytes.toString('latin1');
  if (encoding === 3) return bytes.toString('utf8');
  if (encoding === 2) return Buffer.from(bytes).swap16().toString('utf16le');
  const bom = bytes.readUInt16BE(0);
  if (bom === 0xfeff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  return bytes.subarray(bom === 0xfffe ? 2 : 0).toString('utf16le');
};

/** Splits an ID3 text body at its first terminator (1 NUL byte, or 2 for UTF-16). */
const splitTerminated = (encoding: number, bytes: Buffer): [Buffer, Buffer] => {
  const wide = encoding === 1 || encoding === 2;
  for (let i = 0; i < bytes.length; i += wide ? 2 : 1) {
    if (bytes[i] === 0 && (!wide || bytes[i + 1] === 0)) return [bytes.subarray(0, i), bytes.subarray(i + (wide ? 2 : 1))];
  }
  return [bytes, Buffer.alloc(0)];
};

const clean = (text: string): string => text.replace(/\0+$/, '');

/** Reads TXXX/COMM/TIT2 text from an ID3v2.3/2.4 tag. */
export const parseId3 = (buf: Buffer, size: number, major: number): Record<string, string> => {
  const out: Record<string, string> = {};
  let offset = 10;
  const end = Math.min(buf.length, 10 + size);
  while (offset + 10 <= end) {
    const id = buf.toString('ascii', offset, offset + 4);
    if (!/^[A-Z0-9]{4}$/.test(id)) break;
    const frameSize = major >= 4 ? readSyncsafe(buf, offset + 4) : buf.readUInt32BE(offset + 4);
    const body = buf.subarray(offset + 10, Math.min(end, offset + 10 + frameSize));
    const encoding = body[0] ?? 0;
    if (id === 'TXXX' && body.length > 1) {
      const [desc, value] = splitTerminated(encoding, body.subarray(1));
      out[`TXXX:${clean(decodeText(encoding, desc))}`] = clean(decodeText(encoding, value));
    } else if (id === 'COMM' && body.length > 4) {
      const [, value] = splitTerminated(encoding, body.subarray(4));
      out.COMM = clean(decodeText(encoding, value));
    } else if (id.startsWith('T') && body.length > 1) {
      out[id] = clean(decodeText(encoding, body.subarray(1)));
    }
    offset += 10 + frameSize;
  }
  return out;
};

/** Length of an ID3v2 tag at the start of the file (header, body, footer), 0 if there is none. */
export const id3Length = (buf: Buffer): number => {
  if (buf.length < 10 || buf.toString('latin1', 0, 3) !== 'ID3') return 0;
  return 10 + readSyncsafe(buf, 6) + ((buf[5] ?? 0) & 0x10 ? 10 : 0);
};
