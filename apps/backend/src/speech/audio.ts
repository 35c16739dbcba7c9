/**
 * Reads the duration of the audio we play. Conversation time is counted from the audio itself
 * (DESIGN §6), so the length of every prompt must be known exactly.
 */

/** Duration of a RIFF/WAVE file in ms, or null if the buffer is not WAV. */
export function wavDurationMs(buf: Buffer): number | null {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return null;
  let offset = 12;
  let byteRate = 0;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 12 <= buf.length) byteRate = buf.readUInt32LE(body + 8);
    if (id === 'data') {
      if (byteRate === 0) return null;
      // Streamed WAV (as OpenAI's TTS sends) may carry a placeholder size: use what is there.
      const dataBytes = size === 0xffffffff || body + size > buf.length ? buf.length - body : size;
      return Math.round((dataBytes / byteRate) * 1000);
    }
    offset = body + size + (size % 2);
  }
  return null;
}

export const isWav = (buf: Buffer) => wavDurationMs(buf) !== null;
