import { CallSessionParams, CancelQuery, EraseCustomerRequest, InitiateCallRequest, SubmitTranscriptRequest, VerificationWebhook } from '@samtal/types';
import { Router } from 'express';
import type { Deps } from '../deps';
import { requireApiKey, requireBearerSecret } from '../http/auth';
import { handleVerificationEvent, initiateCall } from './initiate';
import { cancelSession, eraseCustomerByPhone, getCallStatus, getTranscript, retrySession, submitTranscript } from './manage';

/** POST /webhooks/verification and the internal /api/ai/calls endpoints (DESIGN §3). */
export const callsRoutes = (deps: Deps) => {
  const router = Router();
  router.post('/webhooks/verification', requireBearerSecret(deps.config.VERIFICATION_WEBHOOK_SECRET), async (req, res) => {
    const event = VerificationWebhook.parse(req.body);
    const { body, created } = await handleVerificationEvent(deps, event.record);
    res.status(created ? 202 : 200).json(body);
  });

  const api = Router();
  api.use(requireApiKey(deps.config.ADMIN_API_KEY));
  api.post('/initiate', async (req, res) => {
    const { body, created } = await initiateCall(deps, InitiateCallRequest.parse(req.body));
    res.status(created ? 202 : 200).json(body);
  });
  api.post('/erase', async (req, res) => {
    res.json(await eraseCustomerByPhone(deps, EraseCustomerRequest.parse(req.body)));
  });
  api.get('/:call_session_id/status', async (req, res) => {
    res.json(await getCallStatus(deps, CallSessionParams.parse(req.params).call_session_id));
  });
  api.get('/:call_session_id/transcript', async (req, res) => {
    res.json(await getTranscript(deps, CallSessionParams.parse(req.params).call_session_id));
  });
  api.post('/:call_session_id/transcript', async (req, res) => {
    const { call_session_id } = CallSessionParams.parse(req.params);
    res.status(201).json(await submitTranscript(deps, call_session_id, SubmitTranscriptRequest.parse(req.body)));
  });
  api.put('/:call_session_id/retry', async (req, res) => {
    res.status(202).json(await retrySession(deps, CallSessionParams.parse(req.params).call_session_id));
  });
  api.delete('/:call_session_id', async (req, res) => {
    const { call_session_id } = CallSessionParams.parse(req.params);
    const { erase } = CancelQuery.parse(req.query);
    res.json(await cancelSession(deps, call_session_id, erase === 'true'));
  });
  router.use('/api/ai/calls', api);
  return router;
};
