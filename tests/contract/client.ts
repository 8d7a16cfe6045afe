// Calls to the service through a client generated from its OpenAPI document: `openapi-typescript`
// writes generated/schema.d.ts from the served document, and `openapi-fetch` makes typed calls with
// it. `tsc` type-checks this file against the generated types before it runs, so a request body or
// an answer field the document does not describe fails the build.
import createClient from 'openapi-fetch';
import type { components, paths } from './generated/schema.js';

export type MatchAnswer = components['schemas']['MatchAnswer'];
export type ErrorBody = components['schemas']['ErrorBody'];

/** `POST /api/v1/match` for a need, with a limit and filters. */
export async function matchNeed(baseUrl: string): Promise<MatchAnswer> {
  const client = createClient<paths>({ baseUrl });
  const { data, error, response } = await client.POST('/api/v1/match', {
    body: {
      need: { text: '锂电池回收 梯次利用', modes: ['joint_rd'], min_maturity: 3 },
      limit: 5,
      filters: { kinds: ['achievement', 'patent'] },
    },
  });
  if (error !== undefined) {
    throw new Error(`POST /api/v1/match: ${response.status} ${error.error.code}: ${error.error.message}`);
  }
  const first = data.results[0];
  if (first !== undefined) {
    // Fields a broker's screen reads, typed by the document.
    const reasons: string[] = first.reasons.map((reason) => reason.zh);
    const kind: 'expert' | 'achievement' | 'patent' | 'organization' | undefined = first.resource?.kind;
    void reasons;
    void kind;
  }
  return data;
}

/** `POST /api/v1/match` with a body the service refuses: the typed 422 error. */
export async function matchInvalid(baseUrl: string): Promise<{ status: number; body: ErrorBody }> {
  const client = createClient<paths>({ baseUrl });
  const { error, response } = await client.POST('/api/v1/match', {
    body: { need: { text: '锂电池' }, limit: 0 },
  });
  if (error === undefined) {
    throw new Error('POST /api/v1/match with limit 0 succeeded');
  }
  if (error.error.code !== 'invalid') {
    throw new Error(`expected code invalid, got ${error.error.code}`);
  }
  return { status: response.status, body: error };
}

/** `GET /api/v1/resources` with the plural `kinds`, as every route names it now. */
export async function listExperts(baseUrl: string): Promise<string[]> {
  const client = createClient<paths>({ baseUrl });
  const { data, error } = await client.GET('/api/v1/resources', {
    params: { query: { kinds: 'expert', limit: 3 } },
  });
  if (error !== undefined) {
    throw new Error(`GET /api/v1/resources: ${error.error.code}`);
  }
  return data.items.map((item) => item.kind);
}
