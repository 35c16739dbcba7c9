import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps';
import { notFound } from '../http/errors';
import { loadAudio } from './tts';

export const AudioFile = z.object({ file: z.string().regex(/^[0-9a-f]{32}\.(wav|mp3)$/, 'expected <hash>.wav') });

/** GET /audio/<hash>.wav — pre-rendered prompts for 46elks to play. Immutable by construction. */
export const audioRoutes = (deps: Pick<Deps, 'redis' | 'key'>) =>
  Router().get('/audio/:file', async (req, res) => {
    const { file } = AudioFile.parse(req.params);
    const hash = file.slice(0, 32);
    const etag = `"${hash}"`;
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.setHeader('ETag', etag);
    // The name is the content's hash: a client holding it has exactly these bytes.
    if (req.header('if-none-match') === etag) return void res.status(304).end();
    const audio = await loadAudio(deps, hash);
    if (!audio) throw notFound('audio', file);
    res.setHeader('Content-Type', audio.ct);
    res.end(audio.data);
  });
