import { BusinessSearchQuery, RecommendationsQuery, TrendsQuery } from '@samtal/types';
import { Router } from 'express';
import type { Deps } from '../deps';
import { principal } from '../http/business-auth';
import { getRecommendations } from './recommendations';
import { searchBusiness } from './search';
import { getTrends } from './trends';

/**
 * Business insights: GET /search, /trends, /recommendations (DESIGN §3). Relative paths: mounted
 * at /api/ai/business behind requireBusinessUser, which sets the principal every query is scoped to.
 */
export const businessInsightsRoutes = (deps: Deps) =>
  Router()
    .get('/search', async (req, res) => {
      res.json(await searchBusiness(deps, principal(req), BusinessSearchQuery.parse(req.query)));
    })
    .get('/trends', async (req, res) => {
      res.json(await getTrends(deps, principal(req), TrendsQuery.parse(req.query)));
    })
    .get('/recommendations', async (req, res) => {
      res.json(await getRecommendations(deps, principal(req), RecommendationsQuery.parse(req.query)));
    });
