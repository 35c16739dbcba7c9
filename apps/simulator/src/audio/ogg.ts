/** Ogg (Vorbis or Opus): duration from the last page's granule position; no text is read. */
export interface OggInfo {
  format: 'ogg';
  codec: 'vorbis' | 'opus' | 'unknown';
  durationSec: number;
}

export const isOgg = (buf: Buffer): boolean => buf.length >= 4 && buf.toString('ascii', 0, 4) === 'OggS';

export const parseOgg = (buf: Buffer): OggInfo | null => {
  if (!isOgg(buf) || buf.length < 28) return null;
  const segments = buf[26] ?? 0;
  const payload = buf.subarray(27 + segments);
  let codec: OggInfo['codec'] = 'unknown';
  let rate = 0;
  let preskip = 0;
  if (payload.toString('ascii', 1, 7) === 'vorbis' && payload.length >= 16) {
    codec = 'vorbis';
    rate = payload.readUInt32LE(12);
  } else if (payload.toString('ascii', 0, 8) === 'OpusHead' && payload.length >= 12) {
    codec = 'opus';
    rate = 48_000;
    preskip = payload.readUInt16LE(10);
  }
  const last = buf.lastIndexOf('OggS');
  let durationSec = 0;
  if (rate > 0 && last >= 0 && last + 14 <= buf.length) {
    const granule = Number(buf.readBigUInt64LE(last + 6));
    if (Number.isFinite(granule) && granule > 0 && granule < 2 ** 53) durationSec = Math.max(0, (granule - preskip) / rate);
  }
  // No usable granule: estimate from size at ~64 kbit/s.
  if (durationSec === 0) durationSec = buf.length / 8000;
  return { format: 'ogg', codec, durationSec };
};
