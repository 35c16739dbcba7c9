export const PERSONAS = [
  'engaged',
  'brief',
  'negative_specific',
  'fraud',
  'declines',
  'opt_out',
  'no_answer',
  'busy',
  'voicemail',
  'hangs_up',
  'silent',
  'english',
  'interrupter',
  'slow_thinker',
] as const;
export type PersonaName = (typeof PERSONAS)[number];

/** Which store the persona believes is calling, from what it heard in the greeting. */
export type StoreKind = 'grocery' | 'hardware' | 'generic';

/** What a prompt asked about (drives which answer lines fit). */
export type Topic =
  | 'consent'
  | 'fruit'
  | 'found'
  | 'staff'
  | 'tools'
  | 'paint'
  | 'checkout'
  | 'price'
  | 'cleanliness'
  | 'improve'
  | 'followup'
  | 'closing'
  | 'general';

/** Lines per store and topic. `generic` is the fallback store; `general` the fallback topic. */
export type LineBook = Partial<Record<StoreKind, Partial<Record<Topic, readonly string[]>>>>;
