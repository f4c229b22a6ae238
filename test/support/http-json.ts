/** JSON over HTTP for tests that talk to gateway processes: one call, status and parsed body back. */

export interface JsonResponse {
  status: number;
  /** Whatever the endpoint under test answers with; tests read the fields they assert on. */
  body: any;
}

export interface JsonRequest {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Serialised as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

export async function requestJson(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  init: JsonRequest = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** POST /auth/refresh with the token in the body, as an app (not a browser) does. */
export function refresh(baseUrl: string, refreshToken: string): Promise<JsonResponse> {
  return requestJson('POST', `${baseUrl}/auth/refresh`, { body: { refresh_token: refreshToken } });
}
