import { z } from 'zod';

/**
 * The seed system's error envelope (Vocilia step 5.1 `ErrorResponse`): every non-2xx JSON answer
 * of the backend has this shape. `details.fields` names each bad field on a validation error.
 */
export const ErrorResponse = z.object({
  error: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
  timestamp: z.iso.datetime(),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;

export const FieldError = z.object({ field: z.string(), message: z.string(), code: z.string() });
export type FieldError = z.infer<typeof FieldError>;
