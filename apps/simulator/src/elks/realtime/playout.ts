import { LITTLE_ENDIAN } from '../../audio/pcm';

/**
 * 46elks' playout buffer for our audio: bytes queue up (we may send faster than real time) and are
 * played one frame per audio frame; `sync` markers sit between them and are answered once everything
 * queued before them has been played. `interrupt` flushes it.
 */
type Item = { kind: 'audio'; bytes: Buffer; offset: number } | { kind: 'sync' };

export interface PlayedFrame {
  /** The frame as played (zero-padded where the buffer ran dry). */
  samples: Int16Array;
  /** Sync markers whose audio finished playing within this frame. */
  syncs: number;
}

export class Playout {
  private queue: Item[] = [];
  private head = 0;
  /** Bytes queued and not yet played. */
  bytes = 0;

  push(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.queue.push({ kind: 'audio', bytes, offset: 0 });
    this.bytes += bytes.length;
  }

  pushSync(): void {
    this.queue.push({ kind: 'sync' });
  }

  /** Drops every queued byte; returns how many sync markers were dropped with them (they are answered at once). */
  clear(): number {
    let syncs = 0;
    for (let i = this.head; i < this.queue.length; i++) if (this.queue[i]?.kind === 'sync') syncs++;
    this.queue = [];
    this.head = 0;
    this.bytes = 0;
    return syncs;
  }

  empty(): boolean {
    return this.head >= this.queue.length;
  }

  /** Plays `frameBytes` bytes (an even number): PCM16LE → samples. */
  take(frameBytes: number): PlayedFrame {
    // The bytes go straight into the samples' memory (PCM16LE on a little-endian machine).
    const samples = new Int16Array(frameBytes >> 1);
    const out = LITTLE_ENDIAN ? new Uint8Array(samples.buffer) : Buffer.alloc(frameBytes);
    let filled = 0;
    let syncs = 0;
    while (this.head < this.queue.length) {
      const item = this.queue[this.head] as Item;
      if (item.kind === 'sync') {
        syncs++;
        this.head++;
        continue;
      }
      if (filled === frameBytes) break;
      const n = Math.min(frameBytes - filled, item.bytes.length - item.offset);
      item.bytes.copy(out, filled, item.offset, item.offset + n);
      item.offset += n;
      filled += n;
      this.bytes -= n;
      if (item.offset >= item.bytes.length) this.head++;
    }
    if (this.head > 256 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (!LITTLE_ENDIAN) for (let i = 0; i < samples.length; i++) samples[i] = (out as Buffer).readInt16LE(i * 2);
    return { samples, syncs };
  }
}

/** Index of the first / last non-zero sample, or -1. */
export const firstVoiced = (samples: Int16Array): number => samples.findIndex((v) => v !== 0);
export const lastVoiced = (samples: Int16Array): number => samples.findLastIndex((v) => v !== 0);
