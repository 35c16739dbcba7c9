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
    const audio = await loadAudio(deps, file.slice(0, 32));
    if (!audio) throw notFound('audio', file);
    res.setHeader('Content-Type', audio.ct);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.send(audio.data);
  });
