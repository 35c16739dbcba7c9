import { createHmac } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { invalid } from '../http/errors';

/**
 * Swedish numbers only, normalised to E.164 with libphonenumber (national "070-123 45 67",
 * "+46 70 123 45 67" and "0046…" all become "+46701234567").
 */
export function normaliseSwedishPhone(raw: string, field = 'phone_number'): string {
  const parsed = parsePhoneNumberFromString(raw.trim(), 'SE');
  if (parsed?.country !== 'SE' || !parsed.isValid()) {
    throw invalid(`invalid request: ${field}`, {
      fields: [{ field, message: 'expected a valid Swedish phone number', code: 'invalid_phone' }],
    });
  }
  return parsed.number;
}

/** A keyed hash, so suppression and fraud patterns work without keeping the number itself. */
export function phoneHash(key: string, e164: string): string {
  return createHmac('sha256', key).update(e164).digest('hex');
}
