import { CallSessionRequest, CleanupRequest, FraudDetectionRequest, MetricsQuery, QualityRequest } from '@samtal/types';
import { Router } from 'express';
import type { Deps } from '../deps';
import { requireApiKey } from '../http/auth';
import { getAssessment, getFraudDetection, summarizeSession } from './analyze-session';
import { cleanupLowGrade } from './cleanup';
import { assessDryRun } from './dry-run';
import { getMetrics } from './metrics';

/** The internal /api/ai/analysis endpoints (DESIGN §3); every one needs X-API-Key. */
export const analysisRoutes = (deps: Deps) => {
  const api = Router();
  api.use(requireApiKey(deps.config.ADMIN_API_KEY));
  api.post('/quality', async (req, res) => {
    const body = QualityRequest.parse(req.body);
    res.json(body.call_session_id ? await getAssessment(deps, body.call_session_id) : await assessDryRun(deps, body));
  });
  api.post('/fraud-detection', async (req, res) => {
    res.json(await getFraudDetection(deps, FraudDetectionRequest.parse(req.body)));
  });
  api.post('/summarize', async (req, res) => {
    res.json(await summarizeSession(deps, CallSessionRequest.parse(req.body).call_session_id));
  });
  api.delete('/cleanup-low-grade', async (req, res) => {
    res.json(await cleanupLowGrade(deps, CleanupRequest.parse(req.body ?? {})));
  });
  api.get('/metrics', async (req, res) => {
    res.json(await getMetrics(deps, MetricsQuery.parse(req.query)));
  });
  const router = Router();
  router.use('/api/ai/analysis', api);
  return router;
};
