// The console's only door to the server: the public API with a bearer token kept in
// sessionStorage (never a cookie). A 401 asks the person to sign in again and then retries,
// so an expired session loses nothing.

const KEY = "gatehouse.session";
let session = JSON.parse(sessionStorage.getItem(KEY) || "null");
let reauthenticate = null;

/** Thrown for any non-2xx answer: status, code, message and field from the error body. */
export class ApiError extends Error {
  constructor(status, body, headers) {
    const error = (body && body.error) || {};
    super(error.message || `request failed (${status})`);
    this.status = status;
    this.code = error.code || "";
    this.field = error.field || null;
    this.retryAfter = Number(headers?.get("Retry-After")) || null;
  }
}

export function currentSession() {
  return session;
}

/** The console registers how to get a new session when the server says 401. */
export function onSessionExpired(handler) {
  reauthenticate = handler;
}

export async function login(username, password) {
  const answer = await raw("POST", "/api/v1/auth/login", { username, password }, false);
  session = { username: username.trim(), token: answer.token, role: answer.role, expires_at: answer.expires_at };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export async function logout() {
  try {
    if (session) await raw("POST", "/api/v1/auth/logout", undefined, true);
  } catch (_) {
    // Signed out locally either way.
  }
  forget();
}

export function forget() {
  session = null;
  sessionStorage.removeItem(KEY);
}

async function raw(method, path, body, authed, extraHeaders = {}) {
  const headers = { Accept: "application/json", ...extraHeaders };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (authed && session) headers.Authorization = `Bearer ${session.token}`;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch (_) {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response.status, parsed, response.headers);
  return parsed ?? {};
}

/** An authenticated call. On 401 the person signs in again and the call is retried once. */
export async function call(method, path, body, headers) {
  try {
    return await raw(method, path, body, true, headers);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401 || !reauthenticate) throw error;
    forget();
    await reauthenticate("Your session has ended. Sign in again to carry on where you were.");
    return raw(method, path, body, true, headers);
  }
}

export const get = (path) => call("GET", path);
export const post = (path, body, headers) => call("POST", path, body ?? {}, headers);

/** Builds a query string from the defined, non-empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
