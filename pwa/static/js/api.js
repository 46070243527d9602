// HTTP to the Fieldbook API with the stored tokens. A 401 refreshes the access token
// once and retries; a refused refresh means "sign in again", never "wipe the data".
// The sign-in screen uses login() before anything else has loaded, so the stored tokens
// (db.js, Dexie) are imported only when a call needs them.

const tokens = () => import("./db.js");

export class ApiError extends Error {
  constructor(status, body, retryAfter = null) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.retryAfter = retryAfter; // seconds, from Retry-After (a 429 on sign-in)
  }
}

export class AuthRequired extends Error {}

async function send(path, { body, token, method = "POST", text = false } = {}) {
  const headers = { Accept: text ? "*/*" : "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store", credentials: "omit",
  });
  if (response.ok && text) return response.text();
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok) {
    throw new ApiError(response.status, data, Number(response.headers.get("Retry-After")) || null);
  }
  return data;
}

export async function login(email, password) {
  return send("/api/v1/auth/login", { body: { email, password } });
}

// One refresh at a time on this phone (pages and the service worker take the same Web
// Lock): the server rotates the refresh token on every use and treats a token used twice
// as stolen, so two tabs must not both spend the same one.
const AUTH_LOCK = "fieldbook-auth";
const locked = (fn) => (navigator.locks ? navigator.locks.request(AUTH_LOCK, fn) : fn());

/** A fresh access token for the one that was refused (`stale`). Stores the rotated
 * refresh token with it, in one write. */
async function refresh(stale) {
  const { getMeta, setMeta } = await tokens();
  return locked(async () => {
    const auth = await getMeta("auth");
    if (!auth?.refresh_token) throw new AuthRequired("not signed in");
    if (auth.access_token && auth.access_token !== stale) return auth.access_token; // done meanwhile
    try {
      const data = await send("/api/v1/auth/refresh", { token: auth.refresh_token });
      await setMeta("auth", { ...auth, access_token: data.access_token,
        refresh_token: data.refresh_token || auth.refresh_token });
      return data.access_token;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 422)) {
        throw new AuthRequired("session expired");
      }
      throw error;
    }
  });
}

/** An authenticated call: refresh once on 401 and retry. `text`: the answer's text
 * (a file), not its JSON. */
export async function call(path, body, method = "POST", { text = false } = {}) {
  const { getMeta } = await tokens();
  const auth = await getMeta("auth");
  if (!auth?.access_token) throw new AuthRequired("not signed in");
  try {
    return await send(path, { body, token: auth.access_token, method, text });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    const token = await refresh(auth.access_token);
    return send(path, { body, token, method, text });
  }
}

/** Revoke both tokens; best effort (the phone may be offline). */
export async function logout() {
  const { getMeta } = await tokens();
  const auth = await getMeta("auth");
  if (!auth) return;
  await Promise.allSettled([
    send("/api/v1/auth/logout", { token: auth.access_token }),
    send("/api/v1/auth/logout", { token: auth.refresh_token }),
  ]);
}
